import SynodCore

/// Weighted round-robin that interleaves picks smoothly: nginx's algorithm.
///
/// On each pick every candidate's current weight grows by its effective weight, the candidate
/// with the largest current weight wins (the lower id on a tie) and loses the round's total.
/// Weights 5, 1, 1 give `a a b a c a a` rather than `a a a a a b c`, and every run of
/// `sum(weights)` picks holds each backend exactly `weight` times. As in nginx, a failure
/// lowers a backend's effective weight by `weight / failuresToZeroWeight`, and the effective
/// weight recovers by one each round, so a failing backend is tried less until it recovers.
public struct SmoothWeightedRoundRobinPolicy: LoadBalancingPolicy {
    public static let kind = BalancingPolicyKind.weightedRoundRobin

    /// One backend's weights.
    private struct Peer: Sendable {
        let weight: Int
        /// Invariant: in `0...weight`.
        var effectiveWeight: Int
        var currentWeight: Int
    }

    /// How many failures in a row take a backend's effective weight to zero (nginx's `max_fails`).
    public let failuresToZeroWeight: Int
    private var peers: [BackendID: Peer]

    /// Balances over the backends in `weights`, each in `1...BalancingLimits.weightMax`.
    public init(weights: [BackendID: Int], failuresToZeroWeight: Int = 1) {
        precondition(
            weights.count <= BalancingLimits.backendCountMax,
            "\(weights.count) backends, more than \(BalancingLimits.backendCountMax)"
        )
        precondition(
            (1...BalancingLimits.weightMax).contains(failuresToZeroWeight),
            "failuresToZeroWeight must be in 1...\(BalancingLimits.weightMax)"
        )
        for (backend, weight) in weights {
            precondition(
                (1...BalancingLimits.weightMax).contains(weight),
                "weight \(weight) of \(backend) is outside 1...\(BalancingLimits.weightMax)"
            )
        }
        self.failuresToZeroWeight = failuresToZeroWeight
        self.peers = weights.mapValues { Peer(weight: $0, effectiveWeight: $0, currentWeight: 0) }
    }

    /// Balances over `backends`, all with weight 1.
    public init(equalWeightsFor backends: [BackendID]) {
        self.init(weights: Dictionary(uniqueKeysWithValues: backends.map { ($0, 1) }))
    }

    /// The configured weight of `backend`, or nil when it is not in the pool.
    public func weight(of backend: BackendID) -> Int? { peers[backend]?.weight }

    /// The weight `backend` currently competes with, lowered by recent failures.
    public func effectiveWeight(of backend: BackendID) -> Int? { peers[backend]?.effectiveWeight }

    public mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID? {
        checkCandidates(candidates)
        var chosen: BackendID?
        var chosenCurrentWeight = Int.min
        var totalWeight = 0
        for candidate in candidates {
            guard var peer = peers[candidate] else { preconditionFailure("\(candidate) has no weight") }
            peer.currentWeight += peer.effectiveWeight
            totalWeight += peer.effectiveWeight
            if peer.effectiveWeight < peer.weight { peer.effectiveWeight += 1 }
            peers[candidate] = peer
            let beatsChosen =
                peer.currentWeight > chosenCurrentWeight
                || (peer.currentWeight == chosenCurrentWeight && chosen.map { candidate < $0 } ?? true)
            if beatsChosen {
                chosen = candidate
                chosenCurrentWeight = peer.currentWeight
            }
        }
        guard let chosen else { return nil }
        peers[chosen]?.currentWeight -= totalWeight
        return chosen
    }

    /// Weighted round-robin ignores load.
    public mutating func requestStarted(on backend: BackendID) {}

    public mutating func requestFinished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    ) {
        guard !succeeded else { return }
        guard var peer = peers[backend] else { preconditionFailure("\(backend) has no weight") }
        peer.effectiveWeight = max(0, peer.effectiveWeight - peer.weight / failuresToZeroWeight)
        peers[backend] = peer
    }
}
