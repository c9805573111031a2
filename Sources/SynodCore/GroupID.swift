/// The identity of one consensus group (a data shard or the metadata group) on a node.
///
/// Every peer message and every write-ahead-log record carries it, so one node can host many
/// groups over one transport and one log.
public struct GroupID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: GroupID, rhs: GroupID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "g\(rawValue)" }
}
