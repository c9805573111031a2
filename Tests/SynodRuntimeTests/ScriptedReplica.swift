import SynodConsensus
import SynodCore

/// A consensus replica whose every answer the test decides: which node leads, which Readys
/// come. It shows the runtime depends on the `ConsensusReplica` contract only, and lets a
/// test put the runtime in states a real protocol reaches only under rare schedules.
struct ScriptedReplica: ConsensusReplica {
    struct Message: Hashable, Sendable {
        let to: NodeID
        let text: String
    }

    let id: NodeID
    var leader: NodeID?
    var term = Term(1)
    var commitIndex = LogIndex(0)
    var lastIndex = LogIndex(0)
    var snapshotIndex = LogIndex(0)
    var snapshotByteCount = 0
    var membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
    /// Commands proposed, in order.
    var proposed: [[UInt8]] = []
    /// Read contexts asked for.
    var readContexts: [UInt64] = []
    /// The Readys the test queued, handed out in order.
    var readys: [Ready<Message>] = []
    var advanced = 0

    init(id: NodeID, leader: NodeID?) {
        self.id = id
        self.leader = leader
    }

    var isLeader: Bool { leader == id }

    mutating func tick() {}
    mutating func step(_ message: Message) {}

    mutating func propose(_ command: [UInt8]) throws(ProposalError) {
        guard isLeader else { throw .notLeader(leader: leader) }
        proposed.append(command)
        lastIndex = LogIndex(lastIndex.rawValue + 1)
    }

    mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(ProposalError) {
        throw .invalidConfigurationChange("scripted")
    }

    mutating func readIndex(context: UInt64) throws(ProposalError) {
        guard isLeader else { throw .notLeader(leader: leader) }
        readContexts.append(context)
    }

    var hasReady: Bool { !readys.isEmpty }

    mutating func ready() -> Ready<Message> { readys.removeFirst() }

    mutating func advance(_ ready: Ready<Message>) { advanced += 1 }

    /// What the next `takeWorkIndependentOfSync` hands out, and how many times it was asked.
    var independentWork = SyncIndependentWork<Message>()
    var independentWorkTaken = 0
    mutating func takeWorkIndependentOfSync() -> SyncIndependentWork<Message> {
        independentWorkTaken += 1
        defer { independentWork = SyncIndependentWork() }
        return independentWork
    }

    func term(at index: LogIndex) -> Term? { index <= lastIndex ? term : nil }

    func snapshotMembership(at applied: LogIndex) -> Membership? { membership }

    /// What the next `snapshotTaken` says it let go of the log.
    var logDroppedBySnapshot: [LogEntry] = []
    mutating func snapshotTaken(_ snapshot: Snapshot) -> [[LogEntry]] {
        snapshotIndex = snapshot.index
        snapshotByteCount = snapshot.data.count
        defer { logDroppedBySnapshot = [] }
        return logDroppedBySnapshot.isEmpty ? [] : [logDroppedBySnapshot]
    }
    /// The snapshots the runtime said were stored.
    var storedSnapshots: [Snapshot] = []
    mutating func snapshotStored(_ snapshot: Snapshot) { storedSnapshots.append(snapshot) }
}
