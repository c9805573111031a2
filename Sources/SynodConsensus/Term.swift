/// A consensus term (a Raft term, or a Paxos ballot's round): a logical clock of leadership.
///
/// Invariant (kept by the protocols): a replica's current term never decreases.
public struct Term: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let zero = Term(0)

    /// The highest term a replica takes from a peer or a disk, and the highest it campaigns to.
    ///
    /// Real elections never come near it (one a millisecond would take 146 million years); only
    /// a forged or corrupted message can carry a term above it. Refusing such terms keeps
    /// `next` from ever overflowing, on this replica and on every replica that hears from it.
    public static let acceptedMax = Term(1 << 62)

    public static func < (lhs: Term, rhs: Term) -> Bool { lhs.rawValue < rhs.rawValue }

    public var next: Term { Term(rawValue + 1) }

    public var description: String { String(rawValue) }
}

/// The position of an entry in a replicated log; the first entry has index 1.
public struct LogIndex: Hashable, Comparable, Sendable, CustomStringConvertible, Strideable {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let zero = LogIndex(0)

    /// The highest index a replica takes from a peer or a disk, and the most entries its log
    /// may hold. As with `Term.acceptedMax`, a real log never gets there; the bound keeps
    /// `next`, the `Int64` distances of `Strideable` and index sums from overflowing.
    public static let acceptedMax = LogIndex(1 << 62)

    public static func < (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Compares the raw values. Written out because `Strideable` would otherwise supply `==`
    /// as `distance(to:) == 0`, which went through `Int64` and trapped on any index above
    /// `Int64.max`, such as one read from a peer.
    public static func == (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Steps through ranges of indexes (`first...last`); never past the ends of `UInt64`.
    public func advanced(by count: Int64) -> LogIndex {
        let (result, overflow) =
            count >= 0
            ? rawValue.addingReportingOverflow(count.magnitude)
            : rawValue.subtractingReportingOverflow(count.magnitude)
        precondition(!overflow, "index \(rawValue) advanced by \(count) leaves the index range")
        return LogIndex(result)
    }

    /// The signed distance between two indexes; exact for every pair less than 2^63 apart.
    public func distance(to other: LogIndex) -> Int64 {
        let magnitude = other.rawValue >= rawValue ? other.rawValue - rawValue : rawValue - other.rawValue
        precondition(magnitude <= UInt64(Int64.max), "indexes \(rawValue) and \(other.rawValue) are too far apart")
        return other.rawValue >= rawValue ? Int64(magnitude) : -Int64(magnitude)
    }

    public var next: LogIndex { LogIndex(rawValue + 1) }
    public var previous: LogIndex {
        precondition(rawValue > 0, "index 0 has no predecessor")
        return LogIndex(rawValue - 1)
    }

    public var description: String { String(rawValue) }
}
