import SynodCore
import Testing

@testable import SynodPartitioning

struct ReplicaPlacementTests {
    static func nodes(_ count: Int) -> Set<NodeID> { Set((1...count).map { NodeID(UInt64($0)) }) }

    static func replicaCounts(_ members: [[NodeID]]) -> [NodeID: Int] {
        members.joined().reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test(arguments: [(1, 3, 3), (3, 3, 2), (4, 4, 3), (8, 5, 3), (64, 7, 3), (1024, 9, 3), (6, 6, 1), (5, 3, 5)])
    func eachShardGetsDistinctMembersAndEveryNodeItsShare(shards: Int, nodeCount: Int, replicas: Int) {
        let members = ReplicaPlacement.members(shardCount: shards, nodes: Self.nodes(nodeCount), replicas: replicas)
        let size = min(replicas, nodeCount)
        #expect(members.count == shards)
        #expect(members.allSatisfy { Set($0).count == size && $0.count == size })
        #expect(Set(members.joined()).isSubset(of: Self.nodes(nodeCount)))
        // The first member is the preferred leader.
        #expect(
            members.map(\.first!) == LeaderPlacement.preferredLeaders(shardCount: shards, nodes: Self.nodes(nodeCount))
        )
        // Replica counts stay close to the fair share: within two of each other.
        let counts = Self.replicaCounts(members)
        if shards * size >= nodeCount {
            #expect(counts.count == nodeCount, "a node holds no replica: \(counts)")
            #expect(counts.values.max()! - counts.values.min()! <= 2, "\(counts)")
        }
    }

    @Test func everyNodeHoldsEveryShardWhenTheReplicasAreAsManyAsTheNodes() {
        let members = ReplicaPlacement.members(shardCount: 4, nodes: Self.nodes(3), replicas: 3)
        #expect(members.allSatisfy { Set($0) == Self.nodes(3) })
        #expect(ReplicaPlacement.shards(of: NodeID(2), in: members) == [0, 1, 2, 3])
    }

    @Test func thePlacementDependsOnlyOnTheShardsTheNodesAndTheReplicas() {
        let first = ReplicaPlacement.members(shardCount: 16, nodes: Self.nodes(5), replicas: 3)
        #expect(ReplicaPlacement.members(shardCount: 16, nodes: Self.nodes(5), replicas: 3) == first)
        #expect(ReplicaPlacement.members(shardCount: 16, nodes: Self.nodes(5), replicas: 2) != first)
        #expect(ReplicaPlacement.members(shardCount: 0, nodes: Self.nodes(5), replicas: 3).isEmpty)
        #expect(ReplicaPlacement.members(shardCount: 3, nodes: [], replicas: 3).isEmpty)
        #expect(ReplicaPlacement.shards(of: NodeID(9), in: first).isEmpty)
    }

    @Test func aNodeAddedChangesTheMembersOfFewShards() {
        // 60 shards of 3 replicas over 5 nodes, then 6: the new node takes about its share of
        // 30 replicas; a placement by shard number modulo the nodes would change most shards.
        let before = ReplicaPlacement.members(shardCount: 60, nodes: Self.nodes(5), replicas: 3)
        let after = ReplicaPlacement.members(shardCount: 60, nodes: Self.nodes(6), replicas: 3)
        let changed = zip(before, after).filter { Set($0) != Set($1) }.count
        #expect((28...32).contains(Self.replicaCounts(after)[NodeID(6)]!))
        #expect(changed < 45, "\(changed) of 60 shards changed members")
    }
}
