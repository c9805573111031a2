import Foundation
import SynodTestSupport
import Testing

/// A real 4-node cluster of 4 shards, each held by 3 of the nodes (`--replicas 3`): every node
/// holds three shards and relays requests for the fourth to a node that holds it.
@Suite(.serialized)
struct ReplicasProcessTests {
    static let shards = 4
    static let arguments = ["--initial-shards", "4", "--replicas", "3"]

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The shards `node` holds, by shard number, with their INFO consensus line's fields.
    static func heldShards(_ node: SynodServerProcess) -> [Int: [String: String]]? {
        guard let fields = node.consensus() else { return nil }
        var held: [Int: [String: String]] = [:]
        for shard in 0..<shards {
            guard let line = fields["shard\(shard)"] else { continue }
            held[shard] = Dictionary(
                uniqueKeysWithValues: line.split(separator: ",").compactMap { part -> (String, String)? in
                    let pair = part.split(separator: "=", maxSplits: 1)
                    return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
                }
            )
        }
        return held
    }

    /// The shard of `key`, from its slot (the slots are divided in equal ranges).
    static func shard(of key: String, on node: SynodServerProcess) throws -> Int {
        guard case .integer(let slot)? = node.command(["CLUSTER", "KEYSLOT", key]) else {
            throw Failure("no CLUSTER KEYSLOT answer")
        }
        return Int(slot) * shards / 16384
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Until every node holds three shards, each with a leader, and knows a leader of all four
    /// (CLUSTER INFO's state is ok only then).
    static func waitForLeaders(_ nodes: [SynodServerProcess]) async -> Bool {
        await waitUntil(timeout: .seconds(60)) {
            nodes.allSatisfy { node in
                guard let held = heldShards(node), held.count == 3,
                    held.values.allSatisfy({ ($0["leader"] ?? "none") != "none" }),
                    case .bulkString(let info?)? = node.command(["CLUSTER", "INFO"])
                else { return false }
                return String(decoding: info, as: UTF8.self).contains("cluster_state:ok")
            }
        }
    }

    /// `words`' reply, sent again while it is refused (TRYAGAIN or UNCERTAIN: the commands sent
    /// this way may be applied twice without harm).
    static func reliably(_ connection: BlockingRESPConnection, _ words: [String]) async throws -> RESPReply {
        var reply = try connection.command(words)
        _ = try await waitUntil(timeout: .seconds(60)) {
            guard ShardsProcessTests.isRefusal(reply) else { return true }
            reply = try connection.command(words)
            return !ShardsProcessTests.isRefusal(reply)
        }
        return reply
    }

    @Test func everyNodeServesTheShardsItDoesNotHoldThroughOneThatDoesEvenAfterANodeDies() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 4, extraArguments: Self.arguments)
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForLeaders(nodes), "\(nodes.map(\.process.output))")
        // Each node holds three shards, and each shard is held by three nodes.
        let held = nodes.map { Set(Self.heldShards($0)?.keys.map { $0 } ?? []) }
        #expect(held.allSatisfy { $0.count == 3 }, "\(held)")
        #expect((0..<Self.shards).allSatisfy { shard in held.filter { $0.contains(shard) }.count == 3 }, "\(held)")

        // 400 keys written through the nodes in turn, each read back through every node.
        let keys = (0..<400).map { "key:\($0)" }
        for (offset, node) in nodes.enumerated() {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            let mine = keys.enumerated().filter { $0.offset % 4 == offset }.map(\.element)
            let replies = try connection.pipeline(
                mine.map { [Self.bytes("SET"), Self.bytes($0), Self.bytes("v-" + $0)] }
            )
            for (key, reply) in zip(mine, replies) where reply != .simpleString("OK") {
                #expect(try await Self.reliably(connection, ["SET", key, "v-" + key]) == .simpleString("OK"))
            }
        }
        for node in nodes {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            let replies = try connection.pipeline(keys.map { [Self.bytes("GET"), Self.bytes($0)] })
            for (key, reply) in zip(keys, replies) {
                let answer =
                    ShardsProcessTests.isRefusal(reply) ? try await Self.reliably(connection, ["GET", key]) : reply
                #expect(answer == .bulkString(Self.bytes("v-" + key)), "GET \(key) through node \(node.nodeID)")
            }
            #expect(try await Self.reliably(connection, ["DBSIZE"]) == .integer(400))
        }
        // A node holds the keys of its own shards only, and relayed the others'.
        for (node, shards) in zip(nodes, held) {
            let keysHeld = Self.heldShards(node)?.values.map { Int($0["keys"] ?? "") ?? 0 }.reduce(0, +) ?? 0
            let expected = try keys.filter { shards.contains(try Self.shard(of: $0, on: node)) }.count
            #expect(
                await waitUntil {
                    (Self.heldShards(node)?.values.map { Int($0["keys"] ?? "") ?? 0 }.reduce(0, +)) == expected
                }
            )
            #expect(keysHeld <= expected)
            #expect(Self.relayedCount(node).map { $0 > 0 } == true, "node \(node.nodeID) relayed nothing")
        }

        // Invalidations come from the changes a node applies, so one that holds only some
        // shards says it cannot track keys, rather than miss changes.
        let tracker = try BlockingRESPConnection(port: nodes[0].clientPort)
        let refusal = try tracker.command(["CLIENT", "TRACKING", "on"])
        #expect(refusal.isError(prefix: "ERR CLIENT TRACKING needs a node that holds every shard"), "\(refusal)")

        // A client that follows redirections is sent to the leader of a shard the node does not
        // hold, by the leadership its peers announce.
        let (outsider, key) = try Self.nodeAndKeyOfAShardItDoesNotHold(nodes, held: held)
        let aware = try BlockingRESPConnection(port: outsider.clientPort)
        #expect(try aware.command(["CLIENT", "CAPA", "redirect"]) == .simpleString("OK"))
        var moved = RESPReply.null
        #expect(
            try await waitUntil(timeout: .seconds(30)) {
                moved = try aware.command(["GET", key])
                guard case .error(let line) = moved, line.hasPrefix("MOVED ") else { return false }
                let port = line.split(separator: ":").last.map(String.init) ?? ""
                guard let leader = nodes.first(where: { "\($0.clientPort)" == port }),
                    let leaderLine = try Self.heldShards(leader)?[Self.shard(of: key, on: outsider)]
                else { return false }
                return leaderLine["role"] == "leader"
            },
            "\(moved)"
        )

        // A node dies: every shard keeps two of its three members, and every node left still
        // serves every key, relaying to the shards' new leaders as they are announced.
        nodes[3].process.terminate()
        for node in nodes.dropLast() {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            for key in keys.filter({ $0.hasSuffix("7") }) {
                #expect(try await Self.reliably(connection, ["SET", key, "w-" + key]) == .simpleString("OK"))
                #expect(try await Self.reliably(connection, ["GET", key]) == .bulkString(Self.bytes("w-" + key)))
            }
        }
    }

    /// A node and a key of a shard it does not hold.
    static func nodeAndKeyOfAShardItDoesNotHold(
        _ nodes: [SynodServerProcess],
        held: [Set<Int>]
    ) throws -> (SynodServerProcess, String) {
        let outsider = nodes[0]
        for index in 0..<1000 {
            let key = "probe:\(index)"
            if !held[0].contains(try shard(of: key, on: outsider)) { return (outsider, key) }
        }
        throw Failure("no key of a shard node 1 does not hold")
    }

    /// How many requests `node` relayed to nodes that hold their shards, from its /metrics.
    static func relayedCount(_ node: SynodServerProcess) -> Int? {
        guard let metrics = httpGet(port: node.httpPort, path: "/metrics")?.body else { return nil }
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("synod_client_requests_relayed_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// The blocked list commands of `shard` on the nodes that hold it, the most any reports.
    static func blockedCommands(_ nodes: [SynodServerProcess], shard: Int) -> Int {
        nodes.compactMap { heldShards($0)?[shard]?["blocked"].flatMap { Int($0) } }.max() ?? 0
    }

    @Test func aRelayedBlockingPopIsServedAndOneWhoseClientLeftTakesNothing() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 4, extraArguments: Self.arguments)
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForLeaders(nodes), "\(nodes.map(\.process.output))")
        let held = nodes.map { Set(Self.heldShards($0)?.keys.map { $0 } ?? []) }
        let (outsider, list) = try Self.nodeAndKeyOfAShardItDoesNotHold(nodes, held: held)
        let shard = try Self.shard(of: list, on: outsider)
        let pusher = try BlockingRESPConnection(port: nodes[1].clientPort)

        // A client blocks through a node that relays its pop and goes away: its wait ends.
        do {
            let gone = try BlockingRESPConnection(port: outsider.clientPort)
            try gone.sendOnly([["BLPOP", list, "0"]])
            #expect(await waitUntil { Self.blockedCommands(nodes, shard: shard) == 1 })
        }
        #expect(
            await waitUntil { Self.blockedCommands(nodes, shard: shard) == 0 },
            "the closed client's wait did not end"
        )

        // A client blocked through that node is served by a push through another, and the
        // element the gone client would have taken stays.
        let waiting = try BlockingRESPConnection(port: outsider.clientPort)
        try waiting.sendOnly([["BRPOP", list, "0"]])
        #expect(await waitUntil { Self.blockedCommands(nodes, shard: shard) == 1 })
        #expect(try await Self.reliably(pusher, ["RPUSH", list, "a", "b"]) == .integer(2))
        #expect(try waiting.readNext() == .array([.bulkString(Self.bytes(list)), .bulkString(Self.bytes("b"))]))
        #expect(try await Self.reliably(pusher, ["LRANGE", list, "0", "-1"]) == .array([.bulkString(Self.bytes("a"))]))
    }

    /// A request relayed to a node that then stops answering (paused) is answered TRYAGAIN
    /// once that node is silent, not held for as long as it is paused; sent again, it goes to
    /// another member of its shard.
    @Test func aRequestRelayedToANodeThatFallsSilentIsAnsweredAndServedElsewhere() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 4, extraArguments: Self.arguments)
        defer {
            for node in nodes { node.process.send(signal: SIGCONT) }
            ServerProcessTests.stop(nodes)
        }
        #expect(await Self.waitForLeaders(nodes), "\(nodes.map(\.process.output))")
        let held = nodes.map { Set(Self.heldShards($0)?.keys.map { $0 } ?? []) }
        let (outsider, key) = try Self.nodeAndKeyOfAShardItDoesNotHold(nodes, held: held)
        let shard = try Self.shard(of: key, on: outsider)
        let writer = try BlockingRESPConnection(port: outsider.clientPort)
        #expect(try await Self.reliably(writer, ["SET", key, "kept"]) == .simpleString("OK"))
        let leader = try #require(nodes.first { Self.heldShards($0)?[shard]?["role"] == "leader" })

        leader.process.send(signal: SIGSTOP)
        // Answered within the reply timeout, though the node it went to never answers.
        let connection = try BlockingRESPConnection(port: outsider.clientPort, replyTimeoutSeconds: 30)
        let first = try connection.command(["GET", key])
        #expect(first == .bulkString(Self.bytes("kept")) || ShardsProcessTests.isRefusal(first), "\(first)")
        #expect(try await Self.reliably(connection, ["GET", key]) == .bulkString(Self.bytes("kept")))
        #expect(try await Self.reliably(connection, ["SET", key, "moved on"]) == .simpleString("OK"))
    }
}
