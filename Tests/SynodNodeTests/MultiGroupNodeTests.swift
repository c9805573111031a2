import NIOCore
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodTestSupport
import Testing

@testable import SynodNode

/// A node runs one group runtime per consensus group, keyed by group, over one shared log:
/// each group elects, commits and applies on its own, and their Readys share the log's syncs.
struct MultiGroupNodeTests {
    static let key = Array("k".utf8)
    static let second = GroupID(2)

    static func set(_ value: String) -> KeyValueCommand {
        .set(key: key, value: Array(value.utf8), condition: .always, expiry: .none, returnPrevious: false)
    }

    @Test func twoGroupsOnOneLogEachCommitTheirOwnWritesAndKeepTheirStatesApart() async throws {
        let cluster = try InProcessCluster(nodes: 3, groups: [NodeDriver.keyspaceGroup, Self.second])
        defer { try? cluster.shutdown() }
        let first = try #require(await cluster.awaitLeader(), "the keyspace group elected no leader")
        let second = try #require(await cluster.awaitLeader(group: Self.second), "group 2 elected no leader")
        // Group 2's write goes through a node that does not lead it: forwarded within group 2.
        let follower = NodeID(second.rawValue % 3 + 1)
        #expect(try await cluster.write(Self.set("one"), to: first).get() == .ok)
        #expect(try await cluster.write(Self.set("two"), to: follower, group: Self.second).get() == .ok)

        for node in (1...3).map({ NodeID(UInt64($0)) }) {
            #expect(try await cluster.read(.get(key: Self.key), at: node).get() == .value(Array("one".utf8)))
            #expect(
                try await cluster.read(.get(key: Self.key), at: node, group: Self.second).get()
                    == .value(Array("two".utf8))
            )
        }
        // Both groups' entries are in each node's one log (an entry that cannot be read or
        // decoded leaves its value out, which the expectation below reports).
        let logged = try cluster.onLoop { drivers in
            drivers.values.map { driver in
                driver.groups.map { group -> [UInt8] in
                    let last = driver.runtimes[group].replica.lastIndex
                    let entries = (try? driver.storage.entries(of: group, in: LogIndex(1)...last)) ?? []
                    return entries.compactMap { entry -> [UInt8]? in
                        guard case .command(let bytes) = entry.payload,
                            let decoded = try? KeyValueEntry(decoding: bytes),
                            case .set(_, let value, _, _, _) = decoded.command
                        else { return nil }
                        return value
                    }.last ?? []
                }
            }
        }
        #expect(logged.count == 3)
        for values in logged { #expect(values == [Array("one".utf8), Array("two".utf8)]) }
    }

    @Test func aRequestForAGroupTheNodeDoesNotHostIsRefused() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let leader = try #require(await cluster.awaitLeader(), "no leader was elected")
        let answer = try cluster.onLoop { drivers -> KeyValueResult? in
            let driver = drivers[leader]!
            let promise = driver.loop.makePromise(of: KeyValueResult.self)
            driver.write(Self.set("x"), promise: promise, group: Self.second)
            var result: KeyValueResult?
            promise.futureResult.whenSuccess { result = $0 }
            return result
        }
        #expect(answer == .error(KeyValueError(.unavailable, "ERR no group 2 here")))
    }
}
