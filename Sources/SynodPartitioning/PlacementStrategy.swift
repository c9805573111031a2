import SynodCore

/// Why a placement change was refused.
public enum PlacementError: Error, Equatable, Sendable, CustomStringConvertible {
    case duplicateNode(NodeID)
    case unknownNode(NodeID)
    case invalidWeight(Int)
    case weightsUnsupported(algorithm: String)
    case tooManyNodes(limit: Int)

    public var description: String {
        switch self {
        case .duplicateNode(let node): "node \(node) is already placed"
        case .unknownNode(let node): "node \(node) is not placed"
        case .invalidWeight(let weight):
            "weight \(weight) is outside 1...\(PlacementLimits.weightMax)"
        case .weightsUnsupported(let algorithm): "\(algorithm) does not support weights other than 1"
        case .tooManyNodes(let limit): "at most \(limit) nodes can be placed"
        }
    }
}

/// Named limits of the placement strategies.
public enum PlacementLimits {
    /// The largest weight a node may have; a weight multiplies its share of keys.
    public static let weightMax = 1_000
    /// The most nodes one strategy places over.
    public static let nodeCountMax = 10_000
}

/// Maps 64-bit placement hashes (of keys or slots) to nodes.
///
/// Every strategy is deterministic: the same nodes, weights and hash give the same answer in
/// every process. Callers hash keys with `PlacementHash`.
public protocol PlacementStrategy: Sendable {
    /// A short stable name used in reports (`ring`, `jump`, `rendezvous`).
    static var algorithmName: String { get }

    /// The placed nodes, in ascending id order.
    var nodes: [NodeID] { get }

    /// Adds `node` with a relative `weight` (1 means an average share).
    mutating func addNode(_ node: NodeID, weight: Int) throws(PlacementError)

    /// Removes `node`; its keys move to the other nodes.
    mutating func removeNode(_ node: NodeID) throws(PlacementError)

    /// The node that owns `hash`, or nil when no node is placed.
    func owner(ofHash hash: UInt64) -> NodeID?

    /// Up to `count` distinct nodes for `hash`, the owner first.
    func replicas(ofHash hash: UInt64, count: Int) -> [NodeID]
}

extension PlacementStrategy {
    /// The owner of a key's bytes.
    public func owner(ofKey key: [UInt8]) -> NodeID? { owner(ofHash: PlacementHash.ofKey(key)) }

    /// The owner of a hash slot.
    public func owner(ofSlot slot: HashSlot) -> NodeID? { owner(ofHash: PlacementHash.ofSlot(slot)) }

    /// Up to `count` distinct replicas of a key, the owner first.
    public func replicas(ofKey key: [UInt8], count: Int) -> [NodeID] {
        replicas(ofHash: PlacementHash.ofKey(key), count: count)
    }

    /// Up to `count` distinct replicas of a hash slot, the owner first.
    public func replicas(ofSlot slot: HashSlot, count: Int) -> [NodeID] {
        replicas(ofHash: PlacementHash.ofSlot(slot), count: count)
    }
}

/// The hashes placement strategies consume: XXH64 (seed 0) of a key's bytes, or of a slot
/// number as 8 little-endian bytes.
public enum PlacementHash {
    public static func ofKey(_ key: [UInt8]) -> UInt64 { StableHash.xxh64(key) }
    public static func ofKey(_ key: String) -> UInt64 { StableHash.xxh64(key) }
    public static func ofSlot(_ slot: HashSlot) -> UInt64 { StableHash.xxh64(UInt64(slot.rawValue)) }
}
