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

/// Blocking stream reads on real processes: XREADGROUP and XREAD blocked through followers are
/// served by an XADD through the leader, each new entry goes to one consumer of a group, and
/// a blocked consumer that goes away is given nothing.
@Suite(.serialized) struct BlockingStreamProcessTests {
    static func bulk(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }

    @Test func consumersBlockedOnFollowersShareTheEntriesAddedThroughTheLeader() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let followers = nodes.filter { $0 !== leader }
        #expect(leader.command(["XGROUP", "CREATE", "jobs", "workers", "$", "MKSTREAM"]) == .simpleString("OK"))

        // A consumer blocks and goes away: its wait ends, and it is given nothing.
        do {
            let gone = try BlockingRESPConnection(port: followers[0].clientPort)
            try gone.sendOnly([["XREADGROUP", "GROUP", "workers", "gone", "BLOCK", "0", "STREAMS", "jobs", ">"]])
            #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 1 })
        }
        #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 0 })

        let first = try BlockingRESPConnection(port: followers[0].clientPort)
        let second = try BlockingRESPConnection(port: followers[1].clientPort)
        let reader = try BlockingRESPConnection(port: followers[1].clientPort)
        try first.sendOnly([["XREADGROUP", "GROUP", "workers", "c1", "BLOCK", "0", "STREAMS", "jobs", ">"]])
        #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 1 })
        try second.sendOnly([["XREADGROUP", "GROUP", "workers", "c2", "BLOCK", "0", "STREAMS", "jobs", ">"]])
        try reader.sendOnly([["XREAD", "BLOCK", "0", "STREAMS", "jobs", "$"]])
        #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 3 })

        func entry(_ id: String, _ job: String) -> RESPReply {
            .array([
                .array([
                    Self.bulk("jobs"), .array([.array([Self.bulk(id), .array([Self.bulk("job"), Self.bulk(job)])])]),
                ])
            ])
        }
        #expect(leader.command(["XADD", "jobs", "1", "job", "a"]) == Self.bulk("1-0"))
        #expect(try first.readNext() == entry("1-0", "a"))
        #expect(try reader.readNext() == entry("1-0", "a"))
        #expect(followers[0].command(["XADD", "jobs", "2", "job", "b"]) == Self.bulk("2-0"))
        #expect(try second.readNext() == entry("2-0", "b"))
        #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 0 })
        // Each consumer holds its entry pending; the gone consumer holds none.
        #expect(
            followers[1].command(["XPENDING", "jobs", "workers"])
                == .array([
                    .integer(2), Self.bulk("1-0"), Self.bulk("2-0"),
                    .array([.array([Self.bulk("c1"), Self.bulk("1")]), .array([Self.bulk("c2"), Self.bulk("1")])]),
                ])
        )
        // A timeout runs on the log's clock, with Redis's null reply.
        #expect(followers[0].command(["XREAD", "BLOCK", "200", "STREAMS", "jobs", "$"]) == .array(nil))
    }
}
