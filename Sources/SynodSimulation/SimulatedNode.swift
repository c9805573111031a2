import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodRuntime
import SynodStorage

/// One simulated machine: its disk, and, while it is up, the storage on that disk and the
/// group runtime (the node's own: replica, state machine, client requests, housekeeping).
struct SimulatedNode {
    /// The consensus group the simulation runs (one; a node could host many).
    static let group = GroupID(1)
    static let dataDirectory = "/synod"

    typealias Runtime = GroupRuntime<RaftReplica, KeyValueStore, SimulationObserver>

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
    /// The runtime while the node is up.
    var runtime: Runtime?
    /// The write being made durable, if any; the runtime takes no Ready until it completes.
    var writeInProgress: Persistence?
    /// The snapshot the write in progress installed, as its file holds it (the one in
    /// `writeInProgress` was received in pieces and is not readable).
    var storedSnapshotInProgress: Snapshot?
    /// This node's clock rate relative to true time, in parts per thousand (1000 = exact).
    var clockRatePerMille: Int
    /// Removed from the group by a membership change: it stays down for good.
    var decommissioned = false

    var isUp: Bool { runtime != nil }
    var replica: RaftReplica? { runtime?.replica }
    /// The state machine (empty while the node is down).
    var store: KeyValueStore { runtime?.state ?? KeyValueStore() }

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
    mutating func persist(_ write: Persistence, storedSnapshot: Snapshot?) {
        if let snapshot = storedSnapshot ?? write.snapshot {
            // As RaftLog does: the entries after the snapshot stay only if the log holds its
            // last entry; otherwise the snapshot replaces the whole log.
            let holdsLastEntry = durable.entries.contains { $0.index == snapshot.index && $0.term == snapshot.term }
            durable.snapshot = snapshot
            durable.entries.removeAll { !holdsLastEntry || $0.index <= snapshot.index }
        }
        if let first = write.entries.first {
            durable.entries.removeAll { $0.index >= first.index }
            durable.entries += write.entries
        }
        if let hardState = write.hardState { durable.hardState = hardState }
    }

    /// The machine stops: what the disk keeps is decided by `disk.crash`, by the caller.
    mutating func crash() {
        incarnation += 1
        runtime = nil
        writeInProgress = nil
        storedSnapshotInProgress = nil
    }
}

/// What the simulation checks as each entry is applied: the lock lines against an
/// independent model (`LockWaitChecker`), and every applied entry against the other nodes'
/// (collected here, handed to the checker after each event).
struct SimulationObserver: GroupObserver {
    var lockWaits = LockWaitChecker(store: KeyValueStore())
    var applied: [LogEntry] = []
    var violations: [String] = []
    var snapshotsInstalled = 0

    mutating func applied(
        _ entry: LogEntry,
        _ command: KeyValueEntry?,
        _ report: KeyValueStore.Applied?,
        state: KeyValueStore
    ) {
        applied.append(entry)
        guard let command, let report, let violation = lockWaits.observe(command, report, store: state) else { return }
        violations.append("at \(entry.index): \(violation)")
    }

    mutating func restored(_ state: KeyValueStore) {
        lockWaits = LockWaitChecker(store: state)
        snapshotsInstalled += 1
    }
}

/// The simulation's true time, read by every node's runtime through its own drifting clock.
/// A reference, because the runtimes' clocks must see the simulator's time as it advances.
final class SimulatedTime: @unchecked Sendable {
    // @unchecked Sendable: a simulation runs on one thread.
    var microseconds: UInt64 = 0
}
