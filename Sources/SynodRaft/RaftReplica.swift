import SynodConsensus
import SynodCore

/// One replica of a Raft group: a pure state machine driven by `tick`, `step` and proposals,
/// whose output the driver collects with `ready()`.
public struct RaftReplica: ConsensusReplica {
    public typealias Message = RaftMessage

    /// What this replica is doing in the current term.
    public enum Role: Hashable, Sendable, CustomStringConvertible {
        case follower(leader: NodeID?)
        case preCandidate
        case candidate
        case leader

        /// The role alone, without the follower's leader: `follower`, `pre-candidate`,
        /// `candidate` or `leader` (what INFO and status reports print).
        public var name: String {
            switch self {
            case .follower: "follower"
            case .preCandidate: "pre-candidate"
            case .candidate: "candidate"
            case .leader: "leader"
            }
        }

        public var description: String {
            switch self {
            case .follower(let leader): "follower(leader: \(leader.map(\.description) ?? "none"))"
            case .preCandidate: "pre-candidate"
            case .candidate: "candidate"
            case .leader: "leader"
            }
        }
    }

    public let id: NodeID
    let settings: RaftConfiguration
    var random: SeededGenerator

    public internal(set) var role: Role = .follower(leader: nil)
    /// Invariant: never decreases, and never passes `Term.acceptedMax`.
    public internal(set) var term: Term
    /// Invariant: set at most once per term.
    public internal(set) var votedFor: NodeID?
    var log: RaftLog
    /// The membership from the snapshot and every committed configuration entry.
    public internal(set) var membership: Membership
    /// The index of the newest configuration entry in the log (committed or not).
    var pendingConfigurationIndex: LogIndex = .zero

    var electionElapsedTicks = 0
    var heartbeatElapsedTicks = 0
    /// Leader only: check-quorum already ran in the current run of ticks (`tick(count:)`).
    var quorumCheckedInTickRun = false
    var randomizedElectionTimeoutTicks = 0
    /// Not a leader: a run of ticks after a pause reached the election timeout and was held
    /// one tick short of it (see `tick(count:)`). Cleared once the timer is reset.
    var electionHeldAfterPause = false
    /// Ticks since this replica started; leases are measured on it.
    var logicalTick: UInt64 = 0
    /// The group is idle: a leader sends no heartbeats, a follower counts no election
    /// timeout (`RaftReplica+Hibernation`).
    var hibernating = false
    /// Leader only: ticks in a row the group has been idle.
    var idleTicks = 0
    /// Leader only: answers to heartbeats sent before this tick do not count for the lease
    /// (those sent before the leader last hibernated, or in the tick it did).
    var leaseFloorTick: UInt64 = 0

    /// The tally of the current (pre-)election.
    var votes = VoteTally()
    /// Leader only: replication progress of every member except this one.
    var progress: [NodeID: Progress] = [:]
    /// Leader only: bytes proposed and not yet committed.
    var uncommittedBytes = 0
    /// Leader only: the member leadership is being handed to, and ticks since it started.
    var transfer: (target: NodeID, elapsedTicks: Int)?
    /// Leader only: reads waiting for leadership confirmation.
    var readRequests = ReadRequestQueue()
    /// Leader only: set once this leader sent TimeoutNow in its term. The target may then be
    /// elected at once, overriding the followers' leases, so lease reads stop for good.
    var leaseRevoked = false

    /// Follower only: the snapshot being received in chunks, and how many of its bytes came.
    /// The bytes themselves go to the driver (`snapshotTransfer`).
    var incomingSnapshot: (index: LogIndex, term: Term, receivedBytes: Int)?
    /// What arrived of snapshots since the last Ready, for the driver to keep.
    var snapshotTransfer: [SnapshotTransferStep] = []

    /// Messages refused by `step` as forged, corrupted or misrouted (see `RaftReplica+Admission`).
    public internal(set) var droppedMessages = DroppedMessageCounts()
    /// Snapshot chunks that could not be read from where the snapshot is kept (its file).
    public internal(set) var snapshotReadFailures: UInt64 = 0

    /// Leader only: offloaded entries read back from storage for followers behind the log in
    /// memory (see `RaftReplica+Offload`).
    var loadedEntries: [LogEntry] = []
    /// A read back from storage asked for and not yet handed to the driver.
    var entriesToLoad: EntryLoad?
    /// A read back was handed to the driver and not yet answered; asked at that tick.
    var entryLoadInFlight = false
    var entryLoadAskedAtTick: UInt64 = 0

    var outbox: [RaftMessage] = []
    /// Entries were proposed since the last Ready: they go to the followers when it is taken
    /// (`sendProposedEntries`).
    var appendsUnsent = false
    var readStates: [ReadState] = []
    /// The hard state last handed to the driver.
    var handedOutHardState: HardState
    /// The commit index when the last batch was handed out: every entry it covers is durable
    /// here (see `takeWorkIndependentOfSync`).
    var durableCommitIndex: LogIndex

    /// Starts a replica from what it persisted: `PersistentState.bootstrap(voters:)` for a
    /// founding member of a new group, `.joining` for a machine joining an existing one.
    public init(configuration: RaftConfiguration, state: PersistentState) throws(RaftConfigurationError) {
        try configuration.validate()
        try Self.check(state)
        id = configuration.id
        settings = configuration
        random = SeededGenerator(seed: configuration.randomSeed)
        term = state.hardState.term
        votedFor = state.hardState.votedFor
        log = RaftLog(snapshot: state.snapshot, entries: state.entries, committedIndex: state.hardState.commit)
        log.lastTermForgetsOffloaded = configuration.plantedBug == .lastTermForgetsOffloaded
        membership = state.snapshot.membership
        handedOutHardState = state.hardState
        durableCommitIndex = state.hardState.commit
        pendingConfigurationIndex = state.snapshot.index
        for entry in state.entries {
            guard case .configurationChange(let change) = entry.payload else { continue }
            pendingConfigurationIndex = entry.index
            if entry.index <= log.committedIndex { membership = membership.applying(change) }
        }
        resetRandomizedElectionTimeout()
    }

