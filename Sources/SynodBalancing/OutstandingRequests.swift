import SynodCore

/// Requests started but not yet finished, per backend: the load signal several policies share.
struct OutstandingRequests: Sendable {
    /// Invariant: every stored count is in `1...BalancingLimits.outstandingRequestsPerBackendMax`;
    /// backends with none are absent.
    private var counts: [BackendID: Int] = [:]

    subscript(backend: BackendID) -> Int { counts[backend, default: 0] }

    mutating func start(on backend: BackendID) {
        let count = counts[backend, default: 0] + 1
        precondition(
            count <= BalancingLimits.outstandingRequestsPerBackendMax,
            "\(backend) has more than \(BalancingLimits.outstandingRequestsPerBackendMax) outstanding requests"
        )
        counts[backend] = count
    }

    mutating func finish(on backend: BackendID) {
        let count = counts[backend, default: 0]
        precondition(count > 0, "a request finished on \(backend), which has none outstanding")
        counts[backend] = count == 1 ? nil : count - 1
    }

    /// The sum of the outstanding requests of `candidates`.
    func total(of candidates: [BackendID]) -> Int {
        candidates.reduce(0) { $0 + self[$1] }
    }

    /// A candidate with the fewest outstanding requests; ties are broken uniformly by `random`.
    func leastLoaded(among candidates: [BackendID], random: inout SeededGenerator) -> BackendID? {
        var chosen: BackendID?
        var chosenLoad = Int.max
        var tiedCount = 0
        for candidate in candidates {
            let load = self[candidate]
            if load < chosenLoad {
                chosen = candidate
                chosenLoad = load
                tiedCount = 1
            } else if load == chosenLoad {
                // Reservoir sampling: the k-th tied candidate replaces the choice with
                // probability 1/k, so each of them ends up chosen with the same probability.
                tiedCount += 1
                if random.nextIndex(below: tiedCount) == 0 { chosen = candidate }
            }
        }
        return chosen
    }
}
