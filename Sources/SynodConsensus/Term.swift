/// A consensus term (a Raft term, or a Paxos ballot's round): a logical clock of leadership.
///
/// Invariant (kept by the protocols): a replica's current term never decreases.
public struct Term: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let zero = Term(0)

    public static func < (lhs: Term, rhs: Term) -> Bool { lhs.rawValue < rhs.rawValue }

    public var next: Term { Term(rawValue + 1) }

    public var description: String { String(rawValue) }
}

/// The position of an entry in a replicated log; the first entry has index 1.
public struct LogIndex: Hashable, Comparable, Sendable, CustomStringConvertible, Strideable {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let zero = LogIndex(0)

    public static func < (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    public func advanced(by count: Int64) -> LogIndex { LogIndex(UInt64(Int64(rawValue) + count)) }
    public func distance(to other: LogIndex) -> Int64 { Int64(other.rawValue) - Int64(rawValue) }

    public var next: LogIndex { LogIndex(rawValue + 1) }
    public var previous: LogIndex {
        precondition(rawValue > 0, "index 0 has no predecessor")
        return LogIndex(rawValue - 1)
    }

    public var description: String { String(rawValue) }
}
