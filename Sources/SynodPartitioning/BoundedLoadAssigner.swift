import SynodCore

/// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018).
///
/// Keys are assigned one at a time; each goes to the first node clockwise from its hash on a
/// `ConsistentHashRing` whose load is below its capacity,
/// `ceil((1 + epsilon) * (assigned + 1) * weight / totalWeight)`. No node ever holds more than
/// its capacity, at the price of assignments that depend on the order keys arrive in.
public struct BoundedLoadAssigner: Sendable {
    public let ring: ConsistentHashRing
    /// How far above its fair share a node may be loaded; 0.25 allows 25%.
    public let epsilon: Double

    /// Invariant: `loads[n] <= capacity(of: n)` at the time each key was assigned.
    public private(set) var loads: [NodeID: Int] = [:]
    public private(set) var assignedCount = 0
    private let totalWeight: Int

    public init(ring: ConsistentHashRing, epsilon: Double) {
        precondition(epsilon > 0 && epsilon <= 10, "epsilon must be in (0, 10]")
        precondition(!ring.nodes.isEmpty, "a bounded-load assigner needs at least one node")
        self.ring = ring
        self.epsilon = epsilon
        self.totalWeight = ring.nodes.reduce(0) { $0 + (ring.weight(of: $1) ?? 0) }
    }

    /// The most keys `node` may hold once one more key is assigned.
    public func capacity(of node: NodeID) -> Int {
        let weight = Double(ring.weight(of: node) ?? 0)
        let share = (1 + epsilon) * Double(assignedCount + 1) * weight / Double(totalWeight)
        return Int(share.rounded(.up))
    }

    /// Assigns a key with placement hash `hash` and returns its node.
    public mutating func assign(hash: UInt64) -> NodeID {
        var chosen: NodeID?
        ring.walkDistinctNodes(clockwiseFrom: hash) { node in
            if loads[node, default: 0] < capacity(of: node) {
                chosen = node
                return false
            }
            return true
        }
        // The capacities sum to at least (1 + epsilon) * (assigned + 1) > assigned, so some
        // node always has room.
        guard let node = chosen else { preconditionFailure("bounded-load capacities left no room") }
        loads[node, default: 0] += 1
        assignedCount += 1
        return node
    }

    /// Forgets one key previously assigned to `node`.
    public mutating func release(from node: NodeID) {
        let load = loads[node, default: 0]
        precondition(load > 0, "release from \(node), which holds no keys")
        loads[node] = load - 1
        assignedCount -= 1
    }
}
