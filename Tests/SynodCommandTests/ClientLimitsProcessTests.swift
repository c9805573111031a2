import SynodTestSupport
import Testing

/// Each per-client limit answers its error and the node carries on: the query buffer
/// (`--client-query-buffer-limit`), pattern and channel subscriptions, CLIENT TRACKING
/// prefixes, WATCH keys and WATCH.* streams, at their default bounds.
@Suite(.serialized)
struct ClientLimitsProcessTests {
    static func words(_ prefix: String, _ count: Int) -> [String] { (0..<count).map { "\(prefix)\($0)" } }

    @Test func aClientOverTheQueryBufferLimitIsToldAndDisconnected() async throws {
        let node = try ServerProcessTests.startCluster(
            count: 1,
            extraArguments: ["--max-request-bytes", "1024", "--client-query-buffer-limit", "2048"]
        )[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        // An inline request that never ends: undecoded input past 2048 bytes.
        let flooding = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 10)
        try flooding.sendBytes(Array(repeating: UInt8(ascii: "x"), count: 5000))
        #expect(
            try flooding.readNext()
                == .error("ERR client query buffer over client-query-buffer-limit (2048 bytes): closing the connection")
        )
        #expect(throws: (any Error).self) { try flooding.readNext() }
        // Requests within the limits still work, on a new connection.
        let client = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 10)
        #expect(try client.command(["SET", "k", String(repeating: "v", count: 900)]) == .simpleString("OK"))
        #expect(try client.command(["PING"]) == .simpleString("PONG"))
    }

    @Test func subscriptionsTrackingPrefixesAndWatchesAreBounded() async throws {
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")

        let subscriber = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 30)
        #expect(
            try subscriber.command(["PSUBSCRIBE"] + Self.words("p", 10_001))
                == .error(
                    "ERR too many pattern subscriptions on this connection: at most 10000 (PUNSUBSCRIBE some first)"
                )
        )
        #expect(
            try subscriber.command(["SUBSCRIBE"] + Self.words("c", 100_001))
                == .error(
                    "ERR too many channel subscriptions on this connection: at most 100000 (UNSUBSCRIBE some first)"
                )
        )
        #expect(
            try subscriber.command(["PSUBSCRIBE", "news.*"])
                == .array([.bulkString(Array("psubscribe".utf8)), .bulkString(Array("news.*".utf8)), .integer(1)])
        )

        let tracking = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 30)
        let prefixes = Self.words("k", 10_001).flatMap { ["PREFIX", $0] }
        #expect(
            try tracking.command(["CLIENT", "TRACKING", "on", "BCAST"] + prefixes)
                == .error("ERR too many tracking prefixes: at most 10000 per connection")
        )
        #expect(try tracking.command(["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "k"]) == .simpleString("OK"))

        let transaction = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 30)
        #expect(
            try transaction.command(["WATCH"] + Self.words("w", 10_001))
                == .error(
                    "ERR too many watched keys on this connection: at most 10000 (EXEC, DISCARD or UNWATCH first)"
                )
        )
        #expect(try transaction.command(["WATCH", "w"]) == .simpleString("OK"))

        // 10,000 watch streams from a revision to come (no read needed), then one too many.
        let watcher = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 60)
        let watches = Self.words("key", 10_001).map { ["WATCH.KEY", $0, "FROM", "1000000000"].map { Array($0.utf8) } }
        let replies = try watcher.pipeline(watches)
        #expect(replies.dropLast().allSatisfy { if case .array = $0 { true } else { false } })
        #expect(replies.last == .error("ERR too many watches on this connection: at most 10000 (WATCH.CANCEL first)"))
        #expect(try watcher.command(["WATCH.CANCEL"]) == .simpleString("OK"))

        // The node is fine.
        #expect(node.command(["SET", "k", "v"]) == .simpleString("OK"))
        #expect(node.command(["GET", "k"]) == .bulkString(Array("v".utf8)))
    }
}
