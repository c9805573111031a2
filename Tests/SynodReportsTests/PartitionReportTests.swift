import Foundation
import SynodReports
import Testing

struct PartitionReportTests {
    static func smallReport() -> PartitionReport {
        PartitionReport(
            nodeCount: 6,
            virtualNodesPerWeight: 128,
            keyCount: 20_000,
            measurementDuration: .milliseconds(5)
        )
    }

    @Test func everyAlgorithmHasARowWithPlausibleFigures() throws {
        let rows = try Self.smallReport().run()
        #expect(rows.map(\.algorithm) == ["ring", "ring-bounded-0.05", "jump", "rendezvous"])
        for row in rows {
            #expect(row.movedOnAddVsOptimal > 0.8 && row.movedOnAddVsOptimal < 1.3, "\(row)")
            #expect(row.maxOverMeanLoad >= 1 && row.maxOverMeanLoad < 1.3, "\(row)")
            #expect(row.lookupsPerSecond > 0, "\(row)")
        }
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0.algorithm, $0) })
        #expect(byName["ring"]!.movedOnRemoveVsOptimal == 1)
        #expect(byName["rendezvous"]!.movedOnRemoveVsOptimal == 1)
        // Jump hash moves the last bucket into the hole: about two shares instead of one.
        #expect(byName["jump"]!.movedOnRemoveVsOptimal > 1.3)
        // Bounded load holds every node under ceil(1.05 * mean).
        #expect(byName["ring-bounded-0.05"]!.maxOverMeanLoad <= 1.05 + 6.0 / 20_000)
    }

    @Test func figuresOtherThanSpeedAreIdenticalAcrossRuns() throws {
        let first = try Self.smallReport().run()
        let second = try Self.smallReport().run()
        for (left, right) in zip(first, second) {
            #expect(left.algorithm == right.algorithm)
            #expect(left.movedOnAddVsOptimal == right.movedOnAddVsOptimal)
            #expect(left.movedOnRemoveVsOptimal == right.movedOnRemoveVsOptimal)
            #expect(left.maxOverMeanLoad == right.maxOverMeanLoad)
        }
    }

    @Test func jsonIsAnArrayOfObjectsWithTheDocumentedFields() throws {
        let rows = try Self.smallReport().run()
        let data = Data(try PartitionReport.json(rows).utf8)
        let parsed = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(parsed.count == rows.count)
        for object in parsed {
            for field in [
                "algorithm", "moved_on_add_vs_optimal", "moved_on_remove_vs_optimal", "max_over_mean_load",
                "lookups_per_second",
            ] {
                #expect(object[field] != nil, "missing \(field) in \(object)")
            }
        }
    }

    @Test func tableNamesEveryAlgorithm() throws {
        let rows = try Self.smallReport().run()
        let table = PartitionReport.table(rows, nodeCount: 6, virtualNodes: 128, keyCount: 20_000)
        for row in rows { #expect(table.contains(row.algorithm)) }
    }
}
