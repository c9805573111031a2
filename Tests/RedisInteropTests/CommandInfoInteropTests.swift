import SynodCommands
import SynodTestSupport
import Testing

/// Checks what `CommandRegistry` says of each Redis command Synod has (arity, key positions,
/// ACL categories, the flags Synod models) against a real redis-server's COMMAND INFO,
/// subcommands included: cluster clients route by these, and ACL rules written for Redis
/// must mean the same here.
struct CommandInfoInteropTests {
    /// The flags `CommandFlags` models; Redis's others (loading, stale, noscript ...) say
    /// nothing about Synod.
    static let modeledFlags: Set<String> = [
        "write", "readonly", "denyoom", "admin", "pubsub", "blocking", "fast", "no_auth",
    ]

    struct Described: Equatable, CustomStringConvertible {
        var arity: Int64
        let flags: Set<String>
        let keys: [Int64]
        let categories: Set<String>

        var description: String {
            "arity \(arity), flags \(flags.sorted()), keys \(keys), categories \(categories.sorted())"
        }
    }

    @Test func theRegistryDescribesRedisCommandsAsRedisDoes() async throws {
        let redis = try await RedisServerProcess.start()
        let connection = try BlockingRESPConnection(port: redis.port)
        let redisNames = CommandRegistry.commandNames.filter { !$0.contains(".") && $0 != "cas" && $0 != "cad" }
        guard case .array(let infos?) = try connection.command(["COMMAND", "INFO"] + redisNames) else {
            Issue.record("COMMAND INFO did not answer an array")
            return
        }
        var fromRedis: [String: Described] = [:]
        for info in infos { Self.collect(info, into: &fromRedis) }
        var compared = 0
        // CLIENT CAPA came with Redis 8.0; the redis-server here (Debian's) is older.
        let newerThanThisRedis: Set<String> = ["client|capa"]
        for (name, spec) in CommandRegistry.specs
        where !name.contains(".") && name != "cas" && name != "cad" && !newerThanThisRedis.contains(name) {
            guard let expected = fromRedis[name] else {
                Issue.record("redis-server does not know \(name)")
                continue
            }
            let described = Described(
                arity: Int64(spec.arity),
                flags: Set(spec.flags.names),
                keys: [spec.keys.first, spec.keys.last, spec.keys.step].map(Int64.init),
                categories: Set(spec.categories.map { "@" + $0.rawValue })
            )
            // Subcommands' keys are found by the parser (`keyUses`), not by positions.
            let comparable =
                name.contains("|")
                ? Described(
                    arity: described.arity,
                    flags: described.flags,
                    keys: expected.keys,
                    categories: described.categories
                ) : described
            var expectedHere = expected
            // Commands that took more words after the redis-server 7.0 here: Synod has the
            // later form.
            if let later = Self.aritiesAfterRedis70[name] { expectedHere.arity = later }
            #expect(comparable == expectedHere, "\(name): Synod says \(described); redis-server says \(expected)")
            compared += 1
        }
        #expect(compared > 100)
    }

    /// Redis 7.2's arity of the commands it gave a new option (ZRANK and ZREVRANK WITHSCORE).
    static let aritiesAfterRedis70: [String: Int64] = ["zrank": -3, "zrevrank": -3]

    /// One COMMAND INFO entry and its subcommands (the tenth element).
    static func collect(_ reply: RESPReply, into described: inout [String: Described]) {
        guard case .array(let fields?) = reply, fields.count >= 7, case .bulkString(let name?) = fields[0],
            case .integer(let arity) = fields[1], case .array(let flags?) = fields[2],
            case .integer(let first) = fields[3], case .integer(let last) = fields[4],
            case .integer(let step) = fields[5], case .array(let categories?) = fields[6]
        else { return }
        described[String(decoding: name, as: UTF8.self)] = Described(
            arity: arity,
            flags: Set(flags.compactMap(Self.text)).intersection(modeledFlags),
            keys: [first, last, step],
            categories: Set(categories.compactMap(Self.text))
        )
        if fields.count > 9, case .array(let subcommands?) = fields[9] {
            for subcommand in subcommands { collect(subcommand, into: &described) }
        }
    }

    static func text(_ reply: RESPReply) -> String? {
        switch reply {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }
}
