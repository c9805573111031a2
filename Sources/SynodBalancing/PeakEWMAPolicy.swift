import RealModule
import SynodCore

/// Power of two choices over a peak-sensitive latency EWMA: Finagle's and Linkerd's "peak EWMA".
///
/// Each pick draws two distinct candidates and takes the one with the lower cost,
/// `estimated latency × (outstanding + 1)`, so both a slow backend and a busy one are avoided.
/// The estimate averages over time rather than over samples: a sample arriving `Δt` after the
/// last one has weight `1 - e^(-Δt/τ)`, and between samples the estimate decays toward zero the
/// same way, so a backend that was slow long ago gets tried again. A sample above the current
/// estimate replaces it at once (the peak): a backend that slows down is avoided immediately
/// and forgiven gradually. Two random choices rather than the global minimum keep balancers
/// that share one view of the pool from all herding onto the same backend. Failures count like
/// successes, so a backend that fails fast looks fast: pair this policy with an `OutlierDetector`.
public struct PeakEWMAPolicy: LoadBalancingPolicy {
    public static let kind = BalancingPolicyKind.peakEWMA

    /// The EWMA's time constant and the estimate of backends not yet measured.
    public struct Configuration: Equatable, Sendable {
        /// The longest time constant accepted: one hour.
        public static let decayTimeMicrosecondsMax: UInt64 = 3_600_000_000
        /// The largest initial estimate accepted: one hour.
        public static let initialLatencyMicrosecondsMax: UInt64 = 3_600_000_000

        /// The time constant τ: a sample's weight falls to 1/e after this long (default 10 s,
        /// as in Finagle and Linkerd).
        public let decayTimeMicroseconds: UInt64
        /// The estimate of a backend that has not finished a request yet (default 1 ms).
        /// Below the pool's real latency, new backends are tried eagerly; the first sample
        /// replaces it.
        public let initialLatencyMicroseconds: UInt64

        public init(decayTimeMicroseconds: UInt64 = 10_000_000, initialLatencyMicroseconds: UInt64 = 1_000) {
            precondition(
                (1...Self.decayTimeMicrosecondsMax).contains(decayTimeMicroseconds),
                "decay time must be in 1...\(Self.decayTimeMicrosecondsMax) µs, got \(decayTimeMicroseconds)"
            )
            precondition(
                initialLatencyMicroseconds <= Self.initialLatencyMicrosecondsMax,
                "initial latency must be at most \(Self.initialLatencyMicrosecondsMax) µs"
            )
            self.decayTimeMicroseconds = decayTimeMicroseconds
            self.initialLatencyMicroseconds = initialLatencyMicroseconds
        }
    }

    /// A backend's latency estimate as of its last sample.
    private struct Estimate: Sendable {
        var latencyMicroseconds: Double
        var updatedAtMicroseconds: UInt64
    }

    /// Estimates below this count as this, so that outstanding requests always add cost even
    /// to a backend whose samples were zero.
    private static let latencyFloorMicroseconds = 1.0

    public let configuration: Configuration
    private var estimates: [BackendID: Estimate] = [:]
    private var outstanding = OutstandingRequests()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The requests started on `backend` and not finished yet.
    public func outstanding(on backend: BackendID) -> Int { outstanding[backend] }

    /// The latency estimate of `backend`, decayed to `nowMicroseconds`.
    public func estimatedLatencyMicroseconds(of backend: BackendID, nowMicroseconds: UInt64) -> Double {
        guard let estimate = estimates[backend] else { return Double(configuration.initialLatencyMicroseconds) }
        return estimate.latencyMicroseconds
            * decayFactor(since: estimate.updatedAtMicroseconds, nowMicroseconds: nowMicroseconds)
    }

    /// What sending one more request to `backend` is expected to cost: the smaller, the better.
    public func cost(of backend: BackendID, nowMicroseconds: UInt64) -> Double {
        let latency = estimatedLatencyMicroseconds(of: backend, nowMicroseconds: nowMicroseconds)
        return max(latency, Self.latencyFloorMicroseconds) * Double(outstanding[backend] + 1)
    }

    public mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID? {
        checkCandidates(candidates)
        guard candidates.count > 1 else { return candidates.first }
        let firstIndex = random.nextIndex(below: candidates.count)
        var secondIndex = random.nextIndex(below: candidates.count - 1)
        if secondIndex >= firstIndex { secondIndex += 1 }
        let first = candidates[firstIndex]
        let second = candidates[secondIndex]
        let secondIsCheaper =
            cost(of: second, nowMicroseconds: nowMicroseconds) < cost(of: first, nowMicroseconds: nowMicroseconds)
        return secondIsCheaper ? second : first
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
        let sample = Double(latencyMicroseconds)
        guard let previous = estimates[backend] else {
            estimates[backend] = Estimate(latencyMicroseconds: sample, updatedAtMicroseconds: nowMicroseconds)
            return
        }
        let keptWeight = decayFactor(since: previous.updatedAtMicroseconds, nowMicroseconds: nowMicroseconds)
        let decayed = previous.latencyMicroseconds * keptWeight
        let updated = sample > decayed ? sample : decayed + sample * (1 - keptWeight)
        estimates[backend] = Estimate(latencyMicroseconds: updated, updatedAtMicroseconds: nowMicroseconds)
    }

    /// `e^(-Δt/τ)`: the weight an estimate made at `since` keeps at `nowMicroseconds`.
    private func decayFactor(since sinceMicroseconds: UInt64, nowMicroseconds: UInt64) -> Double {
        precondition(
            nowMicroseconds >= sinceMicroseconds,
            "time went backwards: \(nowMicroseconds) µs is before \(sinceMicroseconds) µs"
        )
        let elapsed = Double(nowMicroseconds - sinceMicroseconds)
        return Double.exp(-elapsed / Double(configuration.decayTimeMicroseconds))
    }
}
