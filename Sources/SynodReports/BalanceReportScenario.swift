import SynodBalancing

extension BalanceReport {
    /// What is wrong with the pool. In each scenario backend `b0` is the odd one out.
    public enum Scenario: String, CaseIterable, Sendable {
        /// `b0` serves `slowdownFactor` times slower than the others.
        case slowBackend = "slow-backend"
        /// `b0` fails `failureProbability` of its requests, quickly.
        case failingBackend = "failing-backend"
    }

    /// A policy and whether outlier ejection runs in front of it: one row of each scenario.
    public struct PolicySetup: Hashable, Sendable {
        public let kind: BalancingPolicyKind
        public let ejection: Bool

        public init(_ kind: BalancingPolicyKind, ejection: Bool = false) {
            self.kind = kind
            self.ejection = ejection
        }

        /// The row name: the policy's, with `+ejection` when ejection is on.
        public var name: String { kind.rawValue + (ejection ? "+ejection" : "") }

        /// Every policy alone, then the two most common ones behind ejection.
        public static let standard: [PolicySetup] =
            BalancingPolicyKind.allCases.map { PolicySetup($0) } + [
                PolicySetup(.peakEWMA, ejection: true), PolicySetup(.roundRobin, ejection: true),
            ]
    }

    /// How one simulated backend serves requests.
    struct BackendProfile: Sendable {
        /// The mean of its exponentially distributed service times.
        let meanServiceMicroseconds: Double
        /// The share of its requests that fail.
        let failureProbability: Double
        /// The mean time a failing request takes.
        let meanFailureMicroseconds: Double
    }

    /// Each backend's profile in `scenario`: healthy, except `b0`.
    func profiles(in scenario: Scenario) -> [BackendProfile] {
        let mean = Double(configuration.meanServiceMicroseconds)
        let healthy = BackendProfile(meanServiceMicroseconds: mean, failureProbability: 0, meanFailureMicroseconds: 0)
        let oddOne: BackendProfile
        switch scenario {
        case .slowBackend:
            oddOne = BackendProfile(
                meanServiceMicroseconds: mean * Double(configuration.slowdownFactor),
                failureProbability: 0,
                meanFailureMicroseconds: 0
            )
        case .failingBackend:
            oddOne = BackendProfile(
                meanServiceMicroseconds: mean,
                failureProbability: configuration.failureProbability,
                meanFailureMicroseconds: Double(configuration.failFastMicroseconds)
            )
        }
        return [oddOne] + Array(repeating: healthy, count: configuration.backendCount - 1)
    }
}
