import SynodCore

/// Sends each request to the next candidate in id order, wrapping around.
///
/// The position is the last backend picked, not an index into the candidate list, so when
/// ejection removes or restores a backend mid-cycle no other backend is skipped or picked twice.
/// Load and latency are ignored, which is why it is the baseline the other policies beat.
public struct RoundRobinPolicy: LoadBalancingPolicy {
    public static let kind = BalancingPolicyKind.roundRobin

    /// The backend picked last; the next pick is the candidate with the next higher id.
    public private(set) var lastPicked: BackendID?

    public init() {}

    public mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID? {
        checkCandidates(candidates)
        var lowest: BackendID?
        var nextAfterLast: BackendID?
        for candidate in candidates {
            if lowest.map({ candidate < $0 }) ?? true { lowest = candidate }
            if let last = lastPicked, candidate > last, nextAfterLast.map({ candidate < $0 }) ?? true {
                nextAfterLast = candidate
            }
        }
        guard let chosen = nextAfterLast ?? lowest else { return nil }
        lastPicked = chosen
        return chosen
    }

    /// Round-robin ignores load.
    public mutating func requestStarted(on backend: BackendID) {}

    /// Round-robin ignores outcomes and latency.
    public mutating func requestFinished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    ) {}
}
