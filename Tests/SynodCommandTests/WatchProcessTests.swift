import Foundation
import SynodTestSupport
import Testing

/// Watches and the service registry on a real 3-node cluster: changes written through the
/// leader stream from a follower, a watch resumes without gap or duplicate, and history that
/// is gone is an error.
@Suite(.serialized)
struct WatchProcessTests {
    static func bytes(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }

    /// The revision and changes of a watch push.
    static func changes(_ reply: RESPReply) -> (revision: Int64, changes: [RESPReply])? {
        let elements: [RESPReply]
        switch reply {
        case .push(let items), .array(let items?): elements = items
        default: return nil
        }
        guard elements.count == 3, elements[0] == bytes("watch"), case .integer(let revision) = elements[1],
            case .array(let changes?) = elements[2]
        else { return nil }
        return (revision, changes)
    }

    @Test func aWatchOnAFollowerStreamsEveryChangeAndResumesWithoutGapOrDuplicate() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3, extraArguments: ["--watch-history", "4"])
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let writer = try BlockingRESPConnection(port: leader.clientPort)

        let watcher = try BlockingRESPConnection(port: follower.clientPort)
        guard case .array(let started?) = try watcher.command(["WATCH.PREFIX", "app/"]), started.count == 3,
            case .integer(let first) = started[2]
        else {
            Issue.record("no watch confirmation")
            return
        }
        #expect(started[0] == Self.bytes("watching"))
        // In RESP2 a watching connection takes only watch commands, PING and QUIT.
        guard case .error(let refusal) = try watcher.command(["GET", "app/a"]) else {
            Issue.record("GET was served while watching")
            return
        }
        #expect(refusal.contains("only WATCH"))

        #expect(try writer.command(["SET", "app/a", "1"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "other", "x"]) == .simpleString("OK"))
        #expect(try writer.command(["MSET", "app/b", "2", "app/c", "3"]) == .simpleString("OK"))
        #expect(try writer.command(["DEL", "app/a"]) == .integer(1))
        let first1 = try #require(Self.changes(try watcher.readNext()))
        let second = try #require(Self.changes(try watcher.readNext()))
        let third = try #require(Self.changes(try watcher.readNext()))
        #expect(first1.revision >= first)
        #expect(first1.changes == [.array([Self.bytes("set"), Self.bytes("app/a"), Self.bytes("1")])])
        // One push per revision: MSET's two keys come together.
        #expect(
            second.changes == [
                .array([Self.bytes("set"), Self.bytes("app/b"), Self.bytes("2")]),
                .array([Self.bytes("set"), Self.bytes("app/c"), Self.bytes("3")]),
            ]
        )
        #expect(third.changes == [.array([Self.bytes("del"), Self.bytes("app/a"), .bulkString(nil)])])
        #expect(first1.revision < second.revision && second.revision < third.revision)

        // The client goes away; a write happens; it resumes after the last revision it saw.
        #expect(try watcher.command(["WATCH.CANCEL"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "app/d", "4"]) == .simpleString("OK"))
        let resumed = try BlockingRESPConnection(port: follower.clientPort)
        guard case .array = try resumed.command(["WATCH.PREFIX", "app/", "FROM", "\(third.revision + 1)"]) else {
            Issue.record("the watch did not resume")
            return
        }
        let next = try #require(Self.changes(try resumed.readNext()))
        #expect(next.revision > third.revision)
        #expect(next.changes == [.array([Self.bytes("set"), Self.bytes("app/d"), Self.bytes("4")])])

        // History beyond the four changes kept is compacted: a clear error, not a gap.
        for key in ["e", "f", "g", "h"] {
            #expect(try writer.command(["SET", "app/\(key)", key]) == .simpleString("OK"))
        }
        let late = try BlockingRESPConnection(port: follower.clientPort)
        guard case .error(let compacted) = try late.command(["WATCH.PREFIX", "app/", "FROM", "\(first)"]) else {
            Issue.record("an old revision was served")
            return
        }
        #expect(compacted.hasPrefix("COMPACTED revision \(first) is compacted"), "\(compacted)")
    }

    @Test func instancesRegisterUnderLeasesAndLeaveWhenTheirLeaseEnds() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let client = try BlockingRESPConnection(port: follower.clientPort)
        guard case .integer(let kept) = try client.command(["LEASE.GRANT", "5000"]),
            case .integer(let dying) = try client.command(["LEASE.GRANT", "300"])
        else {
            Issue.record("no leases")
            return
        }
        #expect(
            try client.command(["SERVICE.REGISTER", "api", "i1", "10.0.0.1:80", "LEASE", "\(kept)", "META", "zone=a"])
                == .simpleString("OK")
        )
        #expect(
            try client.command(["SERVICE.REGISTER", "api", "i2", "10.0.0.2:80", "LEASE", "\(dying)"])
                == .simpleString("OK")
        )
        #expect(
            try client.command(["SERVICE.REGISTER", "api", "bad/name", "x", "LEASE", "\(kept)"])
                == .error("ERR service and instance names are 1 to 256 bytes without '/'")
        )
        let both = try client.command(["SERVICE.LIST", "api"])
        #expect(
            both
                == .array([
                    .array([Self.bytes("i1"), Self.bytes("10.0.0.1:80"), Self.bytes("zone=a")]),
                    .array([Self.bytes("i2"), Self.bytes("10.0.0.2:80"), Self.bytes("")]),
                ])
        )
        let watcher = try BlockingRESPConnection(port: follower.clientPort)
        guard case .array = try watcher.command(["SERVICE.WATCH", "api"]) else {
            Issue.record("no service watch")
            return
        }
        // i2's lease is not kept alive: it expires, and i2 leaves the list and the watch says so.
        let left = try #require(Self.changes(try watcher.readNext()))
        #expect(left.changes == [.array([Self.bytes("expired"), Self.bytes("__service/api/i2"), .bulkString(nil)])])
        #expect(try client.command(["LEASE.KEEPALIVE", "\(kept)"]) == .integer(5000))
        #expect(
            try client.command(["SERVICE.LIST", "api"])
                == .array([.array([Self.bytes("i1"), Self.bytes("10.0.0.1:80"), Self.bytes("zone=a")])])
        )
        #expect(try client.command(["SERVICE.DEREGISTER", "api", "i1"]) == .integer(1))
        #expect(try client.command(["SERVICE.LIST", "api"]) == .array([]))
    }
}
