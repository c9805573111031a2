import ArgumentParser

@main
struct Synod: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synod",
        abstract: "Synod: a distributed coordination service and replicated key-value store.",
        subcommands: [PartitionReportCommand.self, BalanceReportCommand.self, BenchCommand.self, SimCommand.self]
    )
}
