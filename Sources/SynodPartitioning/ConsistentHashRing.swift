import SynodCore

/// A consistent hash ring with virtual nodes and weights (Karger et al.).
///
/// Each node owns `virtualNodesPerWeight * weight` points on a 64-bit ring; point `v` of
/// node `n` sits at `XXH64(n as 8 little-endian bytes, seed: v)`. A hash belongs to the first
/// point at or clockwise after it. Adding a node moves only the keys its new points take over;
/// removing one moves only its own keys.
public struct ConsistentHashRing: PlacementStrategy {
    public static let algorithmName = "ring"

    /// The default number of points per unit of weight.
    public static let defaultVirtualNodesPerWeight = 256

    public let virtualNodesPerWeight: Int

    /// Invariant: sorted ascending by (hash, node); `pointHashes.count == pointNodes.count`.
    private var pointHashes: [UInt64] = []
    private var pointNodes: [NodeID] = []
    private var weights: [NodeID: Int] = [:]

    public init(virtualNodesPerWeight: Int = ConsistentHashRing.defaultVirtualNodesPerWeight) {
        precondition((1...4096).contains(virtualNodesPerWeight), "virtual nodes per weight must be in 1...4096")
        self.virtualNodesPerWeight = virtualNodesPerWeight
    }

    public var nodes: [NodeID] { weights.keys.sorted() }

    /// The weight of `node`, or nil when it is not placed.
    public func weight(of node: NodeID) -> Int? { weights[node] }

    /// The total number of points on the ring.
    public var pointCount: Int { pointHashes.count }

    public mutating func addNode(_ node: NodeID, weight: Int = 1) throws(PlacementError) {
        guard (1...PlacementLimits.weightMax).contains(weight) else { throw .invalidWeight(weight) }
        guard weights[node] == nil else { throw .duplicateNode(node) }
        guard weights.count < PlacementLimits.nodeCountMax else {
            throw .tooManyNodes(limit: PlacementLimits.nodeCountMax)
        }
        weights[node] = weight
        var points = zip(pointHashes, pointNodes).map { (hash: $0, node: $1) }
        for index in 0..<(virtualNodesPerWeight * weight) {
            points.append((StableHash.xxh64(node.rawValue, seed: UInt64(index)), node))
        }
        points.sort { $0.hash != $1.hash ? $0.hash < $1.hash : $0.node < $1.node }
        pointHashes = points.map(\.hash)
        pointNodes = points.map(\.node)
    }

    public mutating func removeNode(_ node: NodeID) throws(PlacementError) {
        guard weights.removeValue(forKey: node) != nil else { throw .unknownNode(node) }
        var keptHashes: [UInt64] = []
        var keptNodes: [NodeID] = []
        keptHashes.reserveCapacity(pointHashes.count)
        keptNodes.reserveCapacity(pointNodes.count)
        for (hash, owner) in zip(pointHashes, pointNodes) where owner != node {
            keptHashes.append(hash)
            keptNodes.append(owner)
        }
        pointHashes = keptHashes
        pointNodes = keptNodes
    }

    public func owner(ofHash hash: UInt64) -> NodeID? {
        guard !pointHashes.isEmpty else { return nil }
        return pointNodes[firstPoint(atOrAfter: hash)]
    }

    public func replicas(ofHash hash: UInt64, count: Int) -> [NodeID] {
        var replicas: [NodeID] = []
        replicas.reserveCapacity(min(count, weights.count))
        walkDistinctNodes(clockwiseFrom: hash) { node in
            replicas.append(node)
            return replicas.count < count
        }
        return replicas
    }

    /// Visits each placed node once, in the clockwise order of their first point at or after
    /// `hash`, until `visit` returns false.
    public func walkDistinctNodes(clockwiseFrom hash: UInt64, _ visit: (NodeID) -> Bool) {
        guard !pointHashes.isEmpty else { return }
        let start = firstPoint(atOrAfter: hash)
        var visited = Set<NodeID>()
        visited.reserveCapacity(weights.count)
        for step in 0..<pointNodes.count {
            let node = pointNodes[(start + step) % pointNodes.count]
            guard visited.insert(node).inserted else { continue }
            if !visit(node) || visited.count == weights.count { return }
        }
    }

    /// The index of the first point whose hash is >= `hash`, wrapping to 0 past the end.
    private func firstPoint(atOrAfter hash: UInt64) -> Int {
        var low = 0
        var high = pointHashes.count
        while low < high {
            let middle = low + (high - low) / 2
            if pointHashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low == pointHashes.count ? 0 : low
    }
}
