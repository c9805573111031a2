import SynodBalancing

extension BalanceReport {
    /// Every option of the simulation; one seed determines every random draw.
    ///
    /// Defaults model a pool of ten backends at 70% load, each serving four requests at a time
    /// with exponential service times around 1 ms and queueing the rest, for 50,000 requests
    /// (about 1.8 simulated seconds) per row.
    public struct Configuration: Equatable, Sendable {
        /// The most backends a simulated pool may have.
        public static let backendCountMax = 1_000
        /// The most requests one row may simulate.
        public static let requestCountMax = 10_000_000
        /// The largest mean service time: one minute.
        public static let meanServiceMicrosecondsMax: UInt64 = 60_000_000
        /// The most requests one backend serves at once.
        public static let concurrencyPerBackendMax = 1_024
        /// The longest queue one backend may keep.
        public static let queueLengthMaxLimit = 1_000_000
        /// The largest slowdown of the slow backend.
        public static let slowdownFactorMax = 1_000
        /// The most distinct affinity keys.
        public static let affinityKeyCountMax = 100_000_000

        /// The seed of every random draw: arrivals, service times, failures, keys, policies (default 1).
        public var seed: UInt64 = 1
        /// Backends in the pool (default 10).
        public var backendCount = 10
        /// Requests simulated per row (default 50,000).
        public var requestCount = 50_000
        /// Offered load over the pool's capacity, in `(0, 1]` (default 0.7). Capacity counts each
        /// backend at its own service speed (the slow one slower, so the pool as a whole keeps up)
        /// and the failing one as if it served every request, since a failure serves nothing.
        public var utilization = 0.7
        /// The mean service time of a healthy backend (default 1 ms).
        public var meanServiceMicroseconds: UInt64 = 1_000
        /// Requests a backend serves at once; the rest wait in its queue (default 4).
        public var concurrencyPerBackend = 4
        /// The longest queue a backend keeps; it rejects requests beyond it at once (default 1,000).
        public var queueLengthMax = 1_000
        /// How many times slower `b0` serves in `slow-backend` (default 10).
        public var slowdownFactor = 10
        /// The share of its requests `b0` fails in `failing-backend`, in `0...1` (default 0.5).
        public var failureProbability = 0.5
        /// The mean time `b0` takes to fail a request (default 50 µs).
        public var failFastMicroseconds: UInt64 = 50
        /// Distinct affinity keys, drawn uniformly for each request (default 10,000).
        public var affinityKeyCount = 10_000
        /// The scenarios to run (default all).
        public var scenarios: [Scenario] = Scenario.allCases
        /// The policies to run in each scenario (default `PolicySetup.standard`).
        public var policies: [PolicySetup] = PolicySetup.standard
        /// The `+ejection` rows' detector: Envoy's rule with times scaled to the simulated
        /// seconds (5 failures in a row; 100 ms, then 200 ms, ..., at most 1 s; 50% of the pool).
        public var outlierDetection = OutlierDetector.Configuration(
            consecutiveFailuresToEject: 5,
            baseEjectionMicroseconds: 100_000,
            maxEjectionMicroseconds: 1_000_000,
            maxEjectionPercent: 50
        )
        /// The `p2c-ewma` rows' estimator: the library's defaults (10 s time constant, 1 ms
        /// initial estimate).
        public var peakEWMA = PeakEWMAPolicy.Configuration()

        public init() {}

        /// Throws when an option is outside its documented range.
        public func validate() throws(ConfigurationError) {
            try Self.check("backendCount", backendCount, in: 2...Self.backendCountMax)
            try Self.check("requestCount", requestCount, in: 1...Self.requestCountMax)
            guard utilization > 0 && utilization <= 1 else {
                throw .outOfRange(option: "utilization", value: "\(utilization)", range: "(0, 1]")
            }
            try Self.check("meanServiceMicroseconds", meanServiceMicroseconds, in: 1...Self.meanServiceMicrosecondsMax)
            try Self.check("concurrencyPerBackend", concurrencyPerBackend, in: 1...Self.concurrencyPerBackendMax)
            try Self.check("queueLengthMax", queueLengthMax, in: 0...Self.queueLengthMaxLimit)
            try Self.check("slowdownFactor", slowdownFactor, in: 1...Self.slowdownFactorMax)
            guard (0...1).contains(failureProbability) else {
                throw .outOfRange(option: "failureProbability", value: "\(failureProbability)", range: "[0, 1]")
            }
            try Self.check("failFastMicroseconds", failFastMicroseconds, in: 1...Self.meanServiceMicrosecondsMax)
            try Self.check("affinityKeyCount", affinityKeyCount, in: 1...Self.affinityKeyCountMax)
            guard !scenarios.isEmpty else { throw .nothingToRun(option: "scenarios") }
            guard !policies.isEmpty else { throw .nothingToRun(option: "policies") }
        }

        private static func check<Value: Comparable>(
            _ option: String,
            _ value: Value,
            in range: ClosedRange<Value>
        ) throws(ConfigurationError) {
            guard range.contains(value) else {
                throw .outOfRange(option: option, value: "\(value)", range: "\(range.lowerBound)...\(range.upperBound)")
            }
        }
    }

    /// Why a configuration was refused.
    public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
        case outOfRange(option: String, value: String, range: String)
        case nothingToRun(option: String)

        public var description: String {
            switch self {
            case .outOfRange(let option, let value, let range): "\(option) must be in \(range), got \(value)"
            case .nothingToRun(let option): "\(option) must not be empty"
            }
        }
    }
}
