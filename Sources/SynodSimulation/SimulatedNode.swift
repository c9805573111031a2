import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodStorage

/// One simulated machine: its disk, and, while it is up, the storage on that disk, the Raft
/// replica and the driver state around it (state machine, pending client requests, a disk
/// write in progress).
struct SimulatedNode: Sendable {
    /// The consensus group the simulation runs (one; a node could host many).
    static let group = GroupID(1)
    static let dataDirectory = "/synod"

    let id: NodeID
    /// Bumped on every crash, so events scheduled for an earlier life are ignored.
    var incarnation = 0
    /// The model of what must be durable: every write whose sync completed. A restart
    /// recovers from the disk and is checked against it.
    var durable: PersistentState
    /// The node's disk while it is down (while it is up, it lives inside `storage`).
    var disk = InMemoryFileSystem()
    var storage: DurableStorage<InMemoryFileSystem>?
    /// The first index the write in progress at the last crash could replace (entries from
    /// there on may differ after recovery); nil if no write was in progress.
    var unsyncedFromIndex: LogIndex?
    var replica: RaftReplica?
    /// The real key-value state machine.
    var store = KeyValueStore()
    /// Checks the store's lock lines and grants against an independent model.
    var lockWaits = LockWaitChecker(store: KeyValueStore())
    /// Lock acquisitions waiting in line, by request id: the client to answer.
    var pendingWaits: [UInt64: Int] = [:]
    /// The term in which this node, as leader, last proposed `extendLeases`.
    var leaseExtensionTerm: Term?
    /// The index of the last `sweep` it proposed, while not yet applied.
    var sweepProposedAt: LogIndex?
    /// The Ready being persisted, if any; no new Ready is taken until it completes.
    var writeInProgress: Ready<RaftMessage>?
    /// Whether the messages of `writeInProgress` were sent when the write began.
    var messagesSentEarly = false
    /// Writes proposed here, by request id, waiting to be applied: the client to answer.
    var pendingWrites: [UInt64: Int] = [:]
    /// Reads waiting for their ReadIndex, then for the state machine to reach it.
    var pendingReads: [UInt64: PendingRead] = [:]
    /// This node's clock rate relative to true time, in parts per thousand (1000 = exact).
    var clockRatePerMille: Int
    /// Removed from the group by a membership change: it stays down for good.
    var decommissioned = false

    struct PendingRead: Sendable {
        let clientID: Int
        let key: [UInt8]
        var readIndex: LogIndex?
    }

    var isUp: Bool { replica != nil }

    /// This node's wall clock in Unix milliseconds, running at its drifting rate.
    func clockMilliseconds(atTrueMicroseconds now: UInt64) -> Int64 {
        1_700_000_000_000 + Int64(now * UInt64(clockRatePerMille) / 1_000_000)
    }

    init(id: NodeID, durable: PersistentState, clockRatePerMille: Int) {
        self.id = id
        self.durable = durable
        self.clockRatePerMille = clockRatePerMille
    }

    /// Records in the model what a completed write made durable.
    mutating func persist(_ ready: Ready<RaftMessage>) {
        if let snapshot = ready.snapshot {
            // As RaftLog does: the entries after the snapshot stay only if the log holds its
            // last entry; otherwise the snapshot replaces the whole log.
            let holdsLastEntry = durable.entries.contains { $0.index == snapshot.index && $0.term == snapshot.term }
            durable.snapshot = snapshot
            durable.entries.removeAll { !holdsLastEntry || $0.index <= snapshot.index }
        }
        if let first = ready.entriesToPersist.first {
            durable.entries.removeAll { $0.index >= first.index }
            durable.entries += ready.entriesToPersist
        }
        if let hardState = ready.hardState { durable.hardState = hardState }
    }

    /// The machine stops: what the disk keeps is decided by `disk.crash`, by the caller.
    mutating func crash() {
        incarnation += 1
        replica = nil
        writeInProgress = nil
        pendingWrites = [:]
        pendingReads = [:]
        pendingWaits = [:]
    }
}
