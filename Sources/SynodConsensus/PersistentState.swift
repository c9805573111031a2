import SynodCore

/// Everything a replica persisted: what it restarts from.
public struct PersistentState: Hashable, Sendable {
    public var hardState: HardState
    /// The newest durable snapshot (index 0 and empty membership when there is none).
    public var snapshot: Snapshot
    /// The durable entries after the snapshot, in order.
    public var entries: [LogEntry]

    public init(hardState: HardState, snapshot: Snapshot, entries: [LogEntry]) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
    }

    /// The state of a machine that joins an existing group: nothing yet. It learns the log,
    /// including the membership, from the leader once it is added as a learner or voter.
    public static let joining = PersistentState(
        hardState: HardState(),
        snapshot: Snapshot(index: .zero, term: .zero, membership: Membership(voters: []), data: []),
        entries: []
    )

    /// The state of every founding member of a new group: one committed `addVoter` entry per
    /// voter in term 1 (as etcd bootstraps), so the membership is in the log and a member that
    /// joins later learns it by replication like any other entry.
    public static func bootstrap(voters: Set<NodeID>) -> PersistentState {
        precondition(!voters.isEmpty, "a group needs at least one voter")
        let entries = voters.sorted().enumerated().map { offset, voter in
            LogEntry(
                term: Term(1),
                index: LogIndex(UInt64(offset) + 1),
                payload: .configurationChange(.addVoter(voter))
            )
        }
        return PersistentState(
            hardState: HardState(term: Term(1), votedFor: nil, commit: entries.last!.index),
            snapshot: joining.snapshot,
            entries: entries
        )
    }
}
