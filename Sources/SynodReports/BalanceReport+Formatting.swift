import Foundation

extension BalanceReport {
    /// An aligned table for people, headed by the options that produced it.
    public func table(_ rows: [BalanceReportRow]) -> String {
        let options = configuration
        var lines = [
            "balance report: seed \(options.seed), \(options.backendCount) backends serving "
                + "\(options.concurrencyPerBackend) requests at once (queue up to \(options.queueLengthMax)), "
                + "\(options.requestCount) requests per row at \(ReportOutput.fixed(options.utilization * 100, digits: 0))% "
                + "of capacity",
            "slow-backend: b0 serves \(options.slowdownFactor)x slower; failing-backend: b0 fails "
                + "\(ReportOutput.fixed(options.failureProbability * 100, digits: 0))% of requests in about "
                + "\(options.failFastMicroseconds) µs",
            "latency is arrival to completion (queueing included); failed and rejected requests count",
            "",
        ]
        let header = ["scenario", "policy", "requests", "p50 ms", "p99 ms", "errors"]
        let cells = rows.map { row in
            [
                row.scenario, row.policy, "\(row.requests)", ReportOutput.fixed(row.p50Milliseconds, digits: 3),
                ReportOutput.fixed(row.p99Milliseconds, digits: 3),
                ReportOutput.fixed(row.errorRate * 100, digits: 2) + "%",
            ]
        }
        let widths = header.indices.map { column in
            ([header] + cells).map { $0[column].count }.max() ?? 0
        }
        for line in [header] + cells {
            let padded = line.enumerated().map { column, text in
                // Text columns align left, number columns right.
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return column < 2 ? text + padding : padding + text
            }
            lines.append(padded.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// One JSON array of row objects, for scripts; keys are snake_case like `partition-report`'s.
    public static func json(_ rows: [BalanceReportRow]) throws -> String {
        try ReportOutput.json(rows)
    }
}
