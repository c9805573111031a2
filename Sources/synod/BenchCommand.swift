import ArgumentParser
import Foundation
import SynodReports

/// `synod bench`: load generators and benchmarks that print numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print measured numbers.",
        subcommands: [RaftBenchCommand.self, WALBenchCommand.self]
    )
}

/// `synod bench raft`: the consensus core alone, in memory.
struct RaftBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raft",
        abstract: "Commit entries through an in-memory Raft group in one process (no I/O) and print entries/s."
    )

    @Option(help: "Entries to commit per batch size (1...100000000).")
    var entries = 200_000

    @Option(parsing: .upToNextOption, help: "Batch sizes: entries proposed together per round (1...65536).")
    var batch: [Int] = [1, 64, 1024]

    @Option(help: "Replicas in the group (1...7).")
    var replicas = 3

    @Option(help: "Bytes of each entry's payload (0...1048576).")
    var payloadBytes = 16

    func validate() throws {
        guard (1...100_000_000).contains(entries) else { throw ValidationError("--entries must be in 1...100000000") }
        guard !batch.isEmpty, batch.allSatisfy({ (1...65_536).contains($0) }) else {
            throw ValidationError("--batch sizes must be in 1...65536")
        }
        guard (1...7).contains(replicas) else { throw ValidationError("--replicas must be in 1...7") }
        guard (0...1_048_576).contains(payloadBytes) else {
            throw ValidationError("--payload-bytes must be in 0...1048576")
        }
    }

    func run() throws {
        print("raft benchmark: \(replicas) replicas in one process, no I/O, \(payloadBytes)-byte entries")
        print("batch  entries     seconds  entries/s")
        for size in batch {
            let result = try RaftBenchmark(replicaCount: replicas, batchSize: size, payloadBytes: payloadBytes)
                .run(entryCount: entries)
            let line = [
                String(size).padding(toLength: 7, withPad: " ", startingAt: 0),
                String(result.entries).padding(toLength: 12, withPad: " ", startingAt: 0),
                String(format: "%.3f", result.seconds).padding(toLength: 9, withPad: " ", startingAt: 0),
                String(format: "%.0f", result.entriesPerSecond),
            ]
            print(line.joined())
        }
    }
}
