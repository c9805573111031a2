import NIOCore
import SynodConsensus
import SynodCore
import SynodPeerProtocol
import Testing

@testable import SynodNode

/// Which shards a node holds (`--replicas`), and who it believes leads the others.
struct ShardPlacementOnNodesTests {
    static func configuration(node: UInt64, nodes: Int, shards: Int, replicas: Int?) -> NodeConfiguration {
        let cluster = Dictionary(
            uniqueKeysWithValues: (1...nodes).map { (NodeID(UInt64($0)), HostPort(host: "127.0.0.1", port: 7000 + $0)) }
        )
        var configuration = NodeConfiguration(
            nodeID: NodeID(node),
            dataDirectory: "/tmp/unused",
            clientAddress: HostPort(host: "127.0.0.1", port: 1),
            peerAddress: HostPort(host: "127.0.0.1", port: 7000 + Int(node)),
            initialCluster: cluster
        )
        configuration.initialShards = shards
        configuration.replicas = replicas
        return configuration
    }

    @Test func oneShardIsHeldByEveryNodeAndSeveralByThreeUnlessTold() {
        #expect(Self.configuration(node: 1, nodes: 5, shards: 1, replicas: nil).replicaCount == 5)
        #expect(Self.configuration(node: 1, nodes: 5, shards: 8, replicas: nil).replicaCount == 3)
        #expect(Self.configuration(node: 1, nodes: 2, shards: 8, replicas: nil).replicaCount == 2)
        #expect(Self.configuration(node: 1, nodes: 5, shards: 8, replicas: 5).replicaCount == 5)
        // Every node of five holds its share of 8 shards of 3 replicas, and each shard 3 nodes.
        let held = (1...5).map {
            Self.configuration(node: UInt64($0), nodes: 5, shards: 8, replicas: nil).hostedShardGroups
        }
        #expect(held.allSatisfy { (4...6).contains($0.count) }, "\(held)")
        #expect(held.joined().count == 24)
    }

    @Test func replicasOutsideTheFoundingNodesOrLeavingANodeWithoutAShardAreRefused() {
        #expect(Self.configuration(node: 1, nodes: 3, shards: 4, replicas: 0).problem()?.contains("--replicas") == true)
        #expect(Self.configuration(node: 1, nodes: 3, shards: 4, replicas: 4).problem()?.contains("--replicas") == true)
        #expect(Self.configuration(node: 1, nodes: 3, shards: 4, replicas: 2).problem() == nil)
        // One shard of one replica on three nodes: two of them would hold nothing.
        let problems = (1...3).compactMap {
            Self.configuration(node: UInt64($0), nodes: 3, shards: 1, replicas: 1).problem()
        }
        #expect(problems.count == 2 && problems.allSatisfy { $0.contains("would hold none") }, "\(problems)")
    }

    @Test func theLeaderOfAShardIsTheClaimInTheHighestTermUntilItsClaimantWithdrawsIt() {
        var leaders = ShardLeaders()
        let group = GroupID(3)
        leaders.announced(by: NodeID(1), leading: [ShardLeadership(group: group, term: Term(4))])
        #expect(leaders.leader(of: group) == NodeID(1) && leaders.term(of: group) == Term(4))
        // A stale claim (an old leader's announcement, late) changes nothing.
        leaders.announced(by: NodeID(2), leading: [ShardLeadership(group: group, term: Term(3))])
        #expect(leaders.leader(of: group) == NodeID(1))
        // A newer term's leader replaces it; the old one's later announcement without it does
        // not withdraw the new leader's claim.
        leaders.announced(by: NodeID(2), leading: [ShardLeadership(group: group, term: Term(5))])
        leaders.announced(by: NodeID(1), leading: [])
        #expect(leaders.leader(of: group) == NodeID(2) && leaders.term(of: group) == Term(5))
        // Its claimant no longer names it: no leader is known.
        leaders.announced(by: NodeID(2), leading: [ShardLeadership(group: GroupID(1), term: Term(1))])
        #expect(leaders.leader(of: group) == nil && leaders.leader(of: GroupID(1)) == NodeID(2))
    }
}
