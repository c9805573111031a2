/// Takes backends that keep failing out of rotation for a while: Envoy's consecutive-failure
/// outlier detection.
///
/// A backend whose last `consecutiveFailuresToEject` requests all failed is ejected for
/// `baseEjectionMicroseconds × (times it has been ejected)`, capped at `maxEjectionMicroseconds`,
/// so a backend that keeps failing stays out longer each time. At most `maxEjectionPercent` of
/// the pool is ejected at once and at least one backend always stays eligible: ejection must
/// not turn a partial outage into a total one. A backend returns by itself when its time has
/// passed; outcomes of requests that finish while it is ejected are ignored, so it returns
/// with a clean count.
public struct OutlierDetector: Sendable {
    /// When to eject and for how long. Defaults are Envoy's, except the 50% cap.
    public struct Configuration: Equatable, Sendable {
        /// The most consecutive failures that may be required before an ejection.
        public static let consecutiveFailuresMax = 1_000
        /// The longest ejection accepted: one day.
        public static let ejectionMicrosecondsMax: UInt64 = 86_400_000_000

        /// Failures in a row that eject a backend (default 5).
        public let consecutiveFailuresToEject: Int
        /// The first ejection's length; later ones are multiples of it (default 30 s).
        public let baseEjectionMicroseconds: UInt64
        /// The longest ejection (default 300 s).
        public let maxEjectionMicroseconds: UInt64
        /// The largest share of the pool ejected at once, in percent (default 50).
        public let maxEjectionPercent: Int

        public init(
            consecutiveFailuresToEject: Int = 5,
            baseEjectionMicroseconds: UInt64 = 30_000_000,
            maxEjectionMicroseconds: UInt64 = 300_000_000,
            maxEjectionPercent: Int = 50
        ) {
            precondition(
                (1...Self.consecutiveFailuresMax).contains(consecutiveFailuresToEject),
                "consecutive failures to eject must be in 1...\(Self.consecutiveFailuresMax)"
            )
            precondition(
                (1...Self.ejectionMicrosecondsMax).contains(baseEjectionMicroseconds),
                "base ejection must be in 1...\(Self.ejectionMicrosecondsMax) µs"
            )
            precondition(
                (baseEjectionMicroseconds...Self.ejectionMicrosecondsMax).contains(maxEjectionMicroseconds),
                "max ejection must be in \(baseEjectionMicroseconds)...\(Self.ejectionMicrosecondsMax) µs"
            )
            precondition((0...100).contains(maxEjectionPercent), "max ejection percent must be in 0...100")
            self.consecutiveFailuresToEject = consecutiveFailuresToEject
            self.baseEjectionMicroseconds = baseEjectionMicroseconds
            self.maxEjectionMicroseconds = maxEjectionMicroseconds
            self.maxEjectionPercent = maxEjectionPercent
        }

        /// How long the `times`-th ejection of one backend lasts.
        public func ejectionMicroseconds(times: Int) -> UInt64 {
            precondition(times >= 1, "ejections are counted from 1")
            let (product, overflow) = baseEjectionMicroseconds.multipliedReportingOverflow(by: UInt64(times))
            return overflow ? maxEjectionMicroseconds : min(product, maxEjectionMicroseconds)
        }
    }

    /// What the detector knows about one backend.
    private struct Health: Sendable {
        /// Invariant: in `0...consecutiveFailuresToEject`, and 0 right after an ejection.
        var consecutiveFailures = 0
        var timesEjected = 0
        /// The backend is ejected while the time is before this.
        var ejectedUntilMicroseconds: UInt64?
    }

    public let configuration: Configuration
    /// The pool, in ascending order.
    public let backends: [BackendID]
    /// The most backends ejected at once: the percentage of the pool, rounded down, and never
    /// the whole pool.
    public let maxEjectedCount: Int
    private var health: [BackendID: Health]
    /// Invariant: never decreases.
    private var latestMicroseconds: UInt64 = 0
    /// Invariant: at or after every backend's `ejectedUntilMicroseconds`; from then on nobody is ejected.
    private var ejectionsEndMicroseconds: UInt64 = 0

    public init(backends: [BackendID], configuration: Configuration = Configuration()) {
        precondition(
            (1...BalancingLimits.backendCountMax).contains(backends.count),
            "an outlier detector needs 1...\(BalancingLimits.backendCountMax) backends, got \(backends.count)"
        )
        precondition(Set(backends).count == backends.count, "backends must be distinct: \(backends)")
        self.configuration = configuration
        self.backends = backends.sorted()
        self.maxEjectedCount = min(backends.count - 1, backends.count * configuration.maxEjectionPercent / 100)
        self.health = Dictionary(uniqueKeysWithValues: backends.map { ($0, Health()) })
    }

    /// Whether `backend` is out of rotation at `nowMicroseconds`.
    public func isEjected(_ backend: BackendID, nowMicroseconds: UInt64) -> Bool {
        guard let health = health[backend] else { preconditionFailure("\(backend) is not in the pool") }
        return health.ejectedUntilMicroseconds.map { nowMicroseconds < $0 } ?? false
    }

    /// How many backends are out of rotation at `nowMicroseconds`.
    public func ejectedCount(nowMicroseconds: UInt64) -> Int {
        guard nowMicroseconds < ejectionsEndMicroseconds else { return 0 }
        return backends.count(where: { isEjected($0, nowMicroseconds: nowMicroseconds) })
    }

    /// How many times `backend` has been ejected.
    public func timesEjected(_ backend: BackendID) -> Int {
        guard let health = health[backend] else { preconditionFailure("\(backend) is not in the pool") }
        return health.timesEjected
    }

    /// The backends of `candidates` (all in the pool) that are not ejected at `nowMicroseconds`, in
    /// their order.
    public func eligible(of candidates: [BackendID], nowMicroseconds: UInt64) -> [BackendID] {
        precondition(nowMicroseconds >= latestMicroseconds, "time went backwards")
        guard nowMicroseconds < ejectionsEndMicroseconds else { return candidates }
        return candidates.filter { !isEjected($0, nowMicroseconds: nowMicroseconds) }
    }

    /// Records the outcome of one request to `backend`, which may eject it.
    public mutating func record(backend: BackendID, succeeded: Bool, nowMicroseconds: UInt64) {
        precondition(nowMicroseconds >= latestMicroseconds, "time went backwards")
        latestMicroseconds = nowMicroseconds
        guard !isEjected(backend, nowMicroseconds: nowMicroseconds), var state = health[backend] else { return }
        if succeeded {
            state.consecutiveFailures = 0
        } else {
            // Held at the threshold while the cap forbids ejecting, so the next failure retries.
            state.consecutiveFailures = min(state.consecutiveFailures + 1, configuration.consecutiveFailuresToEject)
            if state.consecutiveFailures == configuration.consecutiveFailuresToEject
                && ejectedCount(nowMicroseconds: nowMicroseconds) < maxEjectedCount
            {
                state.timesEjected += 1
                let duration = configuration.ejectionMicroseconds(times: state.timesEjected)
                let (sum, overflow) = nowMicroseconds.addingReportingOverflow(duration)
                let until = overflow ? UInt64.max : sum
                state.ejectedUntilMicroseconds = until
                ejectionsEndMicroseconds = max(ejectionsEndMicroseconds, until)
                state.consecutiveFailures = 0
            }
        }
        health[backend] = state
    }
}
