import ArgumentParser
import Foundation
import SynodReports

/// `synod bench wal`: durable writes on this machine's disk.
struct WALBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wal",
        abstract: """
            Measure the disk's raw fdatasync rate, write-ahead-log appends per second with group commit, \
            and the recovery time of a large log, in one run on one disk.
            """
    )

    @Option(help: "Directory to write in (on the disk to measure); created, and emptied afterwards.")
    var directory = ".synod/bench-wal"

    @Option(help: "Seconds to measure each rate (0.1...600).")
    var seconds = 2.0

    @Option(help: "Bytes of each entry's payload (1...1048576).")
    var payloadBytes = 100

    @Option(parsing: .upToNextOption, help: "Batch sizes: entries made durable by one fdatasync (1...65536).")
    var batch: [Int] = [1, 16, 256]

    @Option(help: "Groups the largest batch is spread over, to show group commit across groups (1...1024).")
    var groups = 16

    @Option(help: "Entries in the log whose recovery is timed (0 to skip; at most 100000000).")
    var recoveryEntries = 1_000_000

    func validate() throws {
        guard (0.1...600).contains(seconds) else { throw ValidationError("--seconds must be in 0.1...600") }
        guard (1...1_048_576).contains(payloadBytes) else {
            throw ValidationError("--payload-bytes must be in 1...1048576")
        }
        guard !batch.isEmpty, batch.allSatisfy({ (1...65_536).contains($0) }) else {
            throw ValidationError("--batch sizes must be in 1...65536")
        }
        guard (1...1024).contains(groups) else { throw ValidationError("--groups must be in 1...1024") }
        guard (0...100_000_000).contains(recoveryEntries) else {
            throw ValidationError("--recovery-entries must be in 0...100000000")
        }
    }

    func run() throws {
        let benchmark = WALBenchmark(directory: directory, payloadBytes: payloadBytes, secondsPerMeasurement: seconds)
        print("wal benchmark: \(directory), \(payloadBytes)-byte entries, \(seconds) s per rate")
        let raw = try benchmark.rawSyncRate()
        print(
            String(
                format: "raw fdatasync (append %d bytes + fdatasync): %.0f syncs/s",
                payloadBytes,
                raw.syncsPerSecond
            )
        )
        print("batch  groups  entries/s    syncs/s   MB/s     x raw fsync")
        var cases = batch.sorted().map { ($0, 1) }
        if let largest = cases.last?.0, groups > 1 { cases.append((largest, min(groups, largest))) }
        for (size, groupCount) in cases {
            let rate = try benchmark.appendRate(batchSize: size, groupCount: groupCount)
            print(
                String(
                    format: "%-6d %-7d %-12.0f %-9.0f %-8.1f %.1fx",
                    size,
                    groupCount,
                    rate.entriesPerSecond,
                    rate.syncsPerSecond,
                    rate.bytesPerSecond / 1_000_000,
                    rate.entriesPerSecond / raw.syncsPerSecond
                )
            )
        }
        guard recoveryEntries > 0 else { return }
        let recovery = try benchmark.recovery(entryCount: recoveryEntries)
        print(
            String(
                format:
                    "recovery: %d entries (%.1f MB) written in %.2f s; opened and read back in %.2f s (%.0f entries/s)",
                recovery.entries,
                Double(recovery.logBytes) / 1_000_000,
                recovery.writeSeconds,
                recovery.recoverySeconds,
                Double(recovery.entries) / recovery.recoverySeconds
            )
        )
    }
}
