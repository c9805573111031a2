import SynodConsensus
import SynodCore

/// The replicated state a `GroupRuntime` applies its committed log to: what its clients write
/// and read, what it answers, how an entry and a snapshot of it are encoded, and what its
/// leader proposes of its own accord (`Duties`). The runtime knows nothing else of it, so one
/// runtime serves the key-value store and any other state machine (a shard map, say).
///
/// Applying must be deterministic and total: every replica applies the same entries to the
/// same state and gets the same state and results, and an entry no correct node would write
/// gets an error result, never a trap.
public protocol GroupStateMachine: Sendable {
    /// A client's write, before it is put in an entry.
    associatedtype Command: Sendable
    /// A client's read, served once it is linearizable to do so.
    associatedtype Read: Hashable, Sendable
    /// What a client is answered.
    associatedtype Reply: GroupReply
    /// One log entry: a command with its identity (`GroupEntry`).
    associatedtype Entry: GroupEntry
    /// What applying one entry did.
    associatedtype Applied: AppliedEntry where Applied.Reply == Reply
    associatedtype SnapshotDecoder: StateSnapshotDecoder where SnapshotDecoder.State == Self
    associatedtype Duties: LeaderDuties where Duties.State == Self

    /// The index of the last entry applied.
    var appliedIndex: UInt64 { get }
    /// The state as a snapshot's bytes (run off the consensus thread, on a frozen copy).
    var snapshotBytes: [UInt8] { get }

    /// The entry for a client's write, not yet stamped with the leader's time.
    static func entry(for command: Command, identity: EntryIdentity) -> Entry
    /// Decodes a committed entry's bytes (untrusted: a failure names what is wrong).
    static func decodeEntry(_ bytes: [UInt8]) throws -> Entry
    /// The entry a new leader proposes first in its term, before any client write, or nil if
    /// none is needed. A client write that arrives before it is proposed is refused TRYAGAIN.
    static func leaderOpeningEntry(at timeMilliseconds: Int64) -> Entry?

    mutating func apply(_ entry: Entry, at index: UInt64) -> Applied
    /// An entry without a command (a no-op, a membership change) still advances the index.
    mutating func skip(index: UInt64)
    /// Answers a read at `timeMilliseconds` (the serving node's wall clock).
    func read(_ read: Read, at timeMilliseconds: Int64, randomIndex: (Int) -> Int) -> Reply
    /// `read` was served here at `timeMilliseconds`: a state that keeps node-local use of its
    /// keys (Redis's idle time) notes it, outside its equality and its snapshots. The runtime
    /// does not call it while a snapshot shares the state.
    mutating func noteServed(_ read: Read, at timeMilliseconds: Int64)
    /// The result applying a session's request gave, while the state still keeps it.
    func recordedResult(session: UInt64, requestID: UInt64) -> Reply?
    /// How a request that waits (its reply `isWaiting`) stands now: still waiting, or ended
    /// with a result. For a node that caught up from a snapshot.
    func standing(ofWait requestID: UInt64) -> Reply

    /// The command that ends these waiting requests of this node's session, whose clients went
    /// away; nil when waits cannot be ended (they end by themselves).
    static func abandonment(ofWaits requestIDs: [UInt64]) -> Command?
    /// A command that changes nothing but marks its session active, proposed while this
    /// node's clients wait in lines and nothing else is sent: the state forgets an idle
    /// session and ends its waits. Nil when sessions are never forgotten.
    static var sessionKeepAlive: Command? { get }
    /// The command by which this node says how the replies the state holds for it went
    /// (`AppliedEntry.heldReplies`): the delivered ones are let go, the returned ones (their
    /// clients were gone) undone. Nil when the state holds none.
    static func settlement(delivered: [RequestKey], returned: [RequestKey]) -> Command?
    /// Whether the state holds this request's reply until it is settled.
    func holdsReply(_ key: RequestKey) -> Bool

    /// The answer the planted bug `replyBeforeApply` gives a write before it commits, or nil
    /// to leave the write alone.
    static func plantedEarlyAnswer(to command: Command) -> Reply?
}

extension GroupStateMachine {
    /// By default a state keeps no use of what it holds.
    public mutating func noteServed(_ read: Read, at timeMilliseconds: Int64) {}
}

