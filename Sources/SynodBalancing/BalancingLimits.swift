/// Named limits of the balancing library.
///
/// Every count that grows with the caller's input has a ceiling, so that a leak (a request
/// picked but never finished, a pool that only grows) crashes early instead of degrading.
public enum BalancingLimits {
    /// The most backends one policy, detector or balancer works over.
    public static let backendCountMax = 1_024
    /// The most requests one backend may have outstanding at once.
    public static let outstandingRequestsPerBackendMax = 1_000_000
    /// The largest weight of one backend in weighted round-robin.
    public static let weightMax = 1_000
}

/// Checks the size of the candidate list every policy receives.
///
/// Distinctness is checked where it is cheap: `Balancer` checks its pool once, and the
/// consistent-hash policy checks the set it builds anyway.
func checkCandidates(_ candidates: [BackendID]) {
    precondition(
        candidates.count <= BalancingLimits.backendCountMax,
        "\(candidates.count) candidates, more than \(BalancingLimits.backendCountMax)"
    )
}
