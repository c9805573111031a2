import RealModule
import SynodCore

/// Rendezvous (highest random weight) hashing, with Schindelhauer and Schomaker's weighted
/// score `-weight / ln(u)`, where `u` in (0, 1) comes from XXH64 of the key hash seeded by
/// the node id.
///
/// Every lookup scores every node (O(n)), in exchange for perfect minimal movement and
/// replica lists that need no ring.
public struct RendezvousHash: PlacementStrategy {
    public static let algorithmName = "rendezvous"

    /// Invariant: sorted by node id.
    private var members: [(node: NodeID, weight: Double)] = []

    public init() {}

    public var nodes: [NodeID] { members.map(\.node) }

    public mutating func addNode(_ node: NodeID, weight: Int = 1) throws(PlacementError) {
        guard (1...PlacementLimits.weightMax).contains(weight) else { throw .invalidWeight(weight) }
        guard !members.contains(where: { $0.node == node }) else { throw .duplicateNode(node) }
        guard members.count < PlacementLimits.nodeCountMax else {
            throw .tooManyNodes(limit: PlacementLimits.nodeCountMax)
        }
        let position = members.firstIndex { $0.node > node } ?? members.count
        members.insert((node, Double(weight)), at: position)
    }

    public mutating func removeNode(_ node: NodeID) throws(PlacementError) {
        guard let index = members.firstIndex(where: { $0.node == node }) else { throw .unknownNode(node) }
        members.remove(at: index)
    }

    public func owner(ofHash hash: UInt64) -> NodeID? {
        var best: (node: NodeID, score: Double)?
        for member in members {
            let score = Self.score(hash: hash, node: member.node, weight: member.weight)
            if let current = best, current.score >= score { continue }
            best = (member.node, score)
        }
        return best?.node
    }

    public func replicas(ofHash hash: UInt64, count: Int) -> [NodeID] {
        let scored = members.map { (node: $0.node, score: Self.score(hash: hash, node: $0.node, weight: $0.weight)) }
        let ranked = scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node }
        return ranked.prefix(max(0, count)).map(\.node)
    }

    static func score(hash: UInt64, node: NodeID, weight: Double) -> Double {
        let mixed = StableHash.xxh64(hash, seed: node.rawValue)
        // (mixed >> 11 + 0.5) / 2^53 lies strictly inside (0, 1), so the logarithm is negative.
        let unit = (Double(mixed >> 11) + 0.5) * 0x1.0p-53
        return -weight / Double.log(unit)
    }
}
