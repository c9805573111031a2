/// Why a history is not linearizable: the partition with no valid order, and how far the search got in it.
///
/// Operations are named by their indices in the checked history, so the caller can render them as it likes;
/// `report(history:)` renders them with `HistoryOperation.description`.
public struct LinearizabilityViolation: Hashable, Sendable {
    /// At most this many operations of each list are rendered by `report(history:)`.
    public static let reportedOperationCountMax = 40

    /// The partition's key, rendered with `String(describing:)`.
    public let partition: String
    /// The partition's operations, as indices into the checked history, in history order.
    public let operationIndices: [Int]
    /// The longest sequence of the partition's operations that the search could order legally, in that order, as
    /// indices into the checked history. Every order got stuck after a prefix at most this long.
    public let longestLinearizablePrefix: [Int]

    /// Describes a violation found by the checker.
    public init(partition: String, operationIndices: [Int], longestLinearizablePrefix: [Int]) {
        precondition(longestLinearizablePrefix.count < operationIndices.count, "a violation leaves an operation out")
        self.partition = partition
        self.operationIndices = operationIndices
        self.longestLinearizablePrefix = longestLinearizablePrefix
    }

    /// The number of operations in the partition.
    public var operationCount: Int { operationIndices.count }

    /// A multi-line failure message: the end of the longest linearizable prefix, then the operations left out of it
    /// by call time; the culprit is among the first of those.
    public func report<Input, Output>(history: [HistoryOperation<Input, Output>]) -> String {
        let limit = Self.reportedOperationCountMax
        var lines = ["partition \(partition): \(operationCount) operations, not linearizable"]
        lines.append("longest linearizable prefix: \(longestLinearizablePrefix.count) operations, ending with")
        for index in longestLinearizablePrefix.suffix(limit) {
            lines.append("  #\(index) \(history[index])")
        }
        let prefixMembers = Set(longestLinearizablePrefix)
        let leftOut = operationIndices.filter { !prefixMembers.contains($0) }
            .sorted { (history[$0].callTime, $0) < (history[$1].callTime, $1) }
        lines.append("operations left out of it, by call time: \(leftOut.count)")
        for index in leftOut.prefix(limit) {
            lines.append("  #\(index) \(history[index])")
        }
        if leftOut.count > limit { lines.append("  ... \(leftOut.count - limit) more") }
        return lines.joined(separator: "\n")
    }
}
