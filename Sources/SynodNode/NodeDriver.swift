import NIOCore
import NIOPosix
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPOSIXStorage
import SynodPeerProtocol
import SynodRaft
import SynodRuntime
import SynodStorage

/// The node's shell around its consensus group: it runs the group's `GroupRuntime` (the same
/// one the simulator runs) on one event loop, with real storage, a real clock and the peer
/// transport, and carries out what the runtime asks (NodeDriver+Outputs).
///
/// Everything here runs on `loop`: every entry point asserts it, and callers on other threads
/// go through `loop.execute` / `loop.submit`. Inputs that arrive while a Ready is queued share
/// it (`queueReadyProcessing`), and so its one fdatasync (group commit); the fdatasync runs on
/// `syncThreads` while the loop goes on serving.
final class NodeDriver: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is confined to `loop` (checked by preconditions).
    static let group = GroupID(1)

    typealias Runtime = GroupRuntime<RaftReplica, NodeObserver>

    let loop: EventLoop
    let configuration: NodeConfiguration
    var runtime: Runtime
    var storage: DurableStorage<POSIXFileSystem>
    /// Sends a message to a peer (never blocks; the transport queues or drops).
    var send: @Sendable (RaftMessage) -> Void = { _ in }
    /// Sends an encoded frame (a forwarded request or its result) to a peer.
    var sendFrame: @Sendable ([UInt8], NodeID) -> Void = { _, _ in }
    /// Called once when storage fails: the node must stop.
    var onFatalError: @Sendable (String) -> Void = { _ in }

    let metrics = NodeMetrics()
    /// Whether this node led at the end of the last round (to count elections won).
    var ledLastRound = false
    /// The runtime's counters as last reported to `metrics`.
    var reportedStatistics = GroupStatistics()
    /// Watches of keys and prefixes, fed by every applied entry.
    let watches: WatchHub
    let pubsub: PubSubHub
    /// CLIENT TRACKING of this node's clients.
    let tracking: TrackingHub
    var lastTickTime = NIODeadline.now()
    var stopped = false
    /// A `processReady` is queued on the loop: inputs that arrive before it runs share its
    /// Ready, and so its one fdatasync (group commit).
    var readyProcessingQueued = false
    /// Runs the fdatasyncs, so that the loop is not blocked while the disk works.
    let syncThreads: NIOThreadPool
    /// The sync whose fdatasync is running; the runtime takes no Ready until it is done.
    var syncInProgress: WriteAheadLog<POSIXFileSystem>.PendingSync?
    var syncWaiters: [EventLoopPromise<Void>] = []
    /// The clients waiting for an answer, by the ticket their request went to the runtime with.
    var waitingClients: [UInt64: EventLoopPromise<KeyValueResult>] = [:]
    var nextTicket: UInt64 = 1

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
        self.storage = storage
        let watches = WatchHub(startingAfter: 0, keptChangesMax: configuration.watchHistoryChanges)
        let tracking = TrackingHub()
        let pubsub = PubSubHub()
        self.watches = watches
        self.tracking = tracking
        self.pubsub = pubsub
        do {
            // Request ids go into log entries, so they must not repeat across nodes or
            // restarts: a random start in 2^62 makes a collision within the requests waiting
            // negligible; the session is random for the same reason.
            runtime = try Runtime(
                group: Self.group,
                settings: configuration.groupSettings,
                replica: try RaftReplica(configuration: raftConfiguration, state: state),
                snapshot: state.snapshot,
                observer: NodeObserver(watches: watches, tracking: tracking, pubsub: pubsub),
                session: UInt64.random(in: 1...UInt64.max),
                firstRequestID: UInt64.random(in: 1...(1 << 62)),
                randomSeed: UInt64.random(in: 0...UInt64.max),
                clock: { Self.now() }
            )
        } catch let failure as RuntimeFailure {
            throw SynodNodeService.Failure(description: "\(failure) (in \(configuration.dataDirectory))")
        }
        watches.restart(after: runtime.store.revision)
    }

    var replica: RaftReplica { runtime.replica }
    var store: KeyValueStore { runtime.store }
    var isLeader: Bool { runtime.isLeader }

    /// Which applied changes are published as keyspace notifications (CONFIG SET
    /// notify-keyspace-events on this node).
    var keyspaceEvents: KeyspaceEvents {
        get { runtime.observer.keyspaceEvents }
        set { runtime.observer.keyspaceEvents = newValue }
    }

    /// The clock the runtime reads: wall-clock Unix milliseconds that follow the monotonic
    /// clock (so stamps never jump with the wall clock), and the monotonic clock.
    static func now() -> GroupTime {
        let monotonic = Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
        return GroupTime(
            wallMilliseconds: monotonic &+ bootWallClockOffsetMilliseconds,
            monotonicMilliseconds: monotonic
        )
    }

    /// Wall-clock Unix milliseconds.
    static func wallClockMilliseconds() -> Int64 { now().wallMilliseconds }

    /// Wall-clock time minus the monotonic clock at start, so stamps follow the wall clock but
    /// never jump with it.
    static let bootWallClockOffsetMilliseconds: Int64 = {
        let wall = Int64(systemWallClockMilliseconds())
        return wall - Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }()

    // MARK: - Inputs

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
        runtime.tick(Int(ticks))
        processReady()
    }

    func receive(_ frame: PeerFrameDecoder.Output) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return }
        switch frame {
        case .message(let group, let message):
            guard group == Self.group, message.to == configuration.nodeID else {
                return metrics.droppedPeerMessages.increment()
            }
            let dropped = replica.droppedMessageCount
            runtime.step(message)
            if replica.droppedMessageCount != dropped, let reason = replica.droppedMessages.lastReason {
                metrics.droppedPeerMessages.increment()
                metrics.droppedRaftMessages(reason).increment()
            }
        case .forwardedRequest(let group, let from, let requestID, let request):
            guard group == Self.group, from != configuration.nodeID, configuration.initialCluster[from] != nil else {
                return metrics.droppedPeerMessages.increment()
            }
            if let refusal = request.refusal {
                metrics.refusedForwards.increment()
                return sendFrame(
                    PeerFrame.encodeForwardedRefusal(
                        refusal,
                        from: configuration.nodeID,
                        requestID: requestID,
                        group: Self.group
                    ),
                    from
                )
            }
            runtime.serveForwarded(request, from: from, requestID: requestID)
        case .forwardedResult(let group, let from, let requestID, let outcome):
            guard group == Self.group else { return metrics.droppedPeerMessages.increment() }
            runtime.receiveOutcome(outcome, from: from, requestID: requestID)
        case .published(let channel, let message):
            pubsub.publish(channel, message)
            return
        case .needMoreData, .garbage:
            return
        }
        carryOutOutputs()
        queueReadyProcessing()
    }

    /// A write from a client of this node; `origin` names its connection (its later reads wait
    /// for it; CLIENT TRACKING).
    func write(_ command: KeyValueCommand, promise: EventLoopPromise<KeyValueResult>, origin: UInt64 = 0) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        runtime.write(command, origin: origin, ticket: waitFor(promise))
        carryOutOutputs()
        queueReadyProcessing()
    }

    /// A linearizable read from a client of this node, served after the writes its connection
    /// (`origin`) sent before it.
    func read(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>, origin: UInt64) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        runtime.read(command, origin: origin, ticket: waitFor(promise))
        carryOutOutputs()
        queueReadyProcessing()
    }

    /// A read a READONLY connection asked for: served from this replica's state as it is,
    /// without asking the leader (it may miss the newest writes).
    func serveLocally(_ command: ReadCommand) -> KeyValueResult {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        return stopped ? .error("ERR node stopping") : runtime.serveLocally(command)
    }

    /// PUBLISH: to this node's subscribers, and to every peer for theirs (as Redis Cluster
    /// does, without ordering or durability). Returns this node's receivers.
    func publish(_ channel: [UInt8], _ message: [UInt8]) -> Int {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        let frame = PeerFrame.encodePublish(channel: channel, message: message, group: Self.group)
        for peer in configuration.initialCluster.keys where peer != configuration.nodeID { sendFrame(frame, peer) }
        return pubsub.publish(channel, message)
    }

    func waitFor(_ promise: EventLoopPromise<KeyValueResult>) -> UInt64 {
        let ticket = nextTicket
        nextTicket += 1
        waitingClients[ticket] = promise
        return ticket
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

    func processReady() {
        guard !stopped else { return }
        runtime.processReady()
        carryOutOutputs()
        recordProgress()
    }
}

extension NodeConfiguration {
    /// What the group runtime needs of this configuration.
    var groupSettings: GroupSettings {
        var settings = GroupSettings(nodeID: nodeID)
        settings.peerAddresses = initialCluster.mapValues(\.description)
        settings.writeWaitMilliseconds = writeWait.nanoseconds / 1_000_000
        settings.writeWaitMaxMilliseconds = writeWaitMax.nanoseconds / 1_000_000
        settings.expiredKeysPerRoundMax = expiredKeysPerRoundMax
        settings.snapshotIntervalEntries = snapshotIntervalEntries
        return settings
    }
}
