import SynodCore

/// A load-balancing policy over a fixed pool, with optional outlier ejection.
///
/// The caller reports each request three times: `pick` chooses the backend, `started` when it
/// is sent, `finished` with its latency and outcome. The balancer keeps the policy and the
/// detector in step, so that the policy only ever sees eligible backends and learns every outcome.
public struct Balancer<Policy: LoadBalancingPolicy>: Sendable {
    /// The pool, in ascending order.
    public let backends: [BackendID]
    public private(set) var policy: Policy
    /// Nil when ejection is off.
    public private(set) var outlierDetector: OutlierDetector?

    public init(backends: [BackendID], policy: Policy, outlierDetection: OutlierDetector.Configuration? = nil) {
        precondition(
            (1...BalancingLimits.backendCountMax).contains(backends.count),
            "a balancer needs 1...\(BalancingLimits.backendCountMax) backends, got \(backends.count)"
        )
        precondition(Set(backends).count == backends.count, "backends must be distinct: \(backends)")
        self.backends = backends.sorted()
        self.policy = policy
        self.outlierDetector = outlierDetection.map { OutlierDetector(backends: backends, configuration: $0) }
    }

    /// The policy's name, with `+ejection` when outlier ejection is on: `p2c-ewma+ejection`.
    public var name: String { policy.name + (outlierDetector == nil ? "" : "+ejection") }

    /// The backend for the next request: the policy's choice among the backends not ejected.
    public mutating func pick(
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID {
        let candidates = outlierDetector?.eligible(of: backends, nowMicroseconds: nowMicroseconds) ?? backends
        // The detector never ejects the whole pool.
        precondition(!candidates.isEmpty, "no eligible backend")
        guard
            let chosen = policy.pick(
                from: candidates,
                affinityKey: affinityKey,
                nowMicroseconds: nowMicroseconds,
                random: &random
            )
        else { preconditionFailure("\(Policy.kind) picked nothing from \(candidates)") }
        assert(candidates.contains(chosen), "\(Policy.kind) picked \(chosen), which is not a candidate")
        return chosen
    }

    /// Records that a request was sent to `backend`.
    public mutating func started(on backend: BackendID) {
        policy.requestStarted(on: backend)
    }

    /// Records that a request to `backend` finished, in the policy and the detector.
    public mutating func finished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    ) {
        policy.requestFinished(
            on: backend,
            latencyMicroseconds: latencyMicroseconds,
            succeeded: succeeded,
            nowMicroseconds: nowMicroseconds
        )
        outlierDetector?.record(backend: backend, succeeded: succeeded, nowMicroseconds: nowMicroseconds)
    }
}
