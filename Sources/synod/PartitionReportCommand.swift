import ArgumentParser
import SynodReports

/// `synod partition-report`: compares the placement algorithms on generated keys.
struct PartitionReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition-report",
        abstract: "Measure key movement, balance and lookup speed of each placement algorithm."
    )

    @Option(help: "Number of nodes before one joins and one leaves (2...1000).")
    var nodes = 10

    @Option(help: "Virtual nodes per node on the consistent hash ring (1...4096).")
    var vnodes = 256

    @Option(help: "Number of keys to place (1...10000000).")
    var keys = 100_000

    @Flag(help: "Print one JSON array of objects instead of a table.")
    var json = false

    func validate() throws {
        guard (2...1000).contains(nodes) else { throw ValidationError("--nodes must be in 2...1000, got \(nodes)") }
        guard (1...4096).contains(vnodes) else { throw ValidationError("--vnodes must be in 1...4096, got \(vnodes)") }
        guard (1...10_000_000).contains(keys) else {
            throw ValidationError("--keys must be in 1...10000000, got \(keys)")
        }
    }

    func run() throws {
        let report = PartitionReport(nodeCount: nodes, virtualNodesPerWeight: vnodes, keyCount: keys)
        let rows = try report.run()
        if json {
            print(try PartitionReport.json(rows))
        } else {
            print(PartitionReport.table(rows, nodeCount: nodes, virtualNodes: vnodes, keyCount: keys))
        }
    }
}
