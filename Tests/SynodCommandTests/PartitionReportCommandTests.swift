import Foundation
import SynodTestSupport
import Testing

/// Runs the built `synod` executable as a user would.
struct PartitionReportCommandTests {
    @Test func jsonOutputParsesAndHasOneRowPerAlgorithm() throws {
        let synod = try ChildProcess(
            executable: synodExecutablePath(),
            arguments: ["partition-report", "--nodes", "4", "--vnodes", "32", "--keys", "2000", "--json"]
        )
        #expect(synod.waitForExit() == 0, "\(synod.output)")
        let rows = try JSONSerialization.jsonObject(with: Data(synod.output.utf8)) as? [[String: Any]]
        #expect(rows?.compactMap { $0["algorithm"] as? String } == ["ring", "ring-bounded-0.05", "jump", "rendezvous"])
    }

    @Test(arguments: [["--nodes", "1"], ["--vnodes", "0"], ["--keys", "-5"], ["--nodes", "many"]])
    func badArgumentsAreRefusedWithAClearMessage(arguments: [String]) throws {
        let synod = try ChildProcess(executable: synodExecutablePath(), arguments: ["partition-report"] + arguments)
        #expect(synod.waitForExit() != 0)
        #expect(synod.output.contains("Error:"), "\(synod.output)")
    }
}

/// The `synod` binary built next to this test bundle (`swift build --build-tests` builds both).
func synodExecutablePath() -> String {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidate = bundleDirectory
    // The test runner may be inside `SynodPackageTests.xctest/...`; walk up to the build directory.
    for _ in 0..<4 {
        let path = candidate.appendingPathComponent("synod").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        candidate = candidate.deletingLastPathComponent()
    }
    return bundleDirectory.appendingPathComponent("synod").path
}
