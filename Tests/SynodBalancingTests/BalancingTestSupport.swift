import SynodBalancing
import SynodCore

/// Backends `b0 ... b(count-1)`.
func backendIDs(_ count: Int) -> [BackendID] { (0..<count).map { BackendID($0) } }

/// A fresh policy of `kind` over `backends`, with defaults (equal weights).
func makePolicy(_ kind: BalancingPolicyKind, backends: [BackendID]) -> any LoadBalancingPolicy {
    switch kind {
    case .roundRobin: RoundRobinPolicy()
    case .weightedRoundRobin: SmoothWeightedRoundRobinPolicy(equalWeightsFor: backends)
    case .leastOutstanding: LeastOutstandingPolicy()
    case .peakEWMA: PeakEWMAPolicy()
    case .consistentHashAffinity: ConsistentHashAffinityPolicy(backends: backends)
    }
}

/// A Fisher-Yates shuffle driven by the seeded generator's Swift-version-stable helpers.
func shuffled(_ backends: [BackendID], random: inout SeededGenerator) -> [BackendID] {
    var result = backends
    for index in stride(from: result.count - 1, to: 0, by: -1) {
        result.swapAt(index, random.nextIndex(below: index + 1))
    }
    return result
}

extension LoadBalancingPolicy {
    /// Picks from a non-empty candidate list; a nil answer is a bug in the policy.
    mutating func pickOne(
        from candidates: [BackendID],
        affinityKey: UInt64? = nil,
        nowMicroseconds: UInt64 = 0,
        random: inout SeededGenerator
    ) -> BackendID {
        guard
            let chosen = pick(
                from: candidates,
                affinityKey: affinityKey,
                nowMicroseconds: nowMicroseconds,
                random: &random
            )
        else { preconditionFailure("\(Self.kind) picked nothing from \(candidates)") }
        return chosen
    }

    /// Picks and immediately finishes one request, as a lightly loaded pool would.
    mutating func pickAndFinish(
        from candidates: [BackendID],
        affinityKey: UInt64? = nil,
        random: inout SeededGenerator
    ) -> BackendID {
        let chosen = pickOne(from: candidates, affinityKey: affinityKey, random: &random)
        requestStarted(on: chosen)
        requestFinished(on: chosen, latencyMicroseconds: 1_000, succeeded: true, nowMicroseconds: 0)
        return chosen
    }
}
