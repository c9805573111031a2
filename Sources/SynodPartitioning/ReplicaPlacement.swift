import SynodCore

/// Which nodes hold a replica of each shard, when a shard's group has fewer members than the
/// cluster has nodes (`--replicas R`).
///
/// A shard's first member is its preferred leader (`LeaderPlacement`, so leaders spread). Each
/// of its other R - 1 members is the first node clockwise from `XXH64("shard-replica", s, r)`
/// on a `ConsistentHashRing` of the nodes, among those not yet members of the shard, whose
/// count of replicas is at most one above the lowest of theirs: replica counts stay within two
/// of each other, and a node added or removed changes the members of few shards (those whose walk it
/// now ends or no longer ends). The placement depends only on the shard count, the nodes and R,
/// so every node computes the same one.
public enum ReplicaPlacement {
    /// The members of each shard, in shard order, the preferred leader first; each shard gets
    /// `min(replicas, nodes.count)` distinct nodes. Empty without nodes or shards.
    public static func members(shardCount: Int, nodes: Set<NodeID>, replicas: Int) -> [[NodeID]] {
        precondition(replicas > 0, "a shard needs at least one replica")
        guard !nodes.isEmpty, shardCount > 0 else { return [] }
        let leaders = LeaderPlacement.preferredLeaders(shardCount: shardCount, nodes: nodes)
        let size = min(replicas, nodes.count)
        guard size < nodes.count else {
            // Every node holds every shard: the leader first, then the others in id order.
            let sorted = nodes.sorted()
            return leaders.map { leader in [leader] + sorted.filter { $0 != leader } }
        }
        var ring = ConsistentHashRing(virtualNodesPerWeight: 64)
        for node in nodes.sorted() {
            // A set has no duplicates and the weight is valid: the ring cannot refuse a node.
            try? ring.addNode(node)
        }
        var loads: [NodeID: Int] = [:]
        for leader in leaders { loads[leader, default: 0] += 1 }
        return leaders.enumerated().map { shard, leader in
            var members = [leader]
            for replica in 1..<size {
                let lowest = nodes.filter { !members.contains($0) }.map { loads[$0, default: 0] }.min()!
                var chosen: NodeID?
                ring.walkDistinctNodes(clockwiseFrom: hash(ofShard: shard, replica: replica)) { node in
                    guard !members.contains(node), loads[node, default: 0] <= lowest + 1 else { return true }
                    chosen = node
                    return false
                }
                // Some node outside the shard has the lowest count: the walk visits every node.
                members.append(chosen!)
                loads[chosen!, default: 0] += 1
            }
            return members
        }
    }

    /// The shards (by position) whose members include `node`.
    public static func shards(of node: NodeID, in members: [[NodeID]]) -> [Int] {
        members.indices.filter { members[$0].contains(node) }
    }

    static func hash(ofShard shard: Int, replica: Int) -> UInt64 {
        StableHash.xxh64(
            Array("shard-replica".utf8) + withUnsafeBytes(of: UInt64(shard).littleEndian, Array.init)
                + withUnsafeBytes(of: UInt64(replica).littleEndian, Array.init)
        )
    }
}
