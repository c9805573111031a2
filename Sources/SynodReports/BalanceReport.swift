import SynodBalancing
import SynodCore

/// Compares the load-balancing policies on a simulated pool with one slow or failing backend.
///
/// Each row runs one policy in one scenario through `BalanceReportSimulation` and reports the
/// latency clients saw (p50, p99, queueing included) and the share of requests that failed.
/// Everything is simulated time derived from the configuration's seed, so a configuration
/// gives the same rows on every machine and run.
public struct BalanceReport: Sendable {
    public let configuration: Configuration

    /// A report over `configuration`, which must pass `validate()`.
    public init(configuration: Configuration = Configuration()) throws(ConfigurationError) {
        try configuration.validate()
        self.configuration = configuration
    }

    /// One row per scenario and policy, scenarios first, in the configuration's order.
    public func run() -> [BalanceReportRow] {
        configuration.scenarios.flatMap { scenario in
            configuration.policies.map { row(scenario: scenario, setup: $0) }
        }
    }

    /// Simulates `setup` in `scenario`.
    func row(scenario: Scenario, setup: PolicySetup) -> BalanceReportRow {
        let backends = (0..<configuration.backendCount).map { BackendID($0) }
        let detection = setup.ejection ? configuration.outlierDetection : nil
        let outcome: Outcome
        switch setup.kind {
        case .roundRobin:
            let policy = RoundRobinPolicy()
            outcome = simulate(Balancer(backends: backends, policy: policy, outlierDetection: detection), scenario)
        case .weightedRoundRobin:
            let policy = SmoothWeightedRoundRobinPolicy(equalWeightsFor: backends)
            outcome = simulate(Balancer(backends: backends, policy: policy, outlierDetection: detection), scenario)
        case .leastOutstanding:
            let policy = LeastOutstandingPolicy()
            outcome = simulate(Balancer(backends: backends, policy: policy, outlierDetection: detection), scenario)
        case .peakEWMA:
            let policy = PeakEWMAPolicy(configuration: configuration.peakEWMA)
            outcome = simulate(Balancer(backends: backends, policy: policy, outlierDetection: detection), scenario)
        case .consistentHashAffinity:
            let policy = ConsistentHashAffinityPolicy(backends: backends)
            outcome = simulate(Balancer(backends: backends, policy: policy, outlierDetection: detection), scenario)
        }
        return BalanceReportRow(
            scenario: scenario.rawValue,
            policy: setup.name,
            requests: outcome.latenciesMicroseconds.count,
            p50Milliseconds: Double(outcome.latencyMicroseconds(atFraction: 0.5)) / 1_000,
            p99Milliseconds: Double(outcome.latencyMicroseconds(atFraction: 0.99)) / 1_000,
            errorRate: Double(outcome.failureCount) / Double(outcome.latenciesMicroseconds.count)
        )
    }

    private func simulate<Policy: LoadBalancingPolicy>(
        _ balancer: Balancer<Policy>,
        _ scenario: Scenario
    ) -> Outcome {
        var simulation = BalanceReportSimulation(
            balancer: balancer,
            profiles: profiles(in: scenario),
            configuration: configuration
        )
        return simulation.run()
    }
}
