import Foundation
import SynodTestSupport
import Testing

/// Publish/subscribe and keyspace notifications across a real 3-node cluster.
@Suite(.serialized)
struct PubSubProcessTests {
    static func bytes(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }

    @Test func messagesReachSubscribersOnEveryNodeAndKeyspaceEventsFollowTheLog() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let publisher = try BlockingRESPConnection(port: leader.clientPort)

        let configuring = try BlockingRESPConnection(port: follower.clientPort)
        #expect(try configuring.command(["CONFIG", "SET", "notify-keyspace-events", "KEA"]) == .simpleString("OK"))
        #expect(
            try configuring.command(["CONFIG", "GET", "notify-keyspace-events"])
                == .array([Self.bytes("notify-keyspace-events"), Self.bytes("AKE")])
        )
        #expect(
            try configuring.command(["CONFIG", "SET", "notify-keyspace-events", "Kq"])
                == .error(
                    "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
                )
        )

        let subscriber = try BlockingRESPConnection(port: follower.clientPort)
        #expect(
            try subscriber.command(["SUBSCRIBE", "news"])
                == .array([Self.bytes("subscribe"), Self.bytes("news"), .integer(1)])
        )
        #expect(
            try subscriber.command(["PSUBSCRIBE", "__keyspace@0__:user:*"])
                == .array([Self.bytes("psubscribe"), Self.bytes("__keyspace@0__:user:*"), .integer(2)])
        )
        guard case .error(let refusal) = try subscriber.command(["GET", "x"]) else {
            Issue.record("GET was served to a subscribed RESP2 connection")
            return
        }
        #expect(refusal.hasPrefix("ERR Can't execute 'get': only (P|S)SUBSCRIBE"))
        #expect(try subscriber.command(["PING"]) == .array([Self.bytes("pong"), Self.bytes("")]))
        // The subscription reached the hub once PUBSUB on that node counts it.
        #expect(
            await waitUntil {
                (try? configuring.command(["PUBSUB", "NUMSUB", "news"]))
                    == .array([Self.bytes("news"), .integer(1)])
            }
        )

        // Published on the leader, delivered on the follower (the leader has no subscriber).
        #expect(try publisher.command(["PUBLISH", "news", "hello"]) == .integer(0))
        #expect(try subscriber.readNext() == .array([Self.bytes("message"), Self.bytes("news"), Self.bytes("hello")]))

        // A write through the leader is applied on the follower, which notifies its subscriber.
        #expect(try publisher.command(["SET", "user:1", "ada"]) == .simpleString("OK"))
        #expect(try publisher.command(["SET", "other", "x"]) == .simpleString("OK"))
        #expect(try publisher.command(["DEL", "user:1"]) == .integer(1))
        let pattern = Self.bytes("__keyspace@0__:user:*")
        let channel = Self.bytes("__keyspace@0__:user:1")
        #expect(try subscriber.readNext() == .array([Self.bytes("pmessage"), pattern, channel, Self.bytes("set")]))
        #expect(try subscriber.readNext() == .array([Self.bytes("pmessage"), pattern, channel, Self.bytes("del")]))

        #expect(
            try subscriber.command(["UNSUBSCRIBE"])
                == .array([Self.bytes("unsubscribe"), Self.bytes("news"), .integer(1)])
        )
        #expect(
            try subscriber.command(["PUNSUBSCRIBE"])
                == .array([Self.bytes("punsubscribe"), Self.bytes("__keyspace@0__:user:*"), .integer(0)])
        )
        // Back to normal commands.
        #expect(try subscriber.command(["GET", "other"]) == Self.bytes("x"))
    }
}