    /// Refuses a persisted state this replica could not run from without trapping later:
    /// bytes from a disk are checked like bytes from a peer.
    static func check(_ state: PersistentState) throws(RaftConfigurationError) {
        // A term this high was adopted from a forged message before terms were bounded: the
        // replica could not campaign from it, and no peer would accept its messages.
        guard state.hardState.term <= Term.acceptedMax else {
            throw .invalid("persisted term \(state.hardState.term) is above the limit \(Term.acceptedMax)")
        }
        guard state.snapshot.index <= .acceptedMax else {
            throw .invalid(
                "persisted snapshot index \(state.snapshot.index) is above the limit \(LogIndex.acceptedMax)"
            )
        }
        var lastIndex = state.snapshot.index
        for entry in state.entries {
            guard lastIndex < .acceptedMax, entry.index == lastIndex.next else {
                throw .invalid("persisted entry \(entry.index) does not follow \(lastIndex)")
            }
            lastIndex = entry.index
        }
        guard state.hardState.commit <= lastIndex else {
            throw .invalid("persisted commit \(state.hardState.commit) is past the last entry \(lastIndex)")
        }
    }

    // MARK: - Observers

    public var isLeader: Bool { role == .leader }

    public var leader: NodeID? {
        switch role {
        case .follower(let leader): leader
        case .leader: id
        case .preCandidate, .candidate: nil
        }
    }

    public var hardState: HardState { HardState(term: term, votedFor: votedFor, commit: log.committedIndex) }
    public var commitIndex: LogIndex { log.committedIndex }
    public var lastIndex: LogIndex { log.lastIndex }
    public var lastTerm: Term { log.lastTerm }
    public var appliedIndex: LogIndex { log.appliedIndex }
    public var snapshotIndex: LogIndex { log.snapshotIndex }

    /// The term of the entry at `index`, when it is in the log.
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }

    /// The entries in memory from `start` to the end of the log (for checkers and tests).
    public func entries(from start: LogIndex) -> [LogEntry] {
        guard start <= log.lastIndex else { return [] }
        return log.entries(from: max(start, log.residentFirstIndex), through: log.lastIndex, bytesMax: .max)
    }

    /// Leader only: the acknowledged match index of `member`.
    public func matchIndex(of member: NodeID) -> LogIndex? {
        member == id ? log.lastIndex : progress[member]?.match
    }

    var isVoter: Bool { membership.voters.contains(id) }

    // MARK: - Driver interface

    public mutating func tick() {
        tick(count: 1)
    }

    /// Ticks that elapsed together count in full (elections and leases must see the time
    /// that passed), except that nothing could arrive between them, so what was sent during
    /// the pause is still waiting to be read:
    /// - a leader checks its quorum at most once in them: a second check in the same run would
    ///   count the pause against followers whose answers are waiting, and depose a leader no
    ///   one else replaced. A leader that truly hears no one steps down at the next check.
    /// - a replica whose election timeout passes in them holds its election one tick short of
    ///   it, once: the leader's heartbeats of the pause are read first, and if none came the
    ///   next run starts the election (`electionHeldAfterPause`). It only waits longer, so
    ///   its lease on the leader (what its vote depends on) still sees all the time passed.
    public mutating func tick(count: Int) {
        precondition(count >= 0, "\(count) ticks")
        quorumCheckedInTickRun = false
        if electionElapsedTicks < randomizedElectionTimeoutTicks - 1 { electionHeldAfterPause = false }
        let holdsElection = count > 1 && !electionHeldAfterPause
        for _ in 0..<count {
            logicalTick += 1
            guard !hibernating else { continue }
            switch role {
            case .leader: tickLeader()
            case .follower, .preCandidate, .candidate: tickElection(holdingAtTimeout: holdsElection)
            }
        }
    }

    /// Handles a message from a peer. A message no correct peer would send is dropped and
    /// counted in `droppedMessages`; whatever its fields, it never traps.
    public mutating func step(_ message: RaftMessage) {
        if let reason = admissionFailure(of: message) {
            drop(reason)
            return
        }
        if hibernating, message.body.isCampaigning { wake() }
        guard acceptTerm(of: message) else { return }
        switch role {
        case .leader: stepLeader(message)
        case .candidate, .preCandidate: stepCandidate(message)
        case .follower: stepFollower(message)
        }
    }

    /// Starts an election now, as if the election timeout had passed.
    public mutating func campaign() {
        wake()
        guard case .leader = role else {
            startElection(preVote: settings.preVote, leadershipTransfer: false)
            return
        }
    }

    mutating func send(_ body: RaftMessage.Body, to destination: NodeID, term messageTerm: Term? = nil) {
        precondition(destination != id, "a replica does not message itself")
        if case .timeoutNow = body { leaseRevoked = true }
        outbox.append(RaftMessage(from: id, to: destination, term: messageTerm ?? term, body: body))
    }

    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeoutTicks =
            settings.electionTimeoutTicks + random.nextIndex(below: settings.electionTimeoutTicks)
    }
}
