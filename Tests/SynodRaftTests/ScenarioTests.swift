import Foundation
import Testing

/// Golden scenario tests: each file in `Scenarios/` is a script and its expected trace.
/// Regenerate with `SYNOD_REWRITE_GOLDEN=1 swift test --filter ScenarioTests` and review the diff.
struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scenarios"
    )

    static var scenarioNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])  // checked non-empty below
            .filter { $0.hasSuffix(".txt") }.sorted()
    }

    @Test func scenariosExist() {
        #expect(Self.scenarioNames.count >= 13, "scenario files missing from \(Self.directory.path)")
    }

    @Test(arguments: scenarioNames)
    func scenario(name: String) throws {
        let differences = try ScenarioScript.run(url: Self.directory.appendingPathComponent(name))
        for difference in differences { Issue.record("\(name):\n\(difference)") }
    }
}
