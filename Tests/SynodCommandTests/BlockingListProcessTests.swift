import SynodTestSupport
import Testing

/// Blocking list commands on real processes: a client blocked through one node is served by
/// a push through another, and a blocked client that goes away takes nothing.
@Suite(.serialized) struct BlockingListProcessTests {
    static func blockedCommands(_ node: SynodServerProcess) -> Int? {
        node.consensus()?["kv_blocked_list_commands"].flatMap { Int($0) }
    }

    @Test func aClientBlockedOnAFollowerIsServedThroughAnotherNodeAndAGoneClientTakesNothing() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let followers = nodes.filter { $0 !== leader }

        // A client blocks through one follower and goes away: its wait ends, replicated.
        do {
            let gone = try BlockingRESPConnection(port: followers[0].clientPort)
            try gone.sendOnly([["BLPOP", "queue", "0"]])
            #expect(await waitUntil { Self.blockedCommands(leader) == 1 })
        }
        #expect(await waitUntil { Self.blockedCommands(leader) == 0 }, "the closed client's wait did not end")

        // A client blocked through the other follower is served by a push through the leader,
        // first come first served, and the element the gone client would have taken stays.
        let waiting = try BlockingRESPConnection(port: followers[1].clientPort)
        try waiting.sendOnly([["BRPOP", "other", "queue", "0"]])
        #expect(await waitUntil { Self.blockedCommands(leader) == 1 })
        #expect(leader.command(["RPUSH", "queue", "a", "b"]) == .integer(2))
        #expect(try waiting.readNext() == .array([.bulkString(Array("queue".utf8)), .bulkString(Array("b".utf8))]))
        #expect(leader.command(["LRANGE", "queue", "0", "-1"]) == .array([.bulkString(Array("a".utf8))]))

        // A timeout runs on the log's clock, through a follower, with Redis's null reply.
        #expect(followers[0].command(["BLMOVE", "empty", "to", "LEFT", "RIGHT", "0.2"]) == .bulkString(nil))
        #expect(Self.blockedCommands(leader) == 0)
    }
}
