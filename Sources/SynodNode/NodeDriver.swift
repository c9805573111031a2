import NIOCore
import NIOPosix
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPOSIXStorage
import SynodPartitioning
import SynodPeerProtocol
import SynodRaft
import SynodRuntime
import SynodStorage

/// The node's shell around its consensus groups: it runs one `GroupRuntime` per group (the
/// same runtime the simulator runs), keyed by group, on one event loop, with one shared
/// write-ahead log, a real clock and the peer transport, and carries out what the runtimes ask
/// (NodeDriver+Outputs). A node hosts the groups of the shards `ReplicaPlacement` gives it,
/// and relays requests for the others to nodes that hold them (NodeDriver+Relay).
///
/// Everything here runs on `loop`: every entry point asserts it, and callers on other threads
/// go through `loop.execute` / `loop.submit`. Inputs that arrive while a Ready is queued share
/// it (`queueReadyProcessing`), and the Readys of every group share one fdatasync of the log
/// (group commit); the fdatasync runs on `syncThreads` while the loop goes on serving.
final class NodeDriver: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is confined to `loop` (checked by preconditions).
    /// The group that holds the whole keyspace: every client command goes to it, until shards
    /// route keys to groups of their own.
    static let keyspaceGroup = GroupID(1)

    typealias Runtime = GroupRuntime<RaftReplica, KeyValueStore, NodeObserver>

    let loop: EventLoop
    let configuration: NodeConfiguration
    /// The runtime of each group this node hosts.
    var runtimes = HostedGroups<Runtime>()
    /// The hosted groups in a fixed order, so every round visits them alike: group
    /// `groups[i]` is the runtime at position `i` (`HostedGroups.positions`).
    let groups: [GroupID]
    /// The same, to ask from any thread (`groups` never changes).
    let hostedGroups: Set<GroupID>
    /// The members of each shard, by shard (`NodeConfiguration.shardMembers`, computed once).
    let shardMembers: [[NodeID]]
    /// How the slots are divided among the shards, whose groups are `groups`.
    let slotDivision: SlotDivision
    var storage: DurableStorage<POSIXFileSystem>
    /// Sends a group's message to a peer (never blocks; the transport queues or drops).
    var send: @Sendable (RaftMessage, GroupID) -> Void = { _, _ in }
    /// Sends an encoded frame (a forwarded request or its result, a PUBLISH) to a peer, on
    /// the lane given (`PeerLane`).
    var sendFrame: @Sendable ([UInt8], NodeID, PeerLane) -> Void = { _, _, _ in }
    /// Called once when storage fails: the node must stop.
    var onFatalError: @Sendable (String) -> Void = { _ in }

    let metrics = NodeMetrics()
    /// Each group's role and term at the end of the last round, by position (`groups`): to
    /// count elections won and to report every change of either.
    var lastRoles: [RoleInTerm?] = []
    /// Called (on the loop) when a group's role or term changes, as etcd logs "became leader
    /// at term N": elections are rare, and each one is worth a line in the log.
    var onRoleChange: @Sendable (_ group: GroupID, _ now: RoleInTerm) -> Void = { _, _ in }
    /// Each runtime's counters as last reported to `metrics`, by position (`groups`).
    var reportedStatistics: [GroupStatistics] = []
    /// Watches of keys and prefixes, fed by every applied entry.
    let watches: WatchHub
    let pubsub: PubSubHub
    /// CLIENT TRACKING of this node's clients.
    let tracking: TrackingHub
    var lastTickTime = NIODeadline.now()
    /// When `tick` last ran, to see how late the next one is.
    var lastTickCall = NIODeadline.now()
    /// Ticks that ran `loopStallWarningMilliseconds` or more late: the loop was busy (or the
    /// process paused) that long, and no request, heartbeat or vote was handled meanwhile.
    var loopStalls = 0
    var longestLoopStallNanoseconds: Int64 = 0
    /// Called (on the loop) for each such tick, with how late it was.
    var onLoopStall: @Sendable (_ lateNanoseconds: Int64, _ appliedIndex: UInt64) -> Void = { _, _ in }
    var stopped = false
    /// A `processReady` is queued on the loop: inputs that arrive before it runs share its
    /// Ready, and so its one fdatasync (group commit).
    var readyProcessingQueued = false
    /// Runs the log's writes and fdatasyncs, so that the loop is not blocked while the disk
    /// works.
    let syncThreads: NIOThreadPool
    /// Serializes snapshots and frees the states they replaced (`BackgroundThread`: one
    /// thread, at a lower priority than the loop and the syncs).
    let backgroundThread: NIOThreadPool
    /// The sync whose fdatasync is running, and the groups whose Ready it makes durable (each
    /// takes no Ready until it is done).
    var syncInProgress: WriteAheadLog<POSIXFileSystem>.PendingSync?
    var syncingGroups: [GroupID] = []
    /// Groups whose staged Ready waits for the next sync.
    var groupsAwaitingSync: [GroupID] = []
    /// What groups asked of the log while a sync ran, done in order when it ends.
    var writesAwaitingSync: [(GroupID, LogWrite)] = []
    /// A snapshot is being serialized and written (`writeSnapshot`); the groups' next ones wait.
    var snapshotBeingWritten = false
    var snapshotsWaiting: [(GroupID, SnapshotJob<KeyValueStore>)] = []
    /// States that snapshots from a leader replaced, to free off the loop (`releaseReplacedStates`).
    var replacedStates: [KeyValueStore] = []
    var syncWaiters: [EventLoopPromise<Void>] = []
    /// The clients waiting for an answer, by the ticket their request went to the runtime with.
    var waitingClients: [UInt64: ReplyRecipient] = [:]
    var nextTicket: UInt64 = 1
    /// Where Redis clients reach each node, as the nodes announce it (`PeerFrame.announced`):
    /// this node's own from the start, a peer's once a connection it opened has arrived.
    var clientAddresses: [NodeID: HostPort] = [:]
    /// This node's announcement of its client address, sent first on every connection it
    /// opens; every `liveness.pingIntervalMilliseconds` it sends every peer the address and the
    /// groups it leads (`currentAnnouncement`): peers that exchange nothing else (two followers
    /// of every group) learn it too, and it tells them this node is alive while all its groups
    /// hibernate.
    let announcement: [UInt8]
    /// Who leads the shards, as the nodes announce it.
    var shardLeaders = ShardLeaders()
    /// The requests relayed to nodes that hold their shards, and those relayed here.
    var relays = Relays()
    var nextAnnouncement = NIODeadline.now()
    /// When each peer was last heard from: a peer silent for two election timeouts wakes the
    /// groups hibernating under it (`leaderSilent`).
    var liveness: PeerLiveness

    /// Opens the node's log and starts a runtime for each of `groups` (the shards' groups
    /// unless told) from its recovered state; on a first start each is bootstrapped with the
    /// founding members. Data that holds other groups (a node founded with another
    /// `--initial-shards`) is refused: its keys would be looked for in the wrong shards.
    init(
        configuration: NodeConfiguration,
        loop: EventLoop,
        syncThreads: NIOThreadPool,
        backgroundThread: NIOThreadPool,
        groups: [GroupID]? = nil
    ) throws {
        self.configuration = configuration
        self.announcement = PeerFrame.encodeAnnouncement(
            from: configuration.nodeID,
            clientAddress: Array(configuration.clientAddressToAnnounce.description.utf8)
        )
        self.liveness = PeerLiveness(
            silenceMilliseconds: 2 * Int64(configuration.electionTimeoutTicks) * Int64(configuration.tickMilliseconds)
        )
        self.loop = loop
        self.syncThreads = syncThreads
        self.backgroundThread = backgroundThread
        self.groups = (groups ?? configuration.hostedShardGroups).sorted()
        hostedGroups = Set(self.groups)
        let shardMembers = configuration.shardMembers
        self.shardMembers = shardMembers
        slotDivision = configuration.slotDivision
        var (storage, recovered) = try DurableStorage.open(
            directory: configuration.dataDirectory,
            files: POSIXFileSystem()
        )
        if !recovered.isEmpty, Set(recovered.keys) != Set(self.groups) {
            throw SynodNodeService.Failure(
                description: "the data in \(configuration.dataDirectory) holds \(recovered.count) group(s) "
                    + "(\(recovered.keys.sorted().map { String($0.rawValue) }.joined(separator: ", "))), but this node was "
                    + "started for \(self.groups.count) (--initial-shards \(configuration.initialShards), --replicas "
                    + "\(configuration.replicaCount)): every node keeps the shard count and replicas its cluster was "
                    + "founded with (a node that never finished its first start may have its data directory removed)"
            )
        }
        var states = recovered
        for group in self.groups where recovered[group] == nil {
            // First start: the shard's founding members, as committed term-1 entries.
            let state = PersistentState.bootstrap(voters: Set(Self.members(of: group, in: shardMembers, configuration)))
            try storage.stage(group: group, hardState: state.hardState, snapshot: nil, entries: state.entries)
            states[group] = state
        }
        if self.groups.contains(where: { recovered[$0] == nil }) { try storage.sync() }
        self.storage = storage
        let watches = WatchHub(startingAfter: 0, keptChangesMax: configuration.watchHistoryChanges)
        let tracking = TrackingHub()
        let pubsub = PubSubHub()
        self.watches = watches
        self.tracking = tracking
        self.pubsub = pubsub
        // With several shards, their leaders spread over the nodes (each shard's first member);
        // one shard keeps whichever leader its election chose (moving it back would only
        // interrupt its clients).
        for group in self.groups {
            var settings = configuration.groupSettings
            if configuration.initialShards > 1 {
                settings.preferredLeader = Self.members(of: group, in: shardMembers, configuration).first
            }
            var raftConfiguration = RaftConfiguration(
                id: configuration.nodeID,
                randomSeed: UInt64.random(in: 1...UInt64.max)
            )
            raftConfiguration.electionTimeoutTicks = configuration.electionTimeoutTicks
            raftConfiguration.heartbeatIntervalTicks = configuration.heartbeatIntervalTicks
            raftConfiguration.hibernateAfterIdleTicks = configuration.hibernateAfterIdleTicks
            if let chunkBytes = configuration.snapshotChunkBytes { raftConfiguration.snapshotChunkBytes = chunkBytes }
            if let bytesKept = configuration.appliedEntryBytesKept {
                raftConfiguration.appliedEntryBytesKept = bytesKept
            }
            let state = states[group]!
            do {
                // Request ids go into log entries, so they must not repeat across nodes or
                // restarts: a random start in 2^62 makes a collision within the requests waiting
                // negligible; the session is random for the same reason.
                runtimes.add(
                    try Runtime(
                        group: group,
                        settings: settings,
                        replica: try RaftReplica(configuration: raftConfiguration, state: state),
                        snapshot: state.snapshot,
                        observer: NodeObserver(
                            watches: configuration.initialShards == 1 ? watches : nil,
                            tracking: tracking,
                            pubsub: pubsub
                        ),
                        session: UInt64.random(in: 1...UInt64.max),
                        firstRequestID: UInt64.random(in: 1...(1 << 62)),
                        randomSeed: UInt64.random(in: 0...UInt64.max),
                        clock: { Self.now() }
                    ),
                    for: group
                )
            } catch let failure as RuntimeFailure {
                throw SynodNodeService.Failure(
                    description: "\(failure) (group \(group.rawValue) in \(configuration.dataDirectory))"
                )
            }
        }
        lastRoles = Array(repeating: nil, count: self.groups.count)
        reportedStatistics = Array(repeating: GroupStatistics(), count: self.groups.count)
        watches.restart(after: runtime.state.revision)
        clientAddresses[configuration.nodeID] = configuration.clientAddressToAnnounce
    }

    /// The founding members of `group`: its shard's, or every founding node for a group that
    /// is no shard (a test's).
    static func members(of group: GroupID, in shardMembers: [[NodeID]], _ configuration: NodeConfiguration) -> [NodeID]
    {
        let shard = Int(group.rawValue) - 1
        return shardMembers.indices.contains(shard) ? shardMembers[shard] : configuration.initialCluster.keys.sorted()
    }

    /// The runtime of the first group this node hosts (the keyspace's when it holds the first
    /// shard), which INFO and the status report describe.
    var runtime: Runtime { _read { yield runtimes[position: 0] } }
    var replica: RaftReplica { _read { yield runtimes[position: 0].replica } }
    var store: KeyValueStore { _read { yield runtimes[position: 0].state } }
    var isLeader: Bool { runtimes[position: 0].isLeader }

    /// Which applied changes are published as keyspace notifications (CONFIG SET
    /// notify-keyspace-events on this node).
    var keyspaceEvents: KeyspaceEvents {
        get { runtime.observer.keyspaceEvents }
        set { for group in groups { runtimes[group].observer.keyspaceEvents = newValue } }
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
        noteLateness(Int64(now.uptimeNanoseconds) - Int64(lastTickCall.uptimeNanoseconds) - interval)
        lastTickCall = now
        if now >= nextAnnouncement {
            nextAnnouncement = now + .milliseconds(liveness.pingIntervalMilliseconds)
            let announcement = currentAnnouncement()
            for peer in configuration.initialCluster.keys where peer != configuration.nodeID {
                sendFrame(announcement, peer, .control)
            }
        }
        let elapsed = Int64(now.uptimeNanoseconds) - Int64(lastTickTime.uptimeNanoseconds)
        let ticks = max(0, min(elapsed / interval, Int64(4 * configuration.electionTimeoutTicks)))
        guard ticks > 0 else { return }
        lastTickTime = now
        for position in runtimes.positions {
            let due = runtimes.ticksDue(position, adding: Int(ticks), run: Runtime.quietTicksPerRun)
            if due > 0 { runtimes[position: position].tick(due) }
        }
        let silent = liveness.silentPeers(at: Self.milliseconds(now))
        superviseRelays(at: Self.milliseconds(now), silent: silent)
        for peer in silent {
            for position in runtimes.positions
            where runtimes[position: position].isHibernating && runtimes[position: position].replica.leader == peer {
                runtimes[position: position].leaderSilent(peer)
            }
        }
        processReady()
    }

    /// Counts and reports a tick that ran `late` nanoseconds after it was due, if that is
    /// `loopStallWarningMilliseconds` or more (etcd warns of the same at 100 ms).
    func noteLateness(_ late: Int64) {
        guard late >= Int64(configuration.loopStallWarningMilliseconds) * 1_000_000 else { return }
        loopStalls += 1
        longestLoopStallNanoseconds = max(longestLoopStallNanoseconds, late)
        metrics.loopStalls.increment()
        metrics.loopStallDuration.recordNanoseconds(late)
        onLoopStall(late, store.appliedIndex)
    }

    /// A deadline as monotonic milliseconds (`PeerLiveness`).
    static func milliseconds(_ deadline: NIODeadline) -> Int64 { Int64(deadline.uptimeNanoseconds / 1_000_000) }

    /// The member a frame came from, if it names one.
    func sender(of frame: PeerFrameDecoder.Output) -> NodeID? {
        let sender: NodeID
        switch frame {
        case .message(_, let message): sender = message.from
        case .forwardedRequest(_, let from, _, _), .forwardedResult(_, let from, _, _), .announced(let from, _, _),
            .arriving(_, let from, _), .relayedRequest(_, let from, _, _, _), .relayedResult(_, let from, _, _),
            .relayEnded(let from, _), .relayCheck(let from, _):
            sender = from
        case .published, .needMoreData, .garbage: return nil
        }
        return sender != configuration.nodeID && configuration.initialCluster[sender] != nil ? sender : nil
    }

    func receive(_ frame: PeerFrameDecoder.Output) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return }
        if let sender = sender(of: frame) { liveness.heard(from: sender, at: Self.milliseconds(.now())) }
        switch frame {
        case .message(let group, let message):
            guard let position = runtimes.position(of: group), message.to == configuration.nodeID else {
                return metrics.droppedPeerMessages.increment()
            }
            let dropped = runtimes[position: position].replica.droppedMessageCount
            runtimes[position: position].step(message)
            if runtimes[position: position].replica.droppedMessageCount != dropped,
                let reason = runtimes[position: position].replica.droppedMessages.lastReason
            {
                metrics.droppedPeerMessages.increment()
                metrics.droppedRaftMessages(reason).increment()
            }
            carryOutOutputs(ofPosition: position)
            return queueReadyProcessing()
        case .forwardedRequest(let group, let from, let requestID, let request):
            guard runtimes.hosts(group), from != configuration.nodeID, configuration.initialCluster[from] != nil else {
                return metrics.droppedPeerMessages.increment()
            }
            if let refusal = request.refusal {
                metrics.refusedForwards.increment()
                return sendFrame(
                    PeerFrame.encodeForwardedResult(
                        .error(refusal),
                        from: configuration.nodeID,
                        requestID: requestID,
                        group: group
                    ),
                    from,
                    .control
                )
            }
            runtimes[group].serveForwarded(request, from: from, requestID: requestID)
        case .forwardedResult(let group, let from, let requestID, let outcome):
            guard runtimes.hosts(group) else { return metrics.droppedPeerMessages.increment() }
            runtimes[group].receiveOutcome(outcome, from: from, requestID: requestID)
        case .published(let channel, let message):
            pubsub.publish(channel, message)
            return
        case .announced(let from, let bytes, let leading):
            // Printable and without spaces: it goes into MOVED error lines and CLUSTER NODES.
            guard from != configuration.nodeID, configuration.initialCluster[from] != nil,
                bytes.allSatisfy({ (0x21..<0x7F).contains($0) }),
                let address = HostPort(parsing: String(decoding: bytes, as: UTF8.self))
            else { return metrics.droppedPeerMessages.increment() }
            clientAddresses[from] = address
            shardLeaders.announced(by: from, leading: leading.filter { isShard($0.group) })
            return
        case .relayedRequest(let group, let from, let requestID, let origin, let request):
            guard from != configuration.nodeID, configuration.initialCluster[from] != nil, isShard(group) else {
                return metrics.droppedPeerMessages.increment()
            }
            serveRelayed(request, group: group, from: from, requestID: requestID, origin: origin)
            return
        case .relayedResult(_, let from, let requestID, let result):
            return relayedResult(result, from: from, requestID: requestID)
        case .relayEnded(let from, let origin):
            guard from != configuration.nodeID, origin >> 32 == from.rawValue else {
                return metrics.droppedPeerMessages.increment()
            }
            relays.held = relays.held.filter { $0.key.from != from || $0.value != origin }
            clientGone(origin: origin)
            return
        case .relayCheck(let from, let requestIDs):
            guard from != configuration.nodeID, configuration.initialCluster[from] != nil else {
                return metrics.droppedPeerMessages.increment()
            }
            answerRelayCheck(from: from, requestIDs: requestIDs)
            return
        case .arriving(let group, let from, let term):
            guard runtimes.hosts(group) else { return }
            runtimes[group].messageArriving(from: from, term: term)
            return
        case .needMoreData, .garbage:
            return
        }
        carryOutOutputs()
        queueReadyProcessing()
    }

    /// A write from a client of this node to `group`; `origin` names its connection (its later
    /// reads wait for it; CLIENT TRACKING). With `movedSlot` (its key's slot, for a client that
    /// follows redirections) it is answered MOVED when another node leads the group.
    func write(
        _ command: KeyValueCommand,
        replyTo recipient: ReplyRecipient,
        origin: UInt64 = 0,
        group: GroupID = NodeDriver.keyspaceGroup,
        movedSlot: Int? = nil
    ) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped, runtimes.hosts(group) || isShard(group) else {
            return recipient.deliver(unserved(group))
        }
        if let movedSlot, let moved = redirection(of: group, slot: movedSlot) { return recipient.deliver(moved) }
        guard runtimes.hosts(group) else {
            let entry = KeyValueEntry(requestID: 0, timeMilliseconds: 0, command: command, origin: origin)
            return relay(.write(entry), group: group, origin: origin, replyTo: recipient)
        }
        runtimes[group].write(command, origin: origin, ticket: waitFor(recipient))
        carryOutOutputs()
        queueReadyProcessing()
    }

    func write(
        _ command: KeyValueCommand,
        promise: EventLoopPromise<KeyValueResult>,
        origin: UInt64 = 0,
        group: GroupID = NodeDriver.keyspaceGroup
    ) {
        write(command, replyTo: .promise(promise), origin: origin, group: group)
    }

    /// The client connection `origin` closed: its blocked commands end (`abandonWaits`).
    func clientGone(origin: UInt64) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return }
        for group in runtimes.groups { runtimes[group].abandonWaits(ofOrigin: origin) }
        relayedConnectionGone(origin: origin)
        carryOutOutputs()
        queueReadyProcessing()
    }

    /// The answer to a request this node cannot give to `group`'s runtime.
    func unserved(_ group: GroupID) -> KeyValueResult {
        stopped ? .refusal(.stopping(nil)) : .error(KeyValueError(.unavailable, "ERR no group \(group.rawValue) here"))
    }

    /// A linearizable read from a client of this node in `group`, served after the writes its
    /// connection (`origin`) sent before it; answered MOVED as a write is (`movedSlot`).
    func read(
        _ command: ReadCommand,
        replyTo recipient: ReplyRecipient,
        origin: UInt64,
        group: GroupID = NodeDriver.keyspaceGroup,
        movedSlot: Int? = nil
    ) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped, runtimes.hosts(group) || isShard(group) else {
            return recipient.deliver(unserved(group))
        }
        if let movedSlot, let moved = redirection(of: group, slot: movedSlot) { return recipient.deliver(moved) }
        guard runtimes.hosts(group) else {
            return relay(.read(command), group: group, origin: origin, replyTo: recipient)
        }
        runtimes[group].read(command, origin: origin, ticket: waitFor(recipient))
        carryOutOutputs()
        queueReadyProcessing()
    }

    func read(
        _ command: ReadCommand,
        promise: EventLoopPromise<KeyValueResult>,
        origin: UInt64,
        group: GroupID = NodeDriver.keyspaceGroup
    ) {
        read(command, replyTo: .promise(promise), origin: origin, group: group)
    }

    /// A read a READONLY connection asked for: served from this replica's state of `group` as
    /// it is, without asking the leader (it may miss the newest writes).
    func serveLocally(_ command: ReadCommand, group: GroupID = NodeDriver.keyspaceGroup) -> KeyValueResult {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped, runtimes.hosts(group) else { return unserved(group) }
        return runtimes[group].serveLocally(command)
    }

    /// PUBLISH: to this node's subscribers, and to every peer for theirs (as Redis Cluster
    /// does, without ordering or durability). Returns this node's receivers.
    func publish(_ channel: [UInt8], _ message: [UInt8]) -> Int {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        // Subscriptions belong to the node, not to a group; the frame names the keyspace's.
        let frame = PeerFrame.encodePublish(channel: channel, message: message, group: Self.keyspaceGroup)
        for peer in configuration.initialCluster.keys where peer != configuration.nodeID {
            sendFrame(frame, peer, .data)
        }
        return pubsub.publish(channel, message)
    }

    func waitFor(_ recipient: ReplyRecipient) -> UInt64 {
        let ticket = nextTicket
        nextTicket += 1
        waitingClients[ticket] = recipient
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
        for position in runtimes.positions where !runtimes.isQuiet(position) {
            runtimes[position: position].processReady()
        }
        carryOutOutputs()
        recordProgress()
        // The runtimes that hibernate with nothing to do are passed by until they change.
        for position in runtimes.positions where !runtimes.isQuiet(position) {
            runtimes.noteQuiet(position, runtimes[position: position].isQuiet)
        }
    }
}

extension NodeConfiguration {
    /// What the group runtime needs of this configuration.
    var groupSettings: GroupSettings {
        var settings = GroupSettings(nodeID: nodeID)
        settings.peerAddresses = initialCluster.mapValues(\.description)
        settings.writeWaitMilliseconds = writeWait.nanoseconds / 1_000_000
        settings.writeWaitMaxMilliseconds = writeWaitMax.nanoseconds / 1_000_000
        settings.expiryChecksPerRound = expiryChecksPerRound
        settings.snapshotLogPercentOfState = snapshotLogPercentOfState
        settings.snapshotLogBytesMin = snapshotLogBytesMin
        return settings
    }
}

/// A group's role on this node (a follower's with its leader, if known) and its term.
struct RoleInTerm: Equatable, Sendable {
    let role: RaftReplica.Role
    let term: Term
}
