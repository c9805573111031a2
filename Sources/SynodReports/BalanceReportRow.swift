/// One policy's line of `synod balance-report`, in one scenario.
public struct BalanceReportRow: Codable, Equatable, Sendable {
    /// The scenario's name, such as `slow-backend`.
    public let scenario: String
    /// The policy's name, such as `p2c-ewma+ejection`.
    public let policy: String
    /// Requests sent, including failed and rejected ones.
    public let requests: Int
    /// The median latency seen by clients, queueing included.
    public let p50Milliseconds: Double
    /// The 99th-percentile latency seen by clients, queueing included.
    public let p99Milliseconds: Double
    /// Failed and rejected requests over all requests, in `0...1`.
    public let errorRate: Double

    enum CodingKeys: String, CodingKey {
        case scenario, policy, requests
        case p50Milliseconds = "p50_milliseconds"
        case p99Milliseconds = "p99_milliseconds"
        case errorRate = "error_rate"
    }

    public init(
        scenario: String,
        policy: String,
        requests: Int,
        p50Milliseconds: Double,
        p99Milliseconds: Double,
        errorRate: Double
    ) {
        precondition(requests >= 0, "a negative request count")
        precondition((0...1).contains(errorRate), "error rate \(errorRate) is outside 0...1")
        precondition(p50Milliseconds.isFinite && p99Milliseconds.isFinite, "latencies must be finite")
        self.scenario = scenario
        self.policy = policy
        self.requests = requests
        self.p50Milliseconds = p50Milliseconds
        self.p99Milliseconds = p99Milliseconds
        self.errorRate = errorRate
    }
}
