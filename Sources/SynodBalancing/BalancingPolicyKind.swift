/// The load-balancing policies this library implements, by their stable report names.
///
/// An enum so that code choosing a policy by name (a command-line flag, a report) switches over
/// every kind, and a new policy is a compile error until each such place handles it.
public enum BalancingPolicyKind: String, CaseIterable, Sendable {
    /// `RoundRobinPolicy`.
    case roundRobin = "round-robin"
    /// `SmoothWeightedRoundRobinPolicy`.
    case weightedRoundRobin = "weighted-round-robin"
    /// `LeastOutstandingPolicy`.
    case leastOutstanding = "least-outstanding"
    /// `PeakEWMAPolicy`: power of two choices over a peak EWMA of latency.
    case peakEWMA = "p2c-ewma"
    /// `ConsistentHashAffinityPolicy`: consistent hashing with bounded load.
    case consistentHashAffinity = "consistent-hash"
}
