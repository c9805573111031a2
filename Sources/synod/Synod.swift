import ArgumentParser

@main
struct Synod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synod",
        abstract: "Synod: a distributed coordination service and replicated key-value store.",
        subcommands: [
            ServerCommand.self, DevCommand.self, PartitionReportCommand.self, BalanceReportCommand.self,
            BenchCommand.self,
            SimCommand.self,
        ]
    )
}
