import SynodCore
import SynodPartitioning

/// Keeps requests with the same affinity key on the same backend, within a load bound.
///
/// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): a key's request
/// goes to the first candidate clockwise from the key's hash on a `ConsistentHashRing` whose
/// outstanding requests are below `ceil((1 + epsilon) * (total + 1) / candidateCount)`, where
/// `total` is the candidates' outstanding requests. Keys stay put (warm caches, sessions) while
/// their backend keeps up, and a hot key or a slow backend spills to the next backend on the
/// ring instead of queueing without bound. Adding a backend moves only the keys its ring points
/// take over. Requests without an affinity key go to the least-loaded candidate.
public struct ConsistentHashAffinityPolicy: LoadBalancingPolicy {
    public static let kind = BalancingPolicyKind.consistentHashAffinity

    /// The default epsilon: a backend may carry 25% more than its fair share.
    public static let defaultEpsilon = 0.25
    /// The largest epsilon accepted; beyond it the bound no longer limits anything.
    public static let epsilonMax = 10.0

    /// How far above its fair share a backend may be loaded; 0.25 allows 25%.
    public let epsilon: Double
    /// Backend `b` sits on the ring as node `b + 1`, because node id 0 is reserved.
    private let ring: ConsistentHashRing
    private var outstanding = OutstandingRequests()

    /// Places `backends` on a ring with `virtualNodesPerBackend` points each.
    public init(
        backends: [BackendID],
        epsilon: Double = Self.defaultEpsilon,
        virtualNodesPerBackend: Int = ConsistentHashRing.defaultVirtualNodesPerWeight
    ) {
        precondition(epsilon > 0 && epsilon <= Self.epsilonMax, "epsilon must be in (0, \(Self.epsilonMax)]")
        precondition(
            backends.count <= BalancingLimits.backendCountMax,
            "\(backends.count) backends, more than \(BalancingLimits.backendCountMax)"
        )
        precondition(Set(backends).count == backends.count, "backends must be distinct: \(backends)")
        var ring = ConsistentHashRing(virtualNodesPerWeight: virtualNodesPerBackend)
        for backend in backends {
            do {
                try ring.addNode(Self.node(of: backend), weight: 1)
            } catch {
                // Unreachable: the ids were checked distinct and their count within the ring's limits.
                preconditionFailure("placing \(backend) on the ring failed: \(error)")
            }
        }
        self.epsilon = epsilon
        self.ring = ring
    }

    /// The requests started on `backend` and not finished yet.
    public func outstanding(on backend: BackendID) -> Int { outstanding[backend] }

    /// The most outstanding requests a candidate may already have and still receive the next
    /// request: `ceil((1 + epsilon) * (total + 1) / candidateCount)`.
    public func loadBound(among candidates: [BackendID]) -> Int {
        precondition(!candidates.isEmpty, "a load bound needs candidates")
        let total = outstanding.total(of: candidates)
        return Int(((1 + epsilon) * Double(total + 1) / Double(candidates.count)).rounded(.up))
    }

    public mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID? {
        checkCandidates(candidates)
        guard !candidates.isEmpty else { return nil }
        guard let affinityKey else { return outstanding.leastLoaded(among: candidates, random: &random) }
        let bound = loadBound(among: candidates)
        let eligible = Set(candidates)
        precondition(eligible.count == candidates.count, "candidates must be distinct: \(candidates)")
        var chosen: BackendID?
        // Keys are hashed before placement so that sequential keys spread over the ring.
        ring.walkDistinctNodes(clockwiseFrom: StableHash.xxh64(affinityKey)) { node in
            let backend = Self.backend(of: node)
            guard eligible.contains(backend), outstanding[backend] < bound else { return true }
            chosen = backend
            return false
        }
        // The candidates' bounds sum to at least (1 + epsilon) * (total + 1) > total, so one of
        // them is below its bound, provided every candidate is on the ring.
        guard let chosen else { preconditionFailure("no candidate of \(candidates) is on the ring below its bound") }
        return chosen
    }

    public mutating func requestStarted(on backend: BackendID) {
        outstanding.start(on: backend)
    }

    public mutating func requestFinished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    ) {
        outstanding.finish(on: backend)
    }

    private static func node(of backend: BackendID) -> NodeID { NodeID(UInt64(backend.rawValue) + 1) }

    private static func backend(of node: NodeID) -> BackendID { BackendID(Int(node.rawValue - 1)) }
}
