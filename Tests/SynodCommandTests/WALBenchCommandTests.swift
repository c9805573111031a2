import Foundation
import SynodTestSupport
import Testing

struct WALBenchCommandTests {
    @Test func printsEveryMeasurementAndRemovesWhatItWrote() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-bench-\(UUID().uuidString)"
        )
        defer { try? FileManager.default.removeItem(at: directory) }  // Best effort: /tmp is cleaned anyway.
        let synod = try ChildProcess(
            executable: synodExecutablePath(),
            arguments: [
                "bench", "wal", "--directory", directory.path, "--seconds", "0.1", "--batch", "1", "16",
                "--groups", "4", "--recovery-entries", "5000",
            ]
        )
        #expect(synod.waitForExit() == 0, "\(synod.output)")
        #expect(synod.output.contains("raw fdatasync"), "\(synod.output)")
        let rows = synod.output.split(separator: "\n").filter { $0.hasPrefix("1 ") || $0.hasPrefix("16 ") }
        #expect(rows.count == 3, "\(synod.output)")
        #expect(synod.output.contains("recovery: 5000 entries"), "\(synod.output)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test(arguments: [["--seconds", "0"], ["--batch", "0"], ["--groups", "5000"]])
    func badOptionsAreRefusedWithAClearMessage(arguments: [String]) throws {
        let synod = try ChildProcess(executable: synodExecutablePath(), arguments: ["bench", "wal"] + arguments)
        #expect(synod.waitForExit() != 0)
        #expect(synod.output.contains("Error:"), "\(synod.output)")
    }
}
