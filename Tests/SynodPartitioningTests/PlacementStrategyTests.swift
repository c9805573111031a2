import SynodCore
import SynodPartitioning
import Testing

/// Properties every placement strategy must have, checked on seeded samples.
struct PlacementStrategyTests {
    static let keyCount = 20_000

    @Test(arguments: StrategyKind.allCases, [3, 5, 10])
    func addingOneNodeMovesAboutItsShareAndOnlyOntoIt(kind: StrategyKind, nodeCount: Int) throws {
        let hashes = sampleHashes(count: Self.keyCount, seed: 11)
        let before = try makeStrategy(kind.empty(), nodes: nodeIDs(1...UInt64(nodeCount)))
        var after = before
        let newNode = NodeID(UInt64(nodeCount) + 1)
        try after.addNode(newNode, weight: 1)

        var moved = 0
        for hash in hashes where before.owner(ofHash: hash) != after.owner(ofHash: hash) {
            moved += 1
            #expect(after.owner(ofHash: hash) == newNode)
        }
        let optimal = Double(Self.keyCount) / Double(nodeCount + 1)
        // Within 25% of the optimum; the ring with 256 points per node is the loosest.
        #expect(abs(Double(moved) - optimal) < optimal * 0.25, "moved \(moved), optimal \(optimal)")
    }

    @Test(arguments: [StrategyKind.ring, .rendezvous], [3, 5, 10])
    func removingANodeMovesOnlyItsKeys(kind: StrategyKind, nodeCount: Int) throws {
        let hashes = sampleHashes(count: Self.keyCount, seed: 12)
        let before = try makeStrategy(kind.empty(), nodes: nodeIDs(1...UInt64(nodeCount)))
        var after = before
        let removed = NodeID(2)
        try after.removeNode(removed)
        for hash in hashes {
            let previous = before.owner(ofHash: hash)!
            let current = after.owner(ofHash: hash)!
            #expect(current != removed)
            if previous != removed { #expect(current == previous) }
        }
    }

    @Test func jumpHashRemovingTheLastNodeMovesOnlyItsKeys() throws {
        let hashes = sampleHashes(count: Self.keyCount, seed: 13)
        let before = try makeStrategy(JumpConsistentHash(), nodes: nodeIDs(1...8))
        var after = before
        try after.removeNode(NodeID(8))
        for hash in hashes where before.owner(ofHash: hash) != NodeID(8) {
            #expect(after.owner(ofHash: hash) == before.owner(ofHash: hash))
        }
    }

    @Test func jumpHashRemovingAMiddleNodeMovesAtMostTwoShares() throws {
        let hashes = sampleHashes(count: Self.keyCount, seed: 14)
        let before = try makeStrategy(JumpConsistentHash(), nodes: nodeIDs(1...8))
        var after = before
        try after.removeNode(NodeID(3))
        let moved = hashes.filter { before.owner(ofHash: $0) != after.owner(ofHash: $0) }.count
        for hash in hashes { #expect(after.owner(ofHash: hash) != NodeID(3)) }
        #expect(Double(moved) < 2.5 * Double(Self.keyCount) / 8)
    }

    @Test(arguments: StrategyKind.allCases)
    func resultsDoNotDependOnInsertionOrderOrRun(kind: StrategyKind) throws {
        // Jump hash numbers buckets by insertion order, so only the others are order-free.
        let hashes = sampleHashes(count: 2_000, seed: 15)
        let forward = try makeStrategy(kind.empty(), nodes: nodeIDs(1...6))
        let again = try makeStrategy(kind.empty(), nodes: nodeIDs(1...6))
        #expect(owners(of: forward, hashes: hashes) == owners(of: again, hashes: hashes))
        if kind != .jump {
            let backward = try makeStrategy(kind.empty(), nodes: nodeIDs(1...6).reversed())
            #expect(owners(of: forward, hashes: hashes) == owners(of: backward, hashes: hashes))
        }
    }

    @Test(arguments: StrategyKind.allCases, [1, 2, 3, 5, 9])
    func replicasAreDistinctAndStartWithTheOwner(kind: StrategyKind, count: Int) throws {
        let strategy = try makeStrategy(kind.empty(), nodes: nodeIDs(1...5))
        for hash in sampleHashes(count: 500, seed: 16) {
            let replicas = strategy.replicas(ofHash: hash, count: count)
            #expect(replicas.count == min(count, 5))
            #expect(Set(replicas).count == replicas.count)
            #expect(replicas.first == strategy.owner(ofHash: hash))
        }
    }

    @Test(arguments: StrategyKind.allCases)
    func emptyStrategiesOwnNothing(kind: StrategyKind) {
        let strategy = kind.empty()
        #expect(strategy.owner(ofHash: 42) == nil)
        #expect(strategy.replicas(ofHash: 42, count: 3).isEmpty)
    }

    @Test(arguments: StrategyKind.allCases)
    func invalidChangesAreRefusedWithTypedErrors(kind: StrategyKind) throws {
        var strategy = try makeStrategy(kind.empty(), nodes: nodeIDs(1...3))
        #expect(throws: PlacementError.duplicateNode(NodeID(1))) { try strategy.addNode(NodeID(1), weight: 1) }
        #expect(throws: PlacementError.unknownNode(NodeID(9))) { try strategy.removeNode(NodeID(9)) }
        let expected: PlacementError =
            kind == .jump ? .weightsUnsupported(algorithm: "jump") : .invalidWeight(0)
        #expect(throws: expected) { try strategy.addNode(NodeID(7), weight: 0) }
        #expect(strategy.nodes == nodeIDs(1...3))
    }

    @Test func slotAndKeyLookupsUseThePlacementHash() throws {
        let ring = try makeStrategy(ConsistentHashRing(), nodes: nodeIDs(1...4))
        #expect(ring.owner(ofKey: Array("user:1".utf8)) == ring.owner(ofHash: PlacementHash.ofKey("user:1")))
        #expect(ring.owner(ofSlot: HashSlot(77)) == ring.owner(ofHash: PlacementHash.ofSlot(HashSlot(77))))
    }
}
