import SynodCore

/// Jump consistent hash (Lamping and Veach, 2014) over an ordered list of nodes.
///
/// Jump hash maps a hash to one of `n` numbered buckets with no memory beyond `n`, and moves
/// only `1/(n+1)` of keys when a bucket is appended. Its limits are the reason it is an
/// alternative rather than the default: buckets can only be appended or removed at the end,
/// so removing a node from the middle moves the last node into its bucket (about twice the
/// optimal movement), and it has no weights.
public struct JumpConsistentHash: PlacementStrategy {
    public static let algorithmName = "jump"

    /// Bucket `i` belongs to `buckets[i]`.
    private var buckets: [NodeID] = []

    public init() {}

    public var nodes: [NodeID] { buckets.sorted() }

    public mutating func addNode(_ node: NodeID, weight: Int = 1) throws(PlacementError) {
        guard weight == 1 else { throw .weightsUnsupported(algorithm: Self.algorithmName) }
        guard !buckets.contains(node) else { throw .duplicateNode(node) }
        guard buckets.count < PlacementLimits.nodeCountMax else {
            throw .tooManyNodes(limit: PlacementLimits.nodeCountMax)
        }
        buckets.append(node)
    }

    /// Removes `node`; the last bucket's node takes over its bucket number.
    public mutating func removeNode(_ node: NodeID) throws(PlacementError) {
        guard let index = buckets.firstIndex(of: node) else { throw .unknownNode(node) }
        let last = buckets.removeLast()
        if index < buckets.count { buckets[index] = last }
    }

    public func owner(ofHash hash: UInt64) -> NodeID? {
        guard !buckets.isEmpty else { return nil }
        return buckets[Self.bucket(ofHash: hash, bucketCount: buckets.count)]
    }

    /// The owner's bucket and the buckets after it, wrapping, as distinct replicas.
    public func replicas(ofHash hash: UInt64, count: Int) -> [NodeID] {
        guard !buckets.isEmpty else { return [] }
        let first = Self.bucket(ofHash: hash, bucketCount: buckets.count)
        return (0..<min(count, buckets.count)).map { buckets[(first + $0) % buckets.count] }
    }

    /// The published algorithm: a linear congruential walk whose jumps grow geometrically.
    public static func bucket(ofHash hash: UInt64, bucketCount: Int) -> Int {
        precondition(bucketCount > 0, "bucket count must be positive")
        var key = hash
        var bucket: Int64 = -1
        var next: Int64 = 0
        while next < Int64(bucketCount) {
            bucket = next
            key = key &* 2_862_933_555_777_941_757 &+ 1
            next = Int64(Double(bucket + 1) * (Double(1 << 31) / Double((key >> 33) + 1)))
        }
        return Int(bucket)
    }
}
