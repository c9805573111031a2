import SynodConsensus
import SynodCore
import SynodRaft

/// One simulated machine: its durable disk, and, while it is up, the Raft replica and the
/// driver state around it (state machine, pending client requests, a disk write in progress).
struct SimulatedNode: Sendable {
    let id: NodeID
    /// Bumped on every crash, so events scheduled for an earlier life are ignored.
    var incarnation = 0
    /// Everything fsynced: what a restart starts from.
    var durable: PersistentState
    var replica: RaftReplica?
    var store = SimulatedKeyValueStore()
    /// The Ready being persisted, if any; no new Ready is taken until it completes.
    var writeInProgress: Ready<RaftMessage>?
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
        let key: UInt8
        var readIndex: LogIndex?
    }

    var isUp: Bool { replica != nil }

    init(id: NodeID, durable: PersistentState, clockRatePerMille: Int) {
        self.id = id
        self.durable = durable
        self.clockRatePerMille = clockRatePerMille
    }

    /// Records what a completed write made durable.
    mutating func persist(_ ready: Ready<RaftMessage>, forgetVote: Bool) {
        if let snapshot = ready.snapshot {
            durable.snapshot = snapshot
            durable.entries.removeAll { $0.index <= snapshot.index }
        }
        if let first = ready.entriesToPersist.first {
            durable.entries.removeAll { $0.index >= first.index }
            durable.entries += ready.entriesToPersist
        }
        if var hardState = ready.hardState {
            if forgetVote { hardState.votedFor = nil }
            durable.hardState = hardState
        }
    }

    /// A crash during a write: what reached the disk is a prefix of the write (the snapshot,
    /// then the first `keptEntries` entries, then the hard state only if everything before it
    /// made it).
    mutating func persistPartially(_ ready: Ready<RaftMessage>, keptEntries: Int, keepHardState: Bool) {
        var partial = Ready<RaftMessage>(snapshot: ready.snapshot)
        partial.entriesToPersist = Array(ready.entriesToPersist.prefix(keptEntries))
        if keptEntries == ready.entriesToPersist.count && keepHardState { partial.hardState = ready.hardState }
        persist(partial, forgetVote: false)
    }

    mutating func crash() {
        incarnation += 1
        replica = nil
        writeInProgress = nil
        pendingWrites = [:]
        pendingReads = [:]
    }
}
