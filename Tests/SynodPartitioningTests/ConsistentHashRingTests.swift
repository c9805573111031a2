import SynodCore
import SynodPartitioning
import Testing

struct ConsistentHashRingTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func tenNodesWith256VirtualNodesStayWithinTenPercentOfTheMean(seed: UInt64) throws {
        let keyCount = 200_000
        let ring = try makeStrategy(ConsistentHashRing(virtualNodesPerWeight: 256), nodes: nodeIDs(1...10))
        let loads = loadByNode(owners(of: ring, hashes: sampleHashes(count: keyCount, seed: seed)))
        let maxOverMean = Double(loads.values.max()!) / (Double(keyCount) / 10)
        #expect(maxOverMean <= 1.1, "max/mean load \(maxOverMean)")
    }

    @Test func weightsScaleTheShareOfKeys() throws {
        var ring = ConsistentHashRing(virtualNodesPerWeight: 128)
        try ring.addNode(NodeID(1), weight: 1)
        try ring.addNode(NodeID(2), weight: 3)
        #expect(ring.pointCount == 128 * 4)
        let loads = loadByNode(owners(of: ring, hashes: sampleHashes(count: 40_000, seed: 5)))
        let ratio = Double(loads[NodeID(2)]!) / Double(loads[NodeID(1)]!)
        #expect(ratio > 2.4 && ratio < 3.6, "weight-3 node got \(ratio)x the weight-1 node")
    }

    @Test func walkVisitsEveryNodeOnceStartingAtTheOwner() throws {
        let ring = try makeStrategy(ConsistentHashRing(virtualNodesPerWeight: 16), nodes: nodeIDs(1...7))
        for hash in sampleHashes(count: 200, seed: 6) {
            var visited: [NodeID] = []
            ring.walkDistinctNodes(clockwiseFrom: hash) {
                visited.append($0); return true
            }
            #expect(visited.count == 7)
            #expect(Set(visited).count == 7)
            #expect(visited.first == ring.owner(ofHash: hash))
        }
    }

    @Test func hashesPastTheLastPointWrapToTheFirst() throws {
        let ring = try makeStrategy(ConsistentHashRing(virtualNodesPerWeight: 4), nodes: nodeIDs(1...3))
        #expect(ring.owner(ofHash: UInt64.max) == ring.owner(ofHash: 0))
    }
}

struct BoundedLoadAssignerTests {
    @Test(arguments: [0.05, 0.25, 1.0])
    func noNodeEverExceedsItsCapacity(epsilon: Double) throws {
        let ring = try makeStrategy(ConsistentHashRing(virtualNodesPerWeight: 8), nodes: nodeIDs(1...7))
        var assigner = BoundedLoadAssigner(ring: ring, epsilon: epsilon)
        for hash in sampleHashes(count: 10_000, seed: 21) {
            let capacities = Dictionary(uniqueKeysWithValues: ring.nodes.map { ($0, assigner.capacity(of: $0)) })
            let node = assigner.assign(hash: hash)
            #expect(assigner.loads[node]! <= capacities[node]!)
        }
        let cap = Int(((1 + epsilon) * 10_000 / 7).rounded(.up))
        #expect(assigner.loads.values.max()! <= cap)
        #expect(assigner.loads.values.reduce(0, +) == 10_000)
    }

    @Test func keysStayOnTheirRingOwnerWhileThereIsRoom() throws {
        let ring = try makeStrategy(ConsistentHashRing(), nodes: nodeIDs(1...4))
        var assigner = BoundedLoadAssigner(ring: ring, epsilon: 10)
        for hash in sampleHashes(count: 100, seed: 22) {
            #expect(assigner.assign(hash: hash) == ring.owner(ofHash: hash))
        }
    }

    @Test func releaseFreesCapacity() throws {
        let ring = try makeStrategy(ConsistentHashRing(virtualNodesPerWeight: 8), nodes: nodeIDs(1...2))
        var assigner = BoundedLoadAssigner(ring: ring, epsilon: 0.5)
        let node = assigner.assign(hash: 1)
        assigner.release(from: node)
        #expect(assigner.assignedCount == 0)
        #expect(assigner.loads[node] == 0)
    }
}
