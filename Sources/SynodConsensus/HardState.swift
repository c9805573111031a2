import SynodCore

/// The state a replica must persist (and fsync) before it acts on it: a term it has seen, the
/// vote it gave in that term, and how far it knows the log is committed.
public struct HardState: Hashable, Sendable, CustomStringConvertible {
    public var term: Term
    public var votedFor: NodeID?
    public var commit: LogIndex

    public init(term: Term = .zero, votedFor: NodeID? = nil, commit: LogIndex = .zero) {
        self.term = term
        self.votedFor = votedFor
        self.commit = commit
    }

    public var description: String {
        "term=\(term) vote=\(votedFor.map(\.description) ?? "none") commit=\(commit)"
    }
}

/// A state-machine snapshot and the log position it covers.
public struct Snapshot: Hashable, Sendable, CustomStringConvertible {
    /// The last log entry the snapshot includes.
    public let index: LogIndex
    public let term: Term
    /// The membership as of `index`.
    public let membership: Membership
    /// The serialized state machine, opaque to the protocol.
    public let data: SnapshotData

    public init(index: LogIndex, term: Term, membership: Membership, data: SnapshotData) {
        self.index = index
        self.term = term
        self.membership = membership
        self.data = data
    }

    public init(index: LogIndex, term: Term, membership: Membership, data: [UInt8]) {
        self.init(index: index, term: term, membership: membership, data: SnapshotData(data))
    }

    public var description: String { "snapshot \(term)/\(index) \(membership) \(data.count) bytes" }
}
