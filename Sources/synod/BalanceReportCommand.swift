import ArgumentParser
import SynodReports

/// `synod balance-report`: simulates a backend pool with one bad backend under every policy.
struct BalanceReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balance-report",
        abstract: "Compare load-balancing policies on a simulated pool with one slow or failing backend.",
        discussion: """
            A seeded discrete-event simulation: the same options print the same numbers on any machine. \
            Latency is from arrival to completion, queueing included.
            """
    )

    @Option(help: "Seed of every random draw in the simulation.")
    var seed: UInt64 = 1

    @Option(help: "Backends in the pool (2...1000).")
    var backends = 10

    @Option(help: "Requests simulated per policy and scenario (1...10000000).")
    var requests = 50_000

    @Option(help: "Offered load over the pool's capacity, in (0, 1].")
    var utilization = 0.7

    @Option(help: "How many times slower the slow backend serves (1...1000).")
    var slowdown = 10

    @Option(help: "Share of requests the failing backend fails, in [0, 1].")
    var failureProbability = 0.5

    @Flag(help: "Print one JSON array of objects instead of a table.")
    var json = false

    func run() throws {
        var configuration = BalanceReport.Configuration()
        configuration.seed = seed
        configuration.backendCount = backends
        configuration.requestCount = requests
        configuration.utilization = utilization
        configuration.slowdownFactor = slowdown
        configuration.failureProbability = failureProbability
        let report: BalanceReport
        do {
            report = try BalanceReport(configuration: configuration)
        } catch {
            throw ValidationError(error.description)
        }
        let rows = report.run()
        print(json ? try BalanceReport.json(rows) : report.table(rows))
    }
}