/// An answer to a client.
public protocol GroupReply: Hashable, Sendable {
    /// A request the runtime could not serve, as the answer its client gets.
    static func refusal(_ refusal: GroupRefusal) -> Self
    /// Not answered yet: the request waits in a line, and a later entry answers it
    /// (`AppliedEntry.settledWaits`).
    var isWaiting: Bool { get }
}

/// Who sent a write: its client session and request id there, which make it apply once
/// however many copies reach the log.
public struct EntryIdentity: Hashable, Sendable {
    public let session: UInt64
    public let requestID: UInt64
    /// The client connection it came from (0: the leader's own).
    public let origin: UInt64
    /// Every request of the session below this was answered.
    public let acknowledgedBelow: UInt64

    public init(session: UInt64, requestID: UInt64, origin: UInt64, acknowledgedBelow: UInt64) {
        self.session = session
        self.requestID = requestID
        self.origin = origin
        self.acknowledgedBelow = acknowledgedBelow
    }
}

/// One log entry of a state machine.
public protocol GroupEntry: Hashable, Sendable {
    /// The client session that sent it, 0 for the leader's own entries.
    var session: UInt64 { get }
    var requestID: UInt64 { get }
    /// The same entry stamped with the proposing leader's wall clock.
    func stamped(at timeMilliseconds: Int64) -> Self
    var encoded: [UInt8] { get }
}

/// What applying one entry did, as the runtime needs it.
public protocol AppliedEntry {
    associatedtype Reply
    /// The session and request the result answers, if a client waits for it.
    var answered: RequestKey? { get }
    var result: Reply { get }
    /// Earlier requests that waited (`GroupReply.isWaiting`) and are answered now, by their
    /// request ids.
    var settledWaits: [(requestID: UInt64, result: Reply)] { get }
    /// Requests answered by this entry whose effect the state keeps undoable until the node
    /// of their session says whether the reply reached the client (`settlement`): a blocking
    /// pop's elements go back if it did not.
    var heldReplies: [RequestKey] { get }
}

/// Rebuilds a state from a snapshot's bytes, piece by piece.
public protocol StateSnapshotDecoder: Sendable {
    associatedtype State
    init()
    var bytesReceived: Int { get }
    /// The state as decoded so far (for the planted bug `installHalfBuiltSnapshot`).
    var stateSoFar: State { get }
    mutating func feed(_ bytes: some Collection<UInt8>) throws
    mutating func finish() throws -> State
}

/// What a leader proposes of its own accord (sweeps of due deadlines, removal of expired
/// keys, eviction), and what it remembers to choose it. The runtime asks at each moment,
/// proposes the entries in order while the replica takes them, and reports each one taken.
public protocol LeaderDuties: Sendable {
    associatedtype State: GroupStateMachine
    init()
    /// The entries to propose now, as the leader of a term whose opening entry is proposed.
    mutating func proposals(
        _ moment: HousekeepingMoment,
        state: State,
        time: GroupTime,
        settings: GroupSettings,
        random: inout SeededGenerator
    ) -> [State.Entry]
    /// `entry` of `proposals` was proposed at `index`.
    mutating func proposed(_ entry: State.Entry, at index: LogIndex)
    /// A new term began (or this node opened it as leader): nothing proposed before is awaited.
    mutating func newTerm()
    /// An entry was applied to `state`.
    mutating func applied(_ report: State.Applied, state: State, time: GroupTime, random: inout SeededGenerator)
    /// A read is served from `state` here: the reply, when what the duties remember answers
    /// it (the key-value store's key use); nil for the state to answer it.
    mutating func served(
        _ read: State.Read,
        state: State,
        time: GroupTime,
        random: inout SeededGenerator
    )
        -> State.Reply?
    /// The state was replaced by a snapshot's.
    mutating func restored()
}

/// When the runtime asks a leader's duties what to propose.
public enum HousekeepingMoment: Sendable {
    /// The consensus clock ticked.
    case tick
    /// Committed entries were applied.
    case entriesApplied
}

/// A client request a follower hands to its leader.
public enum GroupRequest<State: GroupStateMachine>: Hashable, Sendable {
    /// A write as the entry the leader proposes, with the follower's client session and
    /// request id; the leader stamps the time.
    case write(State.Entry)
    case read(State.Read)
}

/// What a leader answers a forwarded request.
public enum GroupOutcome<State: GroupStateMachine>: Hashable, Sendable {
    /// What applying the write (or serving the read) gave.
    case answered(State.Reply)
    /// Not proposed, or the leader's copy can never commit: this copy certainly did not apply.
    case refused(GroupRefusal)
}
