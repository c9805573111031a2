import NIOCore
import SynodCore
import SynodKeyValue
import SynodTestSupport
import Testing

@testable import SynodNode

/// Requests for a shard a node does not hold, relayed to one that does (`NodeDriver+Relay`),
/// when the relayed frames are lost on the way: a broken peer connection loses what it had
/// queued, and the relaying node must not wait for an answer that will never come.
struct RelayTests {
    /// Three nodes, three shards of two replicas each: every node lacks one shard.
    static func cluster() throws -> InProcessCluster {
        try InProcessCluster(nodes: 3, groups: nil) { configuration in
            configuration.initialShards = 3
            configuration.replicas = 2
        }
    }

    static let key = Array("k".utf8)

    /// A node and a shard's group it does not hold, once every shard has a leader every node
    /// knows of (from the leaders' announcements).
    static func outsider(of cluster: InProcessCluster) async throws -> (NodeID, GroupID)? {
        var found: (NodeID, GroupID)?
        _ = try await waitUntil(timeout: .seconds(60)) {
            found = try cluster.onLoop { drivers -> (NodeID, GroupID)? in
                for (id, driver) in drivers.sorted(by: { $0.key < $1.key }) {
                    for shard in 0..<3 {
                        let group = NodeConfiguration.group(ofShard: shard)
                        if !driver.runtimes.hosts(group), driver.leader(of: group) != nil { return (id, group) }
                    }
                }
                return nil
            }
            return found != nil
        }
        return found
    }

    /// `command` through `node`'s driver to `group`, from client connection `origin`.
    static func write(
        _ command: KeyValueCommand,
        in cluster: InProcessCluster,
        at node: NodeID,
        group: GroupID
    ) throws -> EventLoopFuture<KeyValueResult> {
        try cluster.onLoop { drivers in
            let driver = drivers[node]!
            let promise = driver.loop.makePromise(of: KeyValueResult.self)
            driver.write(command, promise: promise, origin: node.rawValue << 32 | 1, group: group)
            return promise.futureResult
        }
    }

    static func set(_ value: String) -> KeyValueCommand {
        .set(key: key, value: Array(value.utf8), condition: .always, expiry: .none, returnPrevious: false)
    }

    @Test func aRelayedRequestLostOnTheWayIsAnsweredAsNotHeldAndOneWhoseResultIsLostAsUncertain() async throws {
        let cluster = try Self.cluster()
        defer { try? cluster.shutdown() }
        let (node, group) = try #require(try await Self.outsider(of: cluster), "no shard leaders were announced")
        #expect(try await Self.write(Self.set("first"), in: cluster, at: node, group: group).get() == .ok)

        // The request never arrives: asked about it, the node that was to serve it says it does
        // not hold it, and the write is answered UNCERTAIN (the relaying node cannot know).
        cluster.loseRelayed(from: [node])
        let lost = try await Self.write(Self.set("lost"), in: cluster, at: node, group: group).get()
        #expect(lost.isUncertain, "\(lost)")
        cluster.loseRelayed(from: [])
        let read = try await cluster.read(.get(key: Self.key), at: node, group: group).get()
        #expect(read == .value(Array("first".utf8)))

        // The write is applied but its result lost: UNCERTAIN too, and the write is there.
        cluster.loseRelayed(from: [NodeID(1), NodeID(2), NodeID(3)], results: true)
        let unanswered = try await Self.write(Self.set("applied"), in: cluster, at: node, group: group).get()
        #expect(unanswered.isUncertain, "\(unanswered)")
        cluster.loseRelayed(from: [], results: true)
        #expect(
            try await cluster.read(.get(key: Self.key), at: node, group: group).get() == .value(Array("applied".utf8))
        )
    }
}

extension KeyValueResult {
    var isUncertain: Bool {
        if case .error(let error) = self { return error.message.hasPrefix("UNCERTAIN") }
        return false
    }
}
