import SynodConsensus
import SynodCore

/// One consensus group with its state machine, as both the node and the simulator run it.
///
/// Pure: no I/O, no clock of its own, no threads. The shell feeds it events (a tick, a peer's
/// message, a client's request, a finished sync) and carries out the outputs it returns
/// (`takeOutputs`): persist, send, reply, compact. The runtime owns everything between: the
/// Ready cycle and its ordering rules, client requests with their identity and order, reads
/// through ReadIndex, and the leader's housekeeping (the entry that opens its term, and what
/// `State.Duties` propose: for the key-value store, sweeps, expiry and eviction). It is generic over the consensus protocol and
/// the state machine: the node and the simulator run it over Raft with the key-value store, and
/// another protocol or state machine runs the same code.
///
/// The Ready cycle: one Ready at a time is persisted; its messages go out once it is durable
/// (a leader's appends may go earlier, `Ready.messagesMayPrecedePersistence`), then its
/// entries are applied and the replica advanced. The shell decides when to take the next
/// Ready (`processReady`): inputs that arrive before then share one Ready, and so one sync.
public struct GroupRuntime<Replica: ConsensusReplica, State: GroupStateMachine, Observer: GroupObserver>
where Observer.State == State {
    public let group: GroupID
    public let settings: GroupSettings
    public internal(set) var replica: Replica
    public internal(set) var state: State
    public var observer: Observer
    /// This runtime's client session (`ClientSessions`): its clients' writes apply once
    /// however often they are sent. Chosen by the shell (random, or drawn from a seed), so
    /// that it never repeats across nodes and restarts.
    public let session: UInt64
    let clock: @Sendable () -> GroupTime
    var random: SeededGenerator
    /// Why the group stopped, once it has.
    public internal(set) var stoppedReason: String?
    var outputs: [GroupOutput<Replica.Message, State>] = []
    public internal(set) var statistics = GroupStatistics()

    /// The Ready being made durable, and whether its messages already went out.
    var persisting: (ready: Ready<Replica.Message>, messagesSent: Bool)?
    /// The leader as this runtime last knew it; when it changes, the requests sent to the old
    /// one go to the new one.
    var knownLeader: NodeID?
    /// When this leader may next try to hand leadership to the preferred node (monotonic
    /// milliseconds).
    var nextHandoverAttempt: Int64 = 0
    /// Requests of this node's clients wait because this leader hands leadership over
    /// (`resumeAfterHandover`).
    var requestsHeldForHandover = false
    /// Writes wait because the node they were sent to no longer leads or hands leadership
    /// over (`refused`); they are sent again at the next deadline check.
    var writesHeldAfterRefusal = false
    /// The term when the leader was last checked: reads wait only within one term.
    var knownTerm: Term
    /// The term this node, as leader, proposed its opening entry in
    /// (`GroupStateMachine.leaderOpeningEntry`).
    var openedTerm: Term?
    /// What this node proposes of its own accord as leader, and what it remembers to choose it.
    public internal(set) var duties = State.Duties()
    /// The bytes of the entries applied since the last snapshot (`compactIfDue`).
    var logBytesSinceSnapshot = 0
    /// Logs the replica let go when a snapshot replaced them, freed a piece at each tick
    /// (`releaseSomeDroppedEntries`).
    var droppedLogs: [[LogEntry]] = []
    /// The index of the snapshot the shell is writing (`takeSnapshot`), until it is written.
    public internal(set) var snapshotInProgress: LogIndex?
    /// The state being rebuilt from a snapshot the leader is sending, piece by piece
    /// (`receive`); it replaces `state` only when the snapshot is whole and installed.
    var incomingState: IncomingState?

    /// Request ids: writes of this session use them in their entries, so they must not
    /// repeat across nodes or restarts; the shell picks a random start.
    var nextRequestID: UInt64
    /// Writes of this node's clients whose answer is not known yet (GroupRuntime+Writes).
    var outstandingWrites: [UInt64: OutstandingWrite] = [:]
    /// How many of `outstandingWrites` each connection (origin) has: its forwarded reads wait
    /// behind them (`writesAhead`).
    var unansweredWrites: [UInt64: Int] = [:]
    /// The forwarded reads held until their connection's writes are answered, by origin.
    var readsHeldBehindWrites: [UInt64: [UInt64]] = [:]
    /// The local id of each outstanding write that carries a client's own identity.
    var localIDs: [RequestKey: UInt64] = [:]
    /// No request of this session below this is outstanding (`acknowledgedBelow()`).
    var lowestUnanswered: UInt64
    var nextDeadlineCheck: Int64 = 0
    /// Writes other nodes forwarded to this leader, until applied or lost.
    var servedWrites: [RequestKey: ServedWrite] = [:]
    /// The write this node proposed at each log index, while it waits: if a different entry
    /// is applied there, the copy was overwritten by another leader and can never commit.
    var proposedAt: [UInt64: RequestKey] = [:]
    /// How many of `proposedAt` each write has: while one is in the log, this leader proposes
    /// no other copy of it.
    var copiesInLog: [RequestKey: Int] = [:]
    /// Lock acquisitions and campaigns queued in a lock's line, by request id: a later entry
    /// grants them or ends their wait (`CoordinationEvent`).
    var pendingWaits: [UInt64: Recipient] = [:]
    /// The connection each of this node's clients in `pendingWaits` came from, so that its
    /// waits end when it goes (`abandonWaits`); entries of waits since settled go then too.
    var waitOrigins: [UInt64: UInt64] = [:]
    /// Requests of this session whose client went away before their reply (GroupRuntime+HeldReplies).
    var unreachedRequests: Set<UInt64> = []
    /// Held replies this node has decided on and not yet settled: true for delivered.
    var unsettledReplies: [RequestKey: Bool] = [:]
    /// The settlement on its way: its local id and the replies it carries.
    var settlementInFlight: (localID: UInt64, keys: [RequestKey])?
    /// When this runtime last sent a write of its own session (`keepSessionAlive`).
    var lastSessionWriteMilliseconds: Int64 = 0
    /// Connections that went away while writes of theirs were unanswered, until those are.
    var goneOrigins: Set<UInt64> = []
    /// The last index proposed for each connection, which its later reads wait for.
    var sessionOrder = SessionOrder()
    /// Reads waiting for their ReadIndex, then for the state machine to reach it.
    var pendingReads: [UInt64: PendingRead] = [:]
    /// The ids of `pendingReads` in the order they came (and so in id order), with ids of
    /// reads since answered left in until the next pass (`answerReads`).
    var pendingReadOrder: [UInt64] = []
    /// Reads that came since the last ReadIndex was asked: one is asked for all of them at
    /// the next `processReady` (`askReadIndex`), so that the reads taken in together share one
    /// heartbeat round instead of one each.
    var readsAwaitingIndex: [UInt64] = []
    /// The reads each ReadIndex asked for (by the context it was asked with), until its
    /// index arrives.
    var readIndexBatches: [UInt64: [UInt64]] = [:]
    /// Reads this follower forwarded to the leader, until answered.
    var forwardedReads: [UInt64: ForwardedRead] = [:]

    /// Who waits for a result.
    enum Recipient: Hashable {
        /// A client of this node, by the shell's ticket.
        case client(ticket: UInt64)
        /// A follower that forwarded the request with `requestID`.
        case follower(NodeID, requestID: UInt64)
        /// This runtime itself, which proposed the request for its own reasons
        /// (`abandonWaits`): the answer goes nowhere.
        case nobody

        var isClient: Bool {
            if case .client = self { true } else { false }
        }
    }

    /// Starts the group from its recovered replica and the state machine its snapshot holds.
    /// Throws when the snapshot does not hold the state at its own index.
    public init(
        group: GroupID,
        settings: GroupSettings,
        replica: Replica,
        snapshot: Snapshot,
        observer: Observer,
        session: UInt64,
        firstRequestID: UInt64,
        randomSeed: UInt64,
        clock: @escaping @Sendable () -> GroupTime
    ) throws {
        self.group = group
        self.settings = settings
        self.replica = replica
        self.observer = observer
        self.session = session
        self.clock = clock
        self.random = SeededGenerator(seed: randomSeed)
        self.nextRequestID = firstRequestID
        self.lowestUnanswered = firstRequestID
        self.knownTerm = replica.term
        self.state = try Self.restoredState(snapshot)
    }

    /// A snapshot being received, and the state decoded from its pieces so far.
    struct IncomingState {
        let index: LogIndex
        let term: Term
        var decoder = State.SnapshotDecoder()
        /// The state as decoded from the first piece alone: what the planted bug
        /// `installHalfBuiltSnapshot` installs.
        var fromFirstPiece: State?
    }

    /// The state machine a snapshot holds, checked to be the state at the snapshot's index.
    static func restoredState(_ snapshot: Snapshot) throws -> State {
        let state: State
        do {
            var decoder = State.SnapshotDecoder()
            try snapshot.data.forEachPiece { piece in try decoder.feed(piece) }
            state = try decoder.finish()
        } catch {
            throw RuntimeFailure(
                description: "snapshot \(snapshot.term)/\(snapshot.index) is undecodable: \(error)"
            )
        }
        try checkRestored(state, from: snapshot)
        return state
    }

    /// The state must be the one at the snapshot's index, or every later entry would apply
    /// to the wrong state (the store refuses to apply out of order).
    static func checkRestored(_ state: State, from snapshot: Snapshot) throws {
        guard state.appliedIndex == snapshot.index.rawValue else {
            throw RuntimeFailure(
                description: "snapshot \(snapshot.term)/\(snapshot.index) holds the state at index "
                    + "\(state.appliedIndex), not at its own"
            )
        }
    }

    public var isLeader: Bool { replica.isLeader }
    public var isStopped: Bool { stoppedReason != nil }
    /// Whether a Ready is being made durable.
    public var isPersisting: Bool { persisting != nil }

    /// The outputs of the events handled since the last call, in order.
    public mutating func takeOutputs() -> [GroupOutput<Replica.Message, State>] {
        guard !outputs.isEmpty else { return [] }
        defer { outputs = [] }
        return outputs
    }

    mutating func takeRequestID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    func now() -> GroupTime { clock() }

    // MARK: - Events

    /// `count` ticks of the consensus clock passed (the shell runs every tick that elapsed,
    /// so that after a pause an election timeout or the end of a lease is not postponed).
    public mutating func tick(_ count: Int = 1) {
        guard !isStopped, count > 0 else { return }
        replica.tick(count: count)
        noticeLeaderChange()
        endOverdueRequests()
        keepSessionAlive()
        settleHeldReplies()
        leaderHousekeeping()
        releaseSomeDroppedEntries()
    }

    /// A consensus message from `sender` in `term` has begun to arrive (untrusted, as the
    /// message is): the replica may count the sender as alive while its bytes keep coming.
    public mutating func messageArriving(from sender: NodeID, term: Term) {
        guard !isStopped else { return }
        replica.messageArriving(from: sender, term: term)
    }

    /// A consensus message from a peer (untrusted: the replica drops what no correct peer
    /// would send).
    public mutating func step(_ message: Replica.Message) {
        guard !isStopped else { return }
        replica.step(message)
    }

    /// The shell heard nothing from the node `peer` for a while (`PeerLiveness`): a
    /// hibernating follower of it wakes, and times it out as usual.
    public mutating func leaderSilent(_ peer: NodeID) {
        guard !isStopped else { return }
        replica.leaderSilent(peer)
    }

    /// Whether the group is idle and hibernates here (`RaftReplica+Hibernation`).
    public var isHibernating: Bool { replica.isHibernating }

    /// Nothing for the shell to do for this group until an input comes, but to tick it now and
    /// then: it hibernates, has no output, no Ready, nothing being made durable, no snapshot
    /// under way and no request of a client waiting. A shell with many groups passes a quiet
    /// one by in its rounds and ticks it once every `quietTicksPerRun` ticks, with all of them
    /// (its ticks only run its housekeeping: expiry, a handover, freeing; a hibernating
    /// replica counts nothing but its clock).
    public var isQuiet: Bool {
        replica.isHibernating && outputs.isEmpty && persisting == nil && !isStopped && outstandingWrites.isEmpty
            && pendingReads.isEmpty && forwardedReads.isEmpty && readsAwaitingIndex.isEmpty
            && incomingState == nil && snapshotInProgress == nil && !replica.hasReady
    }

    /// How many ticks a quiet group waits for, then gets at once (`isQuiet`).
    public static var quietTicksPerRun: Int { 10 }

    /// Proposes a membership change, as the leader.
    public mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(ProposalError) {
        try replica.proposeConfigurationChange(change)
    }

    /// Storage failed: nothing more is acknowledged, every waiting client gets an error, and
    /// the group stops (a failed fsync is never retried).
    public mutating func stop(because reason: String) {
        guard !isStopped else { return }
        stoppedReason = reason
        persisting = nil
        for write in outstandingWrites.values {
            for recipient in write.recipients {
                answer(recipient, Self.unanswered(write, "the node stopped (\(reason))"))
            }
        }
        let stopping = State.Reply.refusal(.stopping(reason))
        for read in pendingReads.values { answer(read.recipient, stopping) }
        for read in forwardedReads.values { answer(read.recipient, stopping) }
        for recipient in pendingWaits.values { answer(recipient, stopping) }
        pendingWaits = [:]
        outstandingWrites = [:]
        unansweredWrites = [:]
        readsHeldBehindWrites = [:]
        localIDs = [:]
        servedWrites = [:]
        proposedAt = [:]
        copiesInLog = [:]
        pendingReads = [:]
        pendingReadOrder = []
        readsAwaitingIndex = []
        readIndexBatches = [:]
        forwardedReads = [:]
        outputs.append(.stopped(reason: reason))
    }

    /// Sends `result` to whoever waits for it.
    mutating func answer(_ recipient: Recipient, _ result: State.Reply) {
        switch recipient {
        case .client(let ticket): outputs.append(.reply(ticket: ticket, result))
        case .nobody: break
        case .follower(let node, let requestID):
            outputs.append(.answerForwarded(.answered(result), requestID: requestID, to: node))
        }
    }

    /// When the leader changes (it died, lost an election, or a follower stopped hearing it
    /// for an election timeout): the reads and writes sent to another leader, and those held
    /// while none was known, go to the new one (`resend`).
    mutating func noticeLeaderChange() {
        let leader = replica.leader
        if leader != knownLeader {
            knownLeader = leader
            resend(to: leader)
        }
        // A leader that steps down within its term (check-quorum) has abandoned the reads
        // still waiting for their ReadIndex: they would wait forever. When the term changes,
        // every read of an older term ends: even one with its ReadIndex must also wait for
        // the writes its connection sent before it (`afterIndex`), which a new leader may
        // have overwritten, so that the index may never be applied. Reads change nothing:
        // TRYAGAIN is always honest for them.
        if !isLeader || replica.term != knownTerm {
            for id in pendingReads.keys.sorted() {
                let read = pendingReads[id]!
                guard read.term != replica.term || (!isLeader && read.readIndex == nil) else { continue }
                pendingReads[id] = nil
                answer(read.recipient, .refusal(.tryAgain("the leader changed; retry")))
            }
            // A ReadIndex whose reads have all ended is not waited for.
            readIndexBatches = readIndexBatches.filter { $0.value.contains { pendingReads[$0] != nil } }
        }
        guard replica.term != knownTerm else { return }
        knownTerm = replica.term
        duties.newTerm()
        openTermIfNewLeader()
    }

    /// The leader new writes go to: none while this leader hands leadership over (its
    /// replica takes no proposals until the transfer ends), so they wait and go to whichever
    /// node leads after it.
    var routableLeader: NodeID? {
        replica.transferTarget == nil ? replica.leader : nil
    }

    /// Why a request cannot be served here.
    func notLeaderRefusal() -> GroupRefusal {
        guard let leader = replica.leader else { return .tryAgain("no leader elected yet") }
        return .notLeader(leader, peerAddress: settings.peerAddresses[leader])
    }
}

/// The group cannot start or go on.
public struct RuntimeFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
}
