import SynodCore
import SynodPartitioning

/// A fixed set of placement hashes for property tests, drawn from a seeded generator.
func sampleHashes(count: Int, seed: UInt64) -> [UInt64] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.next() }
}

func nodeIDs(_ range: ClosedRange<UInt64>) -> [NodeID] { range.map { NodeID($0) } }

func makeStrategy<Strategy: PlacementStrategy>(
    _ empty: Strategy,
    nodes: [NodeID]
) throws -> Strategy {
    var strategy = empty
    for node in nodes { try strategy.addNode(node, weight: 1) }
    return strategy
}

func owners(of strategy: some PlacementStrategy, hashes: [UInt64]) -> [NodeID] {
    hashes.map { strategy.owner(ofHash: $0)! }
}

func loadByNode(_ owners: [NodeID]) -> [NodeID: Int] {
    owners.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// The placement strategies under test, each as a fresh empty value.
enum StrategyKind: String, CaseIterable, Sendable {
    case ring, jump, rendezvous

    func empty() -> any PlacementStrategy {
        switch self {
        case .ring: ConsistentHashRing()
        case .jump: JumpConsistentHash()
        case .rendezvous: RendezvousHash()
        }
    }
}
