/// The identity of one Synod node (one server process) in a cluster.
///
/// Node ids are chosen by the operator (`--node-id`), are never zero, and are never reused
/// for a different member once removed.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) {
        precondition(rawValue != 0, "NodeID 0 is reserved for 'no node'")
        self.rawValue = rawValue
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "n\(rawValue)" }
}
