import NIOCore
import NIOPosix
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPOSIXStorage
import SynodPeerProtocol
import SynodRaft
import SynodStorage

/// The node's consensus group, its storage and its state machine, and the Ready loop that
/// ties them together.
///
/// Everything here runs on one event loop (`loop`): every entry point asserts it, and
/// callers on other threads go through `loop.execute` / `loop.submit`. One Ready at a time is
/// persisted (stage, one fdatasync), then its messages are sent and its entries applied; the
/// requests that arrive during a sync are handled together in the next round, which is where
/// group commit comes from.
final class NodeDriver: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is confined to `loop` (checked by preconditions).
    static let group = GroupID(1)

    let loop: EventLoop
    let configuration: NodeConfiguration
    var replica: RaftReplica
    var storage: DurableStorage<POSIXFileSystem>
    var store: KeyValueStore
    /// Sends a message to a peer (never blocks; the transport queues or drops).
    var send: @Sendable (RaftMessage) -> Void = { _ in }
    /// Sends an encoded frame (a forwarded request or its result) to a peer.
    var sendFrame: @Sendable ([UInt8], NodeID) -> Void = { _, _ in }
    /// Reads this follower forwards to the leader, until answered (NodeDriver+Requests).
    var pendingForwards: [UInt64: ForwardedRead] = [:]
    /// Called once when storage fails: the node must stop.
    var onFatalError: @Sendable (String) -> Void = { _ in }

    let metrics = NodeMetrics()
    /// Whether this node led at the end of the last Ready (to count elections won).
    var ledLastRound = false
    /// The leader as this node last knew it; when it changes, requests forwarded to the old
    /// one are answered TRYAGAIN at once instead of waiting for their timeout.
    var knownLeader: NodeID?
    /// The term when the leader was last checked: reads wait only within one term.
    var knownTerm = Term(0)
    /// Request ids go into log entries, so they must not repeat across nodes or restarts: an
    /// entry proposed before a crash or by another leader must never answer a new request.
    /// A random start in 2^62 makes a collision within the requests waiting negligible.
    var nextRequestID = UInt64.random(in: 1...(1 << 62))
    /// This process's client session (`ClientSessions`): its writes apply once however often
    /// they are sent.
    let session = UInt64.random(in: 1...UInt64.max)
    /// Writes of this node's clients whose answer is not known yet (see NodeDriver+Writes).
    var outstandingWrites: [UInt64: OutstandingWrite] = [:]
    /// No request below this is outstanding (`acknowledgedBelow()` moves it up).
    var lowestUnanswered: UInt64 = 0
    var nextWriteDeadlineCheck = NIODeadline.now()
    /// Writes other nodes forwarded to this leader, until applied or lost.
    var servedWrites: [RequestKey: ServedWrite] = [:]
    /// The write this node proposed at each log index, while it waits: if a different entry
    /// is applied there, the copy was overwritten by another leader and can never commit.
    var proposedAt: [UInt64: RequestKey] = [:]
    /// Lock acquisitions and campaigns queued in a lock's line, by request id: a later entry
    /// grants them or ends their wait (`CoordinationEvent`).
    var pendingWaits: [UInt64: EventLoopPromise<KeyValueResult>] = [:]
    /// Watches of keys and prefixes, fed by every applied entry.
    let watches: WatchHub
    let pubsub = PubSubHub()
    /// CLIENT TRACKING of this node's clients.
    let tracking = TrackingHub()
    /// Key use, for choosing what to evict over maxmemory.
    let evictions = EvictionTracker()
    /// The index of the last `evict` entry this leader proposed, while not yet applied.
    var evictionProposedAt: LogIndex?
    /// Which applied changes are published as keyspace notifications (CONFIG SET
    /// notify-keyspace-events on this node).
    var keyspaceEvents = KeyspaceEvents()
    /// The term in which this node, as leader, proposed `extendLeases`.
    var leasesExtendedInTerm: Term?
    /// The log index of the last `sweep` this leader proposed: one at a time.
    var sweepProposedAt: LogIndex?
    /// Reads waiting for their ReadIndex, then for the state machine to reach it.
    var pendingReads: [UInt64: PendingRead] = [:]
    var lastTickTime = NIODeadline.now()
    var stopped = false
    /// A `processReady` is queued on the loop: inputs that arrive before it runs share its
    /// Ready, and so its one fdatasync (group commit).
    var readyProcessingQueued = false
    /// Runs the fdatasyncs, so that the loop is not blocked while the disk works.
    let syncThreads: NIOThreadPool
    /// The sync whose fdatasync is running; no Ready is taken until it is done.
    var syncInProgress: WriteAheadLog<POSIXFileSystem>.PendingSync?
    var syncWaiters: [EventLoopPromise<Void>] = []
    /// Results for clients, delivered at the end of the current round.
    var repliesToDeliver: [(EventLoopPromise<KeyValueResult>, KeyValueResult)] = []

    struct PendingRead {
        let command: ReadCommand
        let promise: EventLoopPromise<KeyValueResult>
        /// The term the read was asked in; its ReadIndex can only come in that term.
        let term: Term
        /// The last index proposed here when the read arrived: every earlier write of the
        /// read's connection is at or below it (a follower forwards a connection's requests in
        /// order), so serving no earlier keeps each connection's commands in order.
        let afterIndex: LogIndex
        var readIndex: LogIndex?
    }

    init(configuration: NodeConfiguration, loop: EventLoop, syncThreads: NIOThreadPool) throws {
        self.configuration = configuration
        self.loop = loop
        self.syncThreads = syncThreads
        var (storage, recovered) = try DurableStorage.open(
            directory: configuration.dataDirectory,
            files: POSIXFileSystem()
        )
        var state = recovered[Self.group] ?? .joining
        if recovered[Self.group] == nil {
            // First start: the founding members' membership, as committed term-1 entries.
            state = .bootstrap(voters: Set(configuration.initialCluster.keys))
            try storage.stage(group: Self.group, hardState: state.hardState, snapshot: nil, entries: state.entries)
            try storage.sync()
        }
        var raftConfiguration = RaftConfiguration(
            id: configuration.nodeID,
            randomSeed: UInt64.random(in: 1...UInt64.max)
        )
        raftConfiguration.electionTimeoutTicks = configuration.electionTimeoutTicks
        raftConfiguration.heartbeatIntervalTicks = configuration.heartbeatIntervalTicks
        self.replica = try RaftReplica(configuration: raftConfiguration, state: state)
        self.storage = storage
        self.store = try KeyValueStore(snapshotBytes: state.snapshot.data)
        guard store.appliedIndex == state.snapshot.index.rawValue else {
            throw SynodNodeService.Failure(
                description: "the snapshot at \(state.snapshot.index.rawValue) in \(configuration.dataDirectory) "
                    + "holds the state at index \(store.appliedIndex), not at its own"
            )
        }
        self.watches = WatchHub(startingAfter: store.revision, keptChangesMax: configuration.watchHistoryChanges)
        lowestUnanswered = nextRequestID
    }

    var isLeader: Bool { replica.role == .leader }

    /// Wall-clock Unix milliseconds: the stamp a leader puts on the entries it proposes.
    static func wallClockMilliseconds() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000) &+ bootWallClockOffsetMilliseconds
    }

    /// Wall-clock time minus the monotonic clock at start, so stamps follow the wall clock but
    /// never jump with it.
    static let bootWallClockOffsetMilliseconds: Int64 = {
        let wall = Int64(systemWallClockMilliseconds())
        return wall - Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }()

    // MARK: - Time

    /// Runs the ticks that elapsed since the last one, all of them: after a pause (GC, SIGSTOP,
    /// an overloaded machine) the replica must see the time that passed, so that an election
    /// timeout or the end of a lease is not silently postponed.
    func tick() {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return }
        let now = NIODeadline.now()
        let interval = Int64(configuration.tickMilliseconds) * 1_000_000
        let elapsed = Int64(now.uptimeNanoseconds) - Int64(lastTickTime.uptimeNanoseconds)
        let ticks = max(0, min(elapsed / interval, Int64(4 * configuration.electionTimeoutTicks)))
        guard ticks > 0 else { return }
        lastTickTime = now
        for _ in 0..<ticks { replica.tick() }
        noticeLeaderChange()
        endOverdueWrites(now: now)
        proposeExpiredKeyRemoval()
        proposeSweepIfDue()
        processReady()
    }

    /// Clients could not keep their leases alive while there was no leader: before it expires
    /// any, a new leader gives every lease its full TTL again (once per term; a proposal
    /// refused while the leader is busy is tried again at the next tick, and sweeps wait).
    func extendLeasesIfNewLeader() {
        guard isLeader, leasesExtendedInTerm != replica.term else { return }
        let entry = KeyValueEntry(requestID: 0, timeMilliseconds: Self.wallClockMilliseconds(), command: .extendLeases)
        if (try? replica.propose(entry.encoded)) != nil {
            leasesExtendedInTerm = replica.term
            sweepProposedAt = nil
        }
    }

    /// The leader proposes a `sweep` when a lease, lock TTL or wait is due by its clock, so
    /// that it ends even when nothing else is written.
    func proposeSweepIfDue() {
        extendLeasesIfNewLeader()
        guard isLeader, leasesExtendedInTerm == replica.term, let due = store.nextDeadlineMilliseconds,
            due <= Self.wallClockMilliseconds()
        else { return }
        if let proposed = sweepProposedAt, proposed.rawValue > store.appliedIndex { return }
        let entry = KeyValueEntry(requestID: 0, timeMilliseconds: Self.wallClockMilliseconds(), command: .sweep)
        // Refused while the leader is busy (flow control, a transfer): tried again next tick.
        if (try? replica.propose(entry.encoded)) != nil { sweepProposedAt = replica.lastIndex }
    }

    /// The leader proposes removing keys whose TTL has passed by its clock; the entry's own
    /// time decides on every replica.
    func proposeExpiredKeyRemoval() {
        guard isLeader else { return }
        let expired = store.expiredKeys(at: Self.wallClockMilliseconds(), limit: configuration.expiredKeysPerRoundMax)
        guard !expired.isEmpty else { return }
        let entry = KeyValueEntry(
            requestID: 0,
            timeMilliseconds: Self.wallClockMilliseconds(),
            command: .removeExpired(keys: expired)
        )
        // Refused while the leader is busy (flow control, a transfer): tried again next tick.
        _ = try? replica.propose(entry.encoded)
    }

    /// When the leader changes (it died, lost an election, or a follower stopped hearing it
    /// for an election timeout): the reads and writes sent to another leader, and those held
    /// while none was known, go to the new one (`resend`).
    func noticeLeaderChange() {
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
            for (id, read) in pendingReads
            where read.term != replica.term || (!isLeader && read.readIndex == nil) {
                pendingReads[id] = nil
                repliesToDeliver.append((read.promise, .error("TRYAGAIN the leader changed; retry")))
            }
        }
        guard replica.term != knownTerm else { return }
        knownTerm = replica.term
        sweepProposedAt = nil
        extendLeasesIfNewLeader()
    }

    // MARK: - Messages

    func receive(_ frame: PeerFrameDecoder.Output) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return }
        switch frame {
        case .message(let group, let message):
            guard group == Self.group, message.to == configuration.nodeID else {
                return metrics.droppedPeerMessages.increment()
            }
            let dropped = replica.droppedMessageCount
            replica.step(message)
            if replica.droppedMessageCount != dropped, let reason = replica.droppedMessages.lastReason {
                metrics.droppedPeerMessages.increment()
                metrics.droppedRaftMessages(reason).increment()
            }
            queueReadyProcessing()
        case .forwardedRequest(let group, let from, let requestID, let request):
            guard group == Self.group, from != configuration.nodeID, configuration.initialCluster[from] != nil else {
                return metrics.droppedPeerMessages.increment()
            }
            serveForwarded(request, from: from, requestID: requestID)
        case .forwardedResult(let group, let from, let requestID, let outcome):
            guard group == Self.group else { return metrics.droppedPeerMessages.increment() }
            switch outcome {
            case .answered(let result):
                if let read = pendingForwards.removeValue(forKey: requestID) {
                    read.promise.succeed(result)
                } else {
                    answer(requestID, with: result)
                }
            case .refused(let message):
                if let read = pendingForwards.removeValue(forKey: requestID) {
                    read.promise.succeed(.error(message))
                } else {
                    refused(requestID, by: from, message)
                }
            }
            deliverReplies()
        case .published(let channel, let message):
            pubsub.publish(channel, message)
        case .needMoreData, .garbage:
            return
        }
    }

    /// Over maxmemory, the leader proposes removing keys chosen by the policy (one entry at a
    /// time, so that each choice sees the last one applied).
    func proposeEvictionIfNeeded() {
        guard isLeader, store.needsEviction else { return }
        if let proposed = evictionProposedAt, proposed.rawValue > store.appliedIndex { return }
        let victims = evictions.victims(in: store)
        guard !victims.isEmpty else { return }
        let entry = KeyValueEntry(
            requestID: 0,
            timeMilliseconds: Self.wallClockMilliseconds(),
            command: .evict(keys: victims)
        )
        // Refused while the leader is busy: tried again after the next applied round.
        if (try? replica.propose(entry.encoded)) != nil { evictionProposedAt = replica.lastIndex }
    }

    /// PUBLISH: to this node's subscribers, and to every peer for theirs (as Redis Cluster
    /// does, without ordering or durability). Returns this node's receivers.
    func publish(_ channel: [UInt8], _ message: [UInt8]) -> Int {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        let frame = PeerFrame.encodePublish(channel: channel, message: message, group: Self.group)
        for peer in configuration.initialCluster.keys where peer != configuration.nodeID { sendFrame(frame, peer) }
        return pubsub.publish(channel, message)
    }

    /// Runs `processReady` once the inputs already queued on the loop have been taken in.
    func queueReadyProcessing() {
        guard !readyProcessingQueued else { return }
        readyProcessingQueued = true
        loop.execute {
            self.readyProcessingQueued = false
            self.processReady()
        }
    }
}
