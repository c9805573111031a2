import Foundation

/// Output helpers shared by the reports.
enum ReportOutput {
    /// One pretty-printed JSON array of the rows, keys sorted, for scripts.
    static func json<Row: Encodable>(_ rows: [Row]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    /// `value` with exactly `digits` decimals.
    static func fixed(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
