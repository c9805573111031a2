import Foundation
import SynodBalancing
import Testing

@testable import SynodReports

struct BalanceReportTests {
    static func configuration(
        _ scenario: BalanceReport.Scenario,
        _ policies: [BalanceReport.PolicySetup],
        seed: UInt64 = 1
    ) -> BalanceReport.Configuration {
        var configuration = BalanceReport.Configuration()
        configuration.scenarios = [scenario]
        configuration.policies = policies
        configuration.seed = seed
        return configuration
    }

    static func rows(_ configuration: BalanceReport.Configuration) throws -> [String: BalanceReportRow] {
        let rows = try BalanceReport(configuration: configuration).run()
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.policy, $0) })
    }

    @Test func theSameSeedGivesIdenticalRows() throws {
        var configuration = BalanceReport.Configuration()
        configuration.requestCount = 5_000
        let first = try BalanceReport(configuration: configuration).run()
        #expect(first == (try BalanceReport(configuration: configuration).run()))
        configuration.seed = 2
        #expect(first != (try BalanceReport(configuration: configuration).run()))
    }

    @Test func rowsComeInScenarioThenPolicyOrder() throws {
        var configuration = BalanceReport.Configuration()
        configuration.requestCount = 1_000
        let rows = try BalanceReport(configuration: configuration).run()
        let policies = [
            "round-robin", "weighted-round-robin", "least-outstanding", "p2c-ewma", "consistent-hash",
            "p2c-ewma+ejection", "round-robin+ejection",
        ]
        #expect(rows.map(\.policy) == policies + policies)
        #expect(
            rows.map(\.scenario) == Array(repeating: "slow-backend", count: 7)
                + Array(repeating: "failing-backend", count: 7)
        )
        #expect(rows.allSatisfy { $0.requests == 1_000 && $0.p50Milliseconds <= $0.p99Milliseconds })
    }

    @Test(arguments: [UInt64(1), 2])
    func peakEWMAKeepsTheTailShortWhenOneBackendIsSlow(seed: UInt64) throws {
        let rows = try Self.rows(Self.configuration(.slowBackend, [.init(.roundRobin), .init(.peakEWMA)], seed: seed))
        let roundRobin = try #require(rows["round-robin"])
        let peakEWMA = try #require(rows["p2c-ewma"])
        // Round-robin sends the slow backend a tenth of the traffic, seven times what it can
        // serve: its queue fills, waits reach seconds and the overflow is rejected.
        #expect(peakEWMA.p99Milliseconds * 10 < roundRobin.p99Milliseconds, "\(peakEWMA) vs \(roundRobin)")
        #expect(roundRobin.errorRate > 0.01)
        #expect(peakEWMA.errorRate == 0)
    }

    @Test(arguments: [UInt64(1), 2])
    func ejectionLowersTheErrorRateWhenOneBackendFails(seed: UInt64) throws {
        let policies: [BalanceReport.PolicySetup] = [
            .init(.roundRobin), .init(.roundRobin, ejection: true), .init(.peakEWMA), .init(.peakEWMA, ejection: true),
        ]
        let rows = try Self.rows(Self.configuration(.failingBackend, policies, seed: seed))
        for policy in ["round-robin", "p2c-ewma"] {
            let without = try #require(rows[policy])
            let with = try #require(rows[policy + "+ejection"])
            #expect(with.errorRate * 2 < without.errorRate, "\(with) vs \(without)")
        }
    }

    @Test(arguments: [0.5, 1.0])
    func roundRobinErrorsAreTheFailingBackendsShare(failureProbability: Double) throws {
        var configuration = Self.configuration(.failingBackend, [.init(.roundRobin)])
        configuration.failureProbability = failureProbability
        let row = try #require(try Self.rows(configuration)["round-robin"])
        let expected = failureProbability / Double(configuration.backendCount)
        #expect(abs(row.errorRate - expected) < expected / 10, "\(row)")
    }

    @Test func aLightlyLoadedHealthyPoolShowsThePlainServiceTime() throws {
        var configuration = Self.configuration(.slowBackend, [.init(.roundRobin)])
        configuration.slowdownFactor = 1
        configuration.utilization = 0.05
        let row = try #require(try Self.rows(configuration)["round-robin"])
        // Exponential service with a 1 ms mean: median ln 2 ms, 99th percentile ln 100 ms.
        #expect(abs(row.p50Milliseconds - Double.log(2)) < 0.03, "\(row)")
        #expect(abs(row.p99Milliseconds - Double.log(100)) < 0.3, "\(row)")
        #expect(row.errorRate == 0)
    }

    static let invalidConfigurations: [(BalanceReport.Configuration, BalanceReport.ConfigurationError)] = {
        func with(_ change: (inout BalanceReport.Configuration) -> Void) -> BalanceReport.Configuration {
            var configuration = BalanceReport.Configuration()
            change(&configuration)
            return configuration
        }
        return [
            (with { $0.backendCount = 1 }, .outOfRange(option: "backendCount", value: "1", range: "2...1000")),
            (with { $0.requestCount = 0 }, .outOfRange(option: "requestCount", value: "0", range: "1...10000000")),
            (with { $0.utilization = 0 }, .outOfRange(option: "utilization", value: "0.0", range: "(0, 1]")),
            (with { $0.utilization = 1.5 }, .outOfRange(option: "utilization", value: "1.5", range: "(0, 1]")),
            (
                with { $0.meanServiceMicroseconds = 0 },
                .outOfRange(option: "meanServiceMicroseconds", value: "0", range: "1...60000000")
            ),
            (
                with { $0.concurrencyPerBackend = 0 },
                .outOfRange(option: "concurrencyPerBackend", value: "0", range: "1...1024")
            ),
            (with { $0.queueLengthMax = -1 }, .outOfRange(option: "queueLengthMax", value: "-1", range: "0...1000000")),
            (with { $0.slowdownFactor = 0 }, .outOfRange(option: "slowdownFactor", value: "0", range: "1...1000")),
            (
                with { $0.failureProbability = 1.1 },
                .outOfRange(option: "failureProbability", value: "1.1", range: "[0, 1]")
            ),
            (
                with { $0.failFastMicroseconds = 0 },
                .outOfRange(option: "failFastMicroseconds", value: "0", range: "1...60000000")
            ),
            (
                with { $0.affinityKeyCount = 0 },
                .outOfRange(option: "affinityKeyCount", value: "0", range: "1...100000000")
            ),
            (with { $0.scenarios = [] }, .nothingToRun(option: "scenarios")),
            (with { $0.policies = [] }, .nothingToRun(option: "policies")),
        ]
    }()

    @Test(arguments: invalidConfigurations)
    func anOptionOutOfRangeIsRefused(
        configuration: BalanceReport.Configuration,
        expected: BalanceReport.ConfigurationError
    ) {
        #expect(throws: expected) { try BalanceReport(configuration: configuration) }
        #expect(!expected.description.isEmpty)
    }

    @Test func theDefaultConfigurationIsValid() throws {
        try BalanceReport.Configuration().validate()
    }

    @Test func jsonRoundTripsEveryFieldAndEscapesStrings() throws {
        let rows = [
            BalanceReportRow(
                scenario: "slow-backend",
                policy: "p2c-ewma",
                requests: 50_000,
                p50Milliseconds: 0.775,
                p99Milliseconds: 4.955,
                errorRate: 0.00001
            ),
            BalanceReportRow(
                scenario: "quote \" backslash \\ newline \n tab \t bell \u{7} é",
                policy: "",
                requests: 0,
                p50Milliseconds: 0,
                p99Milliseconds: 2412.5,
                errorRate: 1
            ),
        ]
        let data = Data(try BalanceReport.json(rows).utf8)
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(parsed.count == rows.count)
        for (object, row) in zip(parsed, rows) {
            #expect(object["scenario"] as? String == row.scenario)
            #expect(object["policy"] as? String == row.policy)
            #expect(object["requests"] as? Int == row.requests)
            #expect(object["p50_milliseconds"] as? Double == row.p50Milliseconds)
            #expect(object["p99_milliseconds"] as? Double == row.p99Milliseconds)
            #expect(object["error_rate"] as? Double == row.errorRate)
        }
        let empty = try JSONSerialization.jsonObject(with: Data(try BalanceReport.json([]).utf8)) as? [Any]
        #expect(empty?.isEmpty == true)
    }

    @Test func theTableIsAlignedAndNamesEveryRow() throws {
        var configuration = BalanceReport.Configuration()
        configuration.requestCount = 2_000
        let report = try BalanceReport(configuration: configuration)
        let rows = report.run()
        let lines = report.table(rows).split(separator: "\n", omittingEmptySubsequences: false)
        let tableLines = lines.suffix(rows.count + 1)
        #expect(tableLines.first?.hasPrefix("scenario") == true)
        #expect(
            Set(tableLines.map(\.count)).count == 1,
            "columns are not aligned:\n\(tableLines.joined(separator: "\n"))"
        )
        for (line, row) in zip(tableLines.dropFirst(), rows) {
            #expect(line.hasPrefix(row.scenario))
            #expect(line.contains(" \(row.policy) "))
        }
    }
}
