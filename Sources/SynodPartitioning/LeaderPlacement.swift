import SynodCore

/// Which node should lead each shard, so that the leaders (and the writes they take) spread
/// over the nodes: consistent hashing with bounded loads, the bound the fair share rounded up.
///
/// Shard `s` goes to the first node clockwise from `XXH64("shard-leader", s)` on a
/// `ConsistentHashRing` of the nodes that leads fewer than `ceil(shards / nodes)` shards so far.
/// No node leads more than that, and a node added or removed moves few preferences: the
/// shards it took or held, and those whose walk passed it because it was full.
public enum LeaderPlacement {
    /// The preferred leader of each shard, in shard order; empty without nodes.
    public static func preferredLeaders(shardCount: Int, nodes: Set<NodeID>) -> [NodeID] {
        guard !nodes.isEmpty, shardCount > 0 else { return [] }
        var ring = ConsistentHashRing(virtualNodesPerWeight: 64)
        for node in nodes.sorted() {
            // A set has no duplicates and the weight is valid: the ring cannot refuse a node.
            try? ring.addNode(node)
        }
        let capacity = (shardCount + nodes.count - 1) / nodes.count
        var loads: [NodeID: Int] = [:]
        return (0..<shardCount).map { shard in
            var chosen = nodes.min()!
            ring.walkDistinctNodes(clockwiseFrom: hash(ofShard: shard)) { node in
                guard loads[node, default: 0] < capacity else { return true }
                chosen = node
                return false
            }
            loads[chosen, default: 0] += 1
            return chosen
        }
    }

    static func hash(ofShard shard: Int) -> UInt64 {
        StableHash.xxh64(Array("shard-leader".utf8) + withUnsafeBytes(of: UInt64(shard).littleEndian, Array.init))
    }
}
