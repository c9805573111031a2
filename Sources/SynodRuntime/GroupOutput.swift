import SynodConsensus
import SynodCore

/// What a group runtime asks its shell to do, in order.
public enum GroupOutput<Message: Sendable, State: GroupStateMachine>: Sendable {
    /// Stage these changes in storage; when `sync` is set, make them durable and then call
    /// `GroupRuntime.persisted()` (no other Ready is taken until then).
    case persist(Persistence)
    /// A consensus message for a peer (it names its recipient).
    case send(Message)
    /// A client request for the leader `to`; its answer comes back with `requestID`.
    case forward(GroupRequest<State>, requestID: UInt64, to: NodeID)
    /// The answer to a request the follower `to` forwarded here.
    case answerForwarded(GroupOutcome<State>, requestID: UInt64, to: NodeID)
    /// The answer to the client request the shell sent with `ticket`.
    case reply(ticket: UInt64, State.Reply)
    /// Serialize the frozen state in `job` (off the consensus thread: it can take seconds for a
    /// large state) and give the snapshot back to `GroupRuntime.snapshotWritten`. A shell may
    /// also make the file durable there; either way `compact` follows.
    case takeSnapshot(SnapshotJob<State>)
    /// The snapshot is the group's newest: make it durable (if the shell did not already, when
    /// it wrote it) and drop the log it covers.
    case compact(Snapshot)
    /// Read these entries back from storage and give them to `GroupRuntime.entriesLoaded`
    /// (the replica let go of them once applied, and a follower needs them now); whenever it
    /// suits the shell, but it must answer, with no entries if storage no longer holds them.
    case loadEntries(EntryLoad)
    /// A state the group let go of (the one a snapshot from the leader replaced, or one half
    /// rebuilt from a snapshot's pieces and abandoned): the shell lets go of it off the
    /// consensus thread, as freeing a state of millions of keys takes a long time.
    case release(State)
    /// The group cannot go on (storage failed, or a committed entry cannot be applied): every
    /// waiting client was answered, and the shell stops the node.
    case stopped(reason: String)
}

/// The state machine frozen at an applied index, to be written as a snapshot. `state` is a
/// copy: the group goes on applying entries to its own, and the copy shares storage with it
/// until either changes.
public struct SnapshotJob<State: GroupStateMachine>: Sendable {
    public let index: LogIndex
    public let term: Term
    public let membership: Membership
    public let state: State

    /// The snapshot `state` makes (the work to do off the consensus thread).
    public func serialized() -> Snapshot {
        Snapshot(index: index, term: term, membership: membership, data: state.snapshotBytes)
    }
}

/// What one Ready asks to persist.
public struct Persistence: Sendable {
    public let hardState: HardState?
    /// Pieces of a snapshot being received, for the shell to keep in its file
    /// (`DurableStorage.stage`); when `snapshot` is the one they make, the shell gives the
    /// stored snapshot back with `GroupRuntime.receivedSnapshotStored`.
    public let snapshotTransfer: [SnapshotTransferStep]
    public let snapshot: Snapshot?
    public let entries: [LogEntry]
    /// Whether the shell must make this durable (fdatasync) before calling `persisted()`. A
    /// new commit index alone rides with the next sync.
    public let sync: Bool
}

/// Sees every entry the state machine applies, as it is applied: the node feeds its watches,
/// client tracking and keyspace notifications from here; the simulator checks its models.
public protocol GroupObserver {
    associatedtype State: GroupStateMachine

    /// `entry` was applied; `command` and `report` are nil for entries without a command
    /// (no-ops, membership changes). `state` is the state right after it.
    mutating func applied(_ entry: LogEntry, _ command: State.Entry?, _ report: State.Applied?, state: State)

    /// The state machine was replaced by a snapshot's.
    mutating func restored(_ state: State)
}

/// An observer that looks at nothing.
public struct NoObserver<State: GroupStateMachine>: GroupObserver {
    public init() {}
    public mutating func applied(_ entry: LogEntry, _ command: State.Entry?, _ report: State.Applied?, state: State) {}
    public mutating func restored(_ state: State) {}
}

/// Counters of what the runtime did, for the shell's metrics.
public struct GroupStatistics: Sendable {
    public internal(set) var forwardedRequests: UInt64 = 0
    public internal(set) var entriesApplied: UInt64 = 0
    public internal(set) var snapshotsTaken: UInt64 = 0
    public internal(set) var snapshotsInstalled: UInt64 = 0
    /// Transfers of leadership to the preferred leader this node started as leader.
    public internal(set) var leadershipHandovers: UInt64 = 0

    public init() {}
}
