import SynodTestSupport
import Testing

/// The blocking commands against redis-server: the same clients block, the same pushes wake
/// them, and every reply (the pusher's and each waiter's, in RESP2 and RESP3) is the one
/// Redis gives.
@Suite(.serialized) struct BlockingDifferentialTests {
    /// Clients block in order with `waiters`, each on its own connection; then `pushes` run
    /// on another connection; then each waiter reads its reply. `setup` runs first.
    struct Scenario: CustomStringConvertible {
        var setup: [[String]] = []
        let waiters: [[String]]
        let pushes: [[String]]
        var description: String { "\(waiters) woken by \(pushes)" }
    }

    static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    static func scenario(setup: [String] = [], _ waiters: [String], _ pushes: [String]) -> Scenario {
        Scenario(setup: setup.map(words), waiters: waiters.map(words), pushes: pushes.map(words))
    }

    static let scenarios: [Scenario] = [
        // Lists: the first key that gets elements serves, first blocked first served.
        scenario(["BLPOP a b 0"], ["RPUSH b x y", "LRANGE b 0 -1"]),
        scenario(["BRPOP q 0", "BLPOP q 0", "BRPOP q 0"], ["RPUSH q 1 2", "RPUSH q 3", "LLEN q"]),
        scenario(["BLMPOP 0 2 a b RIGHT COUNT 2"], ["RPUSH b 1 2 3", "LRANGE b 0 -1"]),
        scenario(["BLMOVE src dst LEFT RIGHT 0"], ["RPUSH src v w", "LRANGE dst 0 -1", "LRANGE src 0 -1"]),
        scenario(["BRPOPLPUSH src dst 0", "BLPOP dst 0"], ["RPUSH src v", "EXISTS dst src"]),
        // A key of another kind does not serve; the list that replaces it does.
        scenario(["BLPOP k 0"], ["SET k string", "DEL k", "LPUSH k v", "EXISTS k"]),
        // A push inside MULTI, and a move into the waited key, serve too.
        scenario(["BLPOP q 0"], ["MULTI", "RPUSH q a", "RPUSH q b", "EXEC", "LRANGE q 0 -1"]),
        scenario(setup: ["RPUSH from x"], ["BRPOP q 0"], ["LMOVE from q LEFT LEFT", "EXISTS q from"]),
        // A destination of another kind: the waiter gets WRONGTYPE, nothing moves.
        scenario(["BLMOVE a s LEFT LEFT 0"], ["SET s v", "RPUSH a 1", "LRANGE a 0 -1"]),
        // Sorted sets.
        scenario(["BZPOPMIN z 0"], ["ZADD z 2 b 1 a", "ZRANGE z 0 -1 WITHSCORES"]),
        scenario(["BZPOPMAX z y 0"], ["ZADD y 1.5 a 2.25 b", "ZCARD y"]),
        scenario(["BZMPOP 0 2 z y MIN COUNT 5", "BZPOPMIN z 0"], ["ZADD y 1 a 2 b", "ZADD z 3 c", "EXISTS y z"]),
        // A list waiter and a sorted set waiter on one key: each kind serves its own.
        scenario(["BZPOPMIN k 0", "BLPOP k 0"], ["RPUSH k v", "DEL k", "ZADD k 1 m"]),
        // Streams: every XREAD waiter gets the new entry; one group reader of a group does.
        scenario(["XREAD BLOCK 0 STREAMS s $", "XREAD COUNT 1 BLOCK 0 STREAMS s 0-0"], ["XADD s 5-1 f v"]),
        scenario(
            setup: ["XGROUP CREATE s g $ MKSTREAM"],
            ["XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >", "XREADGROUP GROUP g c2 COUNT 1 BLOCK 0 STREAMS s >"],
            ["XADD s 1-1 a 1", "XADD s 1-2 b 2", "XPENDING s g"]
        ),
        scenario(
            setup: ["XGROUP CREATE s g $ MKSTREAM"],
            ["XREADGROUP GROUP g c BLOCK 0 STREAMS s >"],
            ["XGROUP DESTROY s g"]
        ),
    ]

    /// Clients blocked on the server, as it reports them; nil when INFO fails (the caller's
    /// wait goes on).
    static func blockedClients(_ observer: BlockingRESPConnection, isRedis: Bool) -> Int? {
        let field = isRedis ? "blocked_clients" : "kv_blocked_list_commands"
        guard case .bulkString(let text?) = try? observer.command(["INFO", isRedis ? "clients" : "consensus"]) else {
            return nil
        }
        for line in String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline)
        where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1))
        }
        return nil
    }

    /// Runs the scenario on one server: the pusher's replies, then each waiter's.
    static func run(_ scenario: Scenario, port: Int, isRedis: Bool, protocolVersion: Int) async throws -> [RESPReply] {
        func connect() throws -> BlockingRESPConnection {
            let connection = try BlockingRESPConnection(port: port)
            if protocolVersion == 3 { _ = try connection.command(["HELLO", "3"]) }
            return connection
        }
        let pusher = try connect()
        // INFO in RESP2 (a bulk string): RESP3 answers a verbatim string.
        let observer = try BlockingRESPConnection(port: port)
        _ = try pusher.command(["FLUSHALL"])
        for command in scenario.setup { _ = try pusher.command(command) }
        var waiters: [BlockingRESPConnection] = []
        for command in scenario.waiters {
            let waiter = try connect()
            try waiter.sendOnly([command])
            waiters.append(waiter)
            let blocked = waiters.count
            #expect(
                await waitUntil { blockedClients(observer, isRedis: isRedis) == blocked },
                "\(command) did not block on \(isRedis ? "redis-server" : "Synod")"
            )
        }
        var replies = try scenario.pushes.map { try pusher.command($0) }
        for waiter in waiters { replies.append(try waiter.readNext()) }
        return replies
    }

    @Test(arguments: [2, 3])
    func blockedClientsGetRedisRepliesFromSynod(protocolVersion: Int) async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        for scenario in Self.scenarios {
            let expected = try await Self.run(
                scenario,
                port: redis.port,
                isRedis: true,
                protocolVersion: protocolVersion
            )
            let actual = try await Self.run(
                scenario,
                port: node.clientPort,
                isRedis: false,
                protocolVersion: protocolVersion
            )
            #expect(actual == expected, "\(scenario)")
        }
    }
}
