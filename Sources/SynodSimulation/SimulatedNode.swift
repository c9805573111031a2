import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodRuntime
import SynodStorage

/// One simulated machine: its disk, and, while it is up, the storage on that disk shared by
/// the groups it hosts (one write-ahead log, as on a node), and each group's replica.
struct SimulatedNode {
    static let dataDirectory = "/synod"

    typealias Runtime = GroupRuntime<RaftReplica, KeyValueStore, SimulationObserver>

    let id: NodeID
    /// Bumped on every crash, so events scheduled for an earlier life are ignored.
    var incarnation = 0
    /// The node's disk while it is down (while it is up, it lives inside `storage`).
    var disk = InMemoryFileSystem()
    var storage: DurableStorage<InMemoryFileSystem>?
    /// This machine's replica of each group, by shard (group id: shard + 1).
    var shards: [SimulatedReplica]
    /// A disk write is under way: the replicas whose write it carries are `syncing`; a write
    /// staged meanwhile waits for the next one (group commit, as the node's log does).
    var diskBusy = false
    /// This node's clock rate relative to true time, in parts per thousand (1000 = exact).
    var clockRatePerMille: Int
    /// Removed from the group by a membership change: it stays down for good.
    var decommissioned = false
    /// When this node last heard from each peer (a new one at each boot, as a process has).
    var liveness = PeerLiveness(silenceMilliseconds: 1)
    /// When this node next tells its peers it is alive, by its clock.
    var nextPingMilliseconds: Int64 = 0

    /// This node's monotonic clock in milliseconds, as its runtimes read it.
    func monotonicMilliseconds(atTrueMicroseconds now: UInt64) -> Int64 {
        Self.monotonicMilliseconds(atTrueMicroseconds: now, ratePerMille: Int64(clockRatePerMille))
    }

    /// A monotonic clock running at `ratePerMille` of true time, in milliseconds.
    static func monotonicMilliseconds(atTrueMicroseconds now: UInt64, ratePerMille: Int64) -> Int64 {
        Int64(now) * ratePerMille / 1_000_000
    }

    var isUp: Bool { shards[0].runtime != nil }
    /// Its replica of `shard`'s group, while the node is up.
    func replica(_ shard: Int) -> RaftReplica? { shards[shard].runtime?.replica }
    /// Its state machine of `shard`'s group (empty while the node is down).
    func store(_ shard: Int) -> KeyValueStore { shards[shard].runtime?.state ?? KeyValueStore() }

    /// This node's wall clock in Unix milliseconds, running at its drifting rate.
    func clockMilliseconds(atTrueMicroseconds now: UInt64) -> Int64 {
        1_700_000_000_000 + Int64(now * UInt64(clockRatePerMille) / 1_000_000)
    }

    init(id: NodeID, durable: PersistentState, shardCount: Int, clockRatePerMille: Int) {
        self.id = id
        self.shards = Array(repeating: SimulatedReplica(durable: durable), count: shardCount)
        self.clockRatePerMille = clockRatePerMille
    }

    /// The group a shard is.
    static func group(_ shard: Int) -> GroupID { GroupID(UInt64(shard) + 1) }

    /// The machine stops: what the disk keeps is decided by `disk.crash`, by the caller.
    mutating func crash() {
        incarnation += 1
        diskBusy = false
        for shard in shards.indices {
            shards[shard].ticksOwed = 0
            shards[shard].runtime = nil
            shards[shard].writeInProgress = nil
            shards[shard].storedSnapshotInProgress = nil
            shards[shard].syncing = false
        }
    }
}

/// A machine's replica of one group: the model of what it made durable, and, while the
/// machine is up, the group runtime (the node's own: replica, state machine, client
/// requests, housekeeping).
struct SimulatedReplica {
    /// The model of what must be durable: every write whose sync completed. A restart
    /// recovers from the disk and is checked against it.
    var durable: PersistentState
    /// The first index the write in progress at the last crash could replace (entries from
    /// there on may differ after recovery); nil if no write was in progress.
    var unsyncedFromIndex: LogIndex?
    /// The runtime while the node is up. Changing it first gives it the ticks it is owed, as a
    /// node does (`HostedGroups`): an input finds it at the time it came.
    var runtime: SimulatedNode.Runtime? {
        _read { yield storedRuntime }
        _modify {
            quiet = false
            if ticksOwed > 0, storedRuntime != nil, !plantedTicksAfterWake {
                let owed = ticksOwed
                ticksOwed = 0
                storedRuntime!.tick(owed)
            }
            yield &storedRuntime
        }
    }
    private var storedRuntime: SimulatedNode.Runtime?
    /// The write being made durable, if any; the runtime takes no Ready until it completes.
    var writeInProgress: Persistence?
    /// The snapshot the write in progress installed, as its file holds it (the one in
    /// `writeInProgress` was received in pieces and is not readable).
    var storedSnapshotInProgress: Snapshot?
    /// `writeInProgress` is in the disk write under way (else it waits for the next).
    var syncing = false
    /// Whether the replica hibernated when last observed (for the statistics).
    var wasHibernating = false
    /// Ticks the runtime has not been given while it was quiet (`GroupRuntime.isQuiet`).
    var ticksOwed = 0
    /// The runtime was found quiet after its last input and has not changed since, as a node
    /// marks it (`HostedGroups`): its ticks wait for a run without asking it again.
    private(set) var quiet = false

    /// Marks the runtime quiet or not, as it is now (without changing it).
    mutating func noteQuiet() { quiet = storedRuntime?.isQuiet ?? false }
    /// The planted bug `ticks-after-wake`: owed ticks wait for the next run of ticks.
    var plantedTicksAfterWake = false

    init(durable: PersistentState) {
        self.durable = durable
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
