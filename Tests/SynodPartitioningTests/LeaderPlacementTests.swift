import SynodCore
import Testing

@testable import SynodPartitioning

struct LeaderPlacementTests {
    static func nodes(_ count: Int) -> Set<NodeID> { Set((1...count).map { NodeID(UInt64($0)) }) }

    static func loads(_ leaders: [NodeID]) -> [NodeID: Int] {
        leaders.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test(arguments: [(1, 1), (3, 3), (3, 5), (6, 3), (64, 3), (64, 7), (2, 5)])
    func noNodeLeadsMoreThanItsShareRoundedUp(shards: Int, nodeCount: Int) {
        let leaders = LeaderPlacement.preferredLeaders(shardCount: shards, nodes: Self.nodes(nodeCount))
        #expect(leaders.count == shards)
        #expect(Set(leaders).isSubset(of: Self.nodes(nodeCount)))
        let most = (shards + nodeCount - 1) / nodeCount
        #expect(Self.loads(leaders).values.allSatisfy { $0 <= most }, "\(Self.loads(leaders))")
        // As many nodes lead as there are shards to go around.
        #expect(Set(leaders).count == min(shards, nodeCount))
    }

    @Test func thePlacementDependsOnlyOnTheShardsAndTheNodes() {
        let first = LeaderPlacement.preferredLeaders(shardCount: 16, nodes: Self.nodes(5))
        #expect(LeaderPlacement.preferredLeaders(shardCount: 16, nodes: Self.nodes(5)) == first)
        #expect(LeaderPlacement.preferredLeaders(shardCount: 0, nodes: Self.nodes(5)).isEmpty)
        #expect(LeaderPlacement.preferredLeaders(shardCount: 3, nodes: []).isEmpty)
    }

    @Test func aNodeAddedTakesFewPreferencesFromTheOthers() {
        // 60 shards over 5 nodes, then 6: the new node takes its 10, and few others move (a
        // round-robin placement would move most of them).
        let before = LeaderPlacement.preferredLeaders(shardCount: 60, nodes: Self.nodes(5))
        let after = LeaderPlacement.preferredLeaders(shardCount: 60, nodes: Self.nodes(6))
        let moved = zip(before, after).filter { $0 != $1 }.count
        #expect(Self.loads(after)[NodeID(6)] == 10)
        #expect(moved < 30, "\(moved) of 60 preferences moved")
    }
}
