import SynodTestSupport
import Testing

/// Where a stream's nodes end, checked against redis-server: approximate trims remove whole
/// nodes, and Redis 7.0 starts a node after 100 entries or when the node's listpack bytes plus
/// the new entry's would reach 4096. Streams are built of entries of every size class (integer
/// words, strings around the listpack's 64 and 4096 byte steps, fields that are and are not
/// the node's first entry's), with deletions and exact trims between; then `XTRIM MINID ~`
/// stepped through every id removes node after node, and each count it answers must be Redis's.
@Suite(.serialized) struct StreamNodeDifferentialTests {
    /// A small deterministic generator, so a failure names a script that can be run again.
    struct Generator {
        var state: UInt64
        mutating func next(below bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func pick<T>(_ choices: [T]) -> T { choices[next(below: choices.count)] }
    }

    static let words: [String] = [
        "", "0", "007", "-0", "127", "128", "-4096", "-4097", "4095", "32768", "-32769", "8388608", "2147483648",
        "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1.5", "+1", "v",
        String(repeating: "s", count: 63), String(repeating: "m", count: 64), String(repeating: "l", count: 500),
        String(repeating: "k", count: 1_200), String(repeating: "h", count: 4_095),
        String(repeating: "H", count: 4_096),
    ]

    /// The commands that build stream `key` of `entries` entries, then peel it node by node.
    static func script(key: String, entries: Int, seed: UInt64, bigValues: Bool) -> [[String]] {
        var random = Generator(state: seed)
        var commands: [[String]] = []
        var ids: [String] = []
        var milliseconds: UInt64 = 1
        var sequence: UInt64 = 0
        for index in 0..<entries {
            switch random.next(below: 4) {
            case 0: sequence += 1
            case 1: milliseconds += 1; sequence = UInt64(random.next(below: 3))
            case 2: milliseconds += UInt64(1 + random.next(below: 100_000)); sequence = 0
            default: milliseconds += 1 << 33; sequence = UInt64(random.next(below: 1 << 20))
            }
            let id = "\(milliseconds)-\(sequence)"
            ids.append(id)
            var command = ["XADD", key, id]
            let fieldCount = 1 + random.next(below: 3)
            for field in 0..<fieldCount {
                // Mostly the node's usual fields, sometimes others, so some entries carry their names.
                command.append(
                    random.next(below: 5) == 0 ? random.pick(["x", "12", "-3", "long-field-name"]) : "f\(field)"
                )
                command.append(bigValues ? random.pick(words) : random.pick(Array(words.prefix(22))))
            }
            commands.append(command)
            // Deletions keep their bytes in the node; an exact trim marks the head's entries.
            if index % 17 == 16 { commands.append(["XDEL", key, ids[index - 3 - random.next(below: 10)]]) }
            if index % 97 == 96 { commands.append(["XTRIM", key, "MAXLEN", "=", "\(index - 10)"]) }
        }
        commands.append(["XLEN", key])
        for id in ids { commands.append(["XTRIM", key, "MINID", "~", id]) }
        commands.append(["XLEN", key])
        return commands
    }

    static let scripts: [[[String]]] = [
        script(key: "small", entries: 450, seed: 1, bigValues: false),
        script(key: "mixed", entries: 300, seed: 2, bigValues: true),
        script(key: "other", entries: 300, seed: 3, bigValues: true),
    ]

    @Test(arguments: 0..<scripts.count)
    func approximateTrimsRemoveTheNodesRedisRemoves(script: Int) async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let theirs = try BlockingRESPConnection(port: redis.port)
        let ours = try BlockingRESPConnection(port: node.clientPort)
        var trims: [RESPReply] = []
        for command in Self.scripts[script] {
            let expected = try theirs.command(command)
            let actual = try ours.command(command)
            if command[0] == "XTRIM" { trims.append(expected) }
            #expect(actual == expected, "\(command.map { $0.count > 20 ? "<\($0.count) bytes>" : $0 })")
        }
        // The peeling removed more than one node, so the layout was really compared.
        #expect(trims.filter { $0 != .integer(0) }.count > 3)
    }
}
