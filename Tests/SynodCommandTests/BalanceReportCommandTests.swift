import Foundation
import SynodTestSupport
import Testing

struct BalanceReportCommandTests {
    @Test func jsonOutputHasARowPerScenarioAndPolicy() throws {
        let synod = try ChildProcess(
            executable: synodExecutablePath(),
            arguments: ["balance-report", "--requests", "2000", "--json"]
        )
        #expect(synod.waitForExit() == 0, "\(synod.output)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(synod.output.utf8)) as? [[String: Any]])
        #expect(rows.count == 14)
        #expect(Set(rows.compactMap { $0["scenario"] as? String }) == ["slow-backend", "failing-backend"])
        for row in rows {
            for field in ["policy", "requests", "p50_milliseconds", "p99_milliseconds", "error_rate"] {
                #expect(row[field] != nil, "missing \(field) in \(row)")
            }
        }
    }

    @Test(arguments: [["--backends", "1"], ["--utilization", "1.5"], ["--failure-probability", "-1"]])
    func badOptionsAreRefusedWithAClearMessage(arguments: [String]) throws {
        let synod = try ChildProcess(executable: synodExecutablePath(), arguments: ["balance-report"] + arguments)
        #expect(synod.waitForExit() != 0)
        #expect(synod.output.contains("Error:"), "\(synod.output)")
    }
}
