import SynodCore

/// Why a request to the protocol was refused; the driver answers its client accordingly.
public enum ProposalError: Error, Hashable, Sendable {
    /// This replica does not lead; `leader` is the one it knows of, for redirection.
    case notLeader(leader: NodeID?)
    /// Another membership change is still in flight, or the leader has not yet committed an
    /// entry of its term.
    case configurationChangeInProgress
    /// The change is invalid for the current membership (e.g. removing a non-member).
    case invalidConfigurationChange(String)
    /// A leadership transfer is in progress; proposals wait until it ends.
    case transferInProgress
    /// Too many proposed bytes are not yet committed (flow control).
    case tooManyUncommittedBytes
    /// Too many reads are waiting for leadership confirmation.
    case tooManyPendingReads
}

/// The driver-facing contract of a replicated-log protocol.
///
/// One value per consensus group; the driver owns it and calls it from one task. Every method
/// is deterministic: the same calls in the same order produce the same `Ready` batches.
public protocol ConsensusReplica: Sendable {
    associatedtype Message: Sendable

    /// This replica's identity.
    var id: NodeID { get }

    /// Advances logical time by one tick (the driver's timer interval).
    mutating func tick()

    /// Advances logical time by `count` ticks that elapsed together, with no input between
    /// them: the driver was paused or busy for that long.
    mutating func tick(count: Int)

    /// A message from `sender` in `term` has begun to arrive and is not all here yet (a big
    /// one streams in for a while). Untrusted, like the message: it may only postpone what
    /// silence from the sender would cause.
    mutating func messageArriving(from sender: NodeID, term: Term)

    /// Handles a message from a peer. The message is untrusted: one that no correct peer would
    /// send is dropped (and counted, for the driver's metrics), never trapped on.
    mutating func step(_ message: Message)

    /// Proposes a command to append to the log. It goes to the peers with the next `ready()`,
    /// together with every command proposed before it.
    mutating func propose(_ command: [UInt8]) throws(ProposalError)

    /// Proposes a membership change.
    mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(ProposalError)

    /// Asks for a linearizable read point; it arrives later as a `ReadState` with `context`.
    mutating func readIndex(context: UInt64) throws(ProposalError)

    /// True when `ready()` would return a non-empty batch.
    var hasReady: Bool { get }

    /// The work the driver must do next (see `Ready` for the order).
    mutating func ready() -> Ready<Message>

    /// Acknowledges that every step of `ready` is done.
    mutating func advance(_ ready: Ready<Message>)

    /// While the driver is still syncing a batch that changed no term or vote: takes, out of
    /// the next batch, the work that relies on nothing that batch writes, for the driver to
    /// carry out at once (the messages that keep a leader in place and confirm its reads, and
    /// the reads confirmed). A big entry's sync then delays no heartbeat and no read.
    mutating func takeWorkIndependentOfSync() -> SyncIndependentWork<Message>

    /// Leader only: hands leadership to the voter `target` once it holds the whole log (it is
    /// told to campaign at once); proposals are refused until the transfer ends, which it does
    /// within an election timeout either way.
    mutating func transferLeadership(to target: NodeID) throws(ProposalError)

    /// Leader only: the member leadership is being handed to; nil when no transfer is under way.
    var transferTarget: NodeID? { get }

    /// Leader only: whether `member` holds every entry of this leader's log and answered it
    /// recently, so that a transfer to it would be quick.
    func isCaughtUp(_ member: NodeID) -> Bool

    /// Whether the group is idle and this replica hibernates: its leader sends nothing, and a
    /// follower counts no election timeout.
    var isHibernating: Bool { get }

    /// The driver heard nothing from `node` for a while (it watches peer nodes, not groups): a
    /// hibernating follower of `node` wakes, and times the leader out as usual.
    mutating func leaderSilent(_ node: NodeID)

    /// Whether this replica leads its group now.
    var isLeader: Bool { get }

    /// The leader this replica knows of (itself when it leads), or nil during an election.
    var leader: NodeID? { get }

    /// The current term.
    var term: Term { get }

    /// The highest index known committed.
    var commitIndex: LogIndex { get }

    /// The index of the last entry in the log.
    var lastIndex: LogIndex { get }

    /// The index the last snapshot covers.
    var snapshotIndex: LogIndex { get }

    /// The size of the last snapshot's serialized state in bytes (0 before the first).
    var snapshotByteCount: Int { get }

    /// The term of the entry at `index`, when the log holds it.
    func term(at index: LogIndex) -> Term?

    /// The membership a snapshot at `applied` must record, or nil when no snapshot can be
    /// taken there now (a committed membership change not yet applied).
    func snapshotMembership(at applied: LogIndex) -> Membership?

    /// The driver took `snapshot` of its state machine: the log up to it may be dropped.
    /// Returns what the replica let go, for the driver to release where it costs the consensus
    /// thread nothing: after a long log, freeing every dropped entry one at a time takes
    /// hundreds of milliseconds (pieces of the dropped log, possibly none).
    @discardableResult
    mutating func snapshotTaken(_ snapshot: Snapshot) -> [[LogEntry]]

    /// The driver stored the snapshot a `Ready` installed, from the pieces it kept
    /// (`Ready.snapshotTransfer`): its bytes are read from `snapshot` from now on.
    mutating func snapshotStored(_ snapshot: Snapshot)

    /// The driver read back the entries a `Ready` asked for (`Ready.entriesToLoad`): those it
    /// found, in order, possibly none (storage dropped them meanwhile, as a snapshot covers
    /// them).
    mutating func entriesLoaded(_ entries: [LogEntry])
}

extension ConsensusReplica {
    /// A message from `sender` in `term` has begun to arrive and is not all here yet: a
    /// protocol that times out its leader may count the sender as heard from. By default
    /// nothing happens.
    public mutating func messageArriving(from sender: NodeID, term: Term) {}

    /// By default nothing is taken early: every message waits for its batch's sync.
    public mutating func takeWorkIndependentOfSync() -> SyncIndependentWork<Message> {
        SyncIndependentWork()
    }

    /// By default a protocol keeps its whole log in memory and never asks for entries.
    public mutating func entriesLoaded(_ entries: [LogEntry]) {}

    /// By default a protocol cannot hand leadership over: no leader prefers another node.
    public mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        throw .invalidConfigurationChange("this protocol does not transfer leadership")
    }

    public var transferTarget: NodeID? { nil }

    /// By default a protocol never hibernates: its leader keeps the group alive.
    public var isHibernating: Bool { false }

    public mutating func leaderSilent(_ node: NodeID) {}

    public func isCaughtUp(_ member: NodeID) -> Bool { false }

    /// By default a run of ticks is each tick in turn.
    public mutating func tick(count: Int) {
        for _ in 0..<count { tick() }
    }
}

/// Work a replica hands out while its driver syncs an earlier batch (see
/// `ConsensusReplica.takeWorkIndependentOfSync`): messages to send now, and reads that may be
/// served once the state machine has applied their index.
public struct SyncIndependentWork<Message: Sendable>: Sendable {
    public var messages: [Message]
    public var readStates: [ReadState]

    public init(messages: [Message] = [], readStates: [ReadState] = []) {
        self.messages = messages
        self.readStates = readStates
    }

    public var isEmpty: Bool { messages.isEmpty && readStates.isEmpty }
}
