import SynodCore

/// What a group runtime needs to know of its node and its limits. Times are milliseconds of
/// the clock the shell gives (`GroupTime`).
public struct GroupSettings: Sendable {
    /// The node this runtime runs on.
    public var nodeID: NodeID
    /// The peers' addresses, named in NOTLEADER answers so that a client can go to the leader.
    public var peerAddresses: [NodeID: String] = [:]
    /// How long a client's write may wait for its answer while no leader answers; while a
    /// leader is known and has it, the wait is extended up to `writeWaitMaxMilliseconds`.
    public var writeWaitMilliseconds: Int64 = 5_000
    public var writeWaitMaxMilliseconds: Int64 = 60_000
    /// How long a follower waits for the leader to answer a read it forwarded.
    public var forwardedReadWaitMilliseconds: Int64 = 5_000
    /// For the key-value store's duties: keys with a TTL the leader checks per step of its walk for expired keys (whole buckets
    /// of them, so a few more); the expired ones go in one `removeExpired` entry.
    public var expiryChecksPerRound = 2_048
    /// A snapshot is taken once the entries applied since the last one hold more bytes than
    /// this percentage of the last snapshot's size (the state as it serializes, which the
    /// store's own estimates overstate several times for small keys), and at least
    /// `snapshotLogBytesMin`: the cost of snapshots stays proportional to the writes, for small
    /// and large states alike, and the log on disk to a fraction of the state (the log in
    /// memory is bounded apart from it: `RaftConfiguration.appliedEntryBytesKept`).
    public var snapshotLogPercentOfState = 25
    public var snapshotLogBytesMin = 16 << 20
    /// How many entries of logs a snapshot replaced are freed at each tick
    /// (`GroupRuntime.releaseSomeDroppedEntries`): a few milliseconds of work at most.
    public var droppedEntriesFreedPerTick = 4096
    /// While clients of this node wait in a line (a blocked BLPOP, a lock wait), the runtime
    /// sends an entry of its session at least this often (`GroupStateMachine.sessionKeepAlive`),
    /// so that a node whose only clients are blocked is not taken for gone: far below the
    /// time after which the state forgets an idle session (10 minutes for the key-value store).
    public var sessionKeepAliveMilliseconds: Int64 = 60_000
    /// The node that should lead this group (`LeaderPlacement`, which spreads the leaders of
    /// many groups over the nodes); nil for none. A leader that is not it hands leadership
    /// over once that node holds the whole log, at most once per
    /// `leadershipHandoverRetryMilliseconds`.
    public var preferredLeader: NodeID?
    public var leadershipHandoverRetryMilliseconds: Int64 = 5_000
    /// A bug planted on purpose, so that the simulator proves it would catch it; nil in
    /// production.
    public var plantedBug: RuntimeMutation?

    public init(nodeID: NodeID) {
        self.nodeID = nodeID
    }
}

/// A clock reading as the shell gives it: the wall clock (Unix milliseconds, stamped on
/// entries and read against TTLs) and a monotonic clock (for waits that must not jump).
public struct GroupTime: Hashable, Sendable {
    public var wallMilliseconds: Int64
    public var monotonicMilliseconds: Int64

    public init(wallMilliseconds: Int64, monotonicMilliseconds: Int64) {
        self.wallMilliseconds = wallMilliseconds
        self.monotonicMilliseconds = monotonicMilliseconds
    }
}

/// Bugs the runtime can be built with, each one that the simulator must catch.
public enum RuntimeMutation: String, CaseIterable, Sendable {
    /// Messages (acknowledgements) leave before the disk write is durable.
    case acknowledgeBeforeFsync = "ack-before-fsync"
    /// Every hard-state-only change stays unsynced, a new term or vote included (only a new
    /// commit index may wait for the next sync).
    case skipHardStateSync = "skip-hard-state-sync"
    /// Reads are served from this replica's state at once, without a ReadIndex.
    case readWithoutReadIndex = "read-without-read-index"
    /// A write is answered when it is proposed, before it commits and applies.
    case replyBeforeApply = "reply-before-apply"
    /// A read waits for its ReadIndex only, not for the writes its connection sent before it.
    case dropSessionOrder = "drop-session-order"
    /// A follower forwards a connection's read while that connection's earlier writes still
    /// wait for their answer.
    case forwardReadsPastWrites = "forward-reads-past-writes"
    /// A follower installs the state decoded from the first piece of a snapshot the leader
    /// sent, not the whole one.
    case installHalfBuiltSnapshot = "install-half-built-snapshot"
    /// A leader handing leadership over serves its clients' reads at once, though their
    /// connections' earlier writes wait for the next leader (`routableLeader`).
    case readsPastHandover = "reads-past-handover"
}
