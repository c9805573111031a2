import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPartitioning
import SynodRaft
import SynodRuntime

/// Runs one seeded simulation of a Raft cluster with faults and clients, and checks it.
///
/// Everything (message latency and loss, disk latency, crashes, partitions, clock rates,
/// client operations, election jitter) is drawn from generators derived from the seed, and
/// events at equal times run in the order they were scheduled, so a seed replays exactly.
public struct Simulator {
    enum Event: Sendable {
        case tick(node: Int, incarnation: Int)
        case deliver(RaftMessage, shard: Int)
        case deliverFrame(from: NodeID, to: NodeID, shard: Int, PeerFrameContent)
        case diskWriteDone(node: Int, incarnation: Int)
        case entriesRead(node: Int, incarnation: Int, shard: Int, EntryLoad)
        case clientSend(client: Int)
        case requestArrives(node: Int, client: Int, request: SimulatedRequest)
        case replyArrives(client: Int, requestID: UInt64, reply: ClientReply)
        case clientTimeout(client: Int, requestID: UInt64, attempt: Int)
        case resend(client: Int, requestID: UInt64)
        case networkFault
        case clog(Link)
        case unclog(Link)
        case healNetwork(generation: Int)
        case crash
        case restart(node: Int)
        case clockJump
        case membershipChange
        case endSafetyPhase
        case livenessCheck
    }

    struct Link: Hashable, Sendable {
        let from: NodeID
        let to: NodeID
    }

    public let options: SimulationOptions
    var random: SeededGenerator
    var queue = EventQueue<Event>()
    var now: UInt64 = 0 {
        didSet { time.microseconds = now }
    }
    /// `now`, as the nodes' runtimes read it.
    let time = SimulatedTime()
    var nodes: [SimulatedNode] = []
    /// Every node ever started, for faults and clients (whether or not still in the group).
    var members: [NodeID] { nodes.map(\.id) }
    var clients: [SimulatedClient] = []
    var history: [ClientHistoryEntry] = []
    var nextRequestID: UInt64 = 1
    /// Reads pipelined behind writes, by their reply ticket.
    var pipelinedReads: [UInt64: PipelinedRead] = [:]
    /// The pipelined read behind each write that has one, by the write's ticket (attempt 0).
    var pipelinedReadBehind: [UInt64: UInt64] = [:]
    var blockedLinks: Set<Link> = []
    /// When each lane of each link has sent everything queued on it (`send`).
    var laneSentBy: [LaneKey: UInt64] = [:]
    /// Bumped on every heal, so a heal scheduled for an older fault does not end a newer one.
    var networkFaultGeneration = 0
    var inLivenessPhase = false
    /// Each group's healed leader once every voter follows it (`checkSteadyLeader`), by shard.
    var steadyLeaders: [SteadyLeader?]
    /// The heartbeats, appends and their answers delivered since the heal, by link and term.
    var contactsSinceHeal: Set<Contact> = []
    var livenessStartMicroseconds: UInt64 = 0
    /// The protocol invariants of each group, by shard.
    var checkers: [SimulationChecker]
    /// The first failure of a check that is not one group's.
    var nodeFailure: SimulationFailure?
    var statistics = SimulationStatistics()
    var traceHash: UInt64 = 0
    let trace: TraceRecorder
    var finished: SimulationOutcome?
    /// Each shard's preferred leader, as on a node: the groups' leaders spread over the
    /// founding members (empty with one shard, which keeps whichever leader it elects).
    let preferredLeaders: [NodeID]

    /// The most trace lines kept (the newest).
    public static let traceLinesMax = 20_000

    public init(options: SimulationOptions, trace: Bool = false) {
        self.options = options
        self.trace = TraceRecorder(enabled: trace, linesMax: Self.traceLinesMax)
        random = SeededGenerator(seed: options.seed)
        let shards = 0..<options.shardCount
        checkers = shards.map { SimulationChecker(group: options.shardCount == 1 ? nil : SimulatedNode.group($0)) }
        steadyLeaders = shards.map { _ in nil }
        statistics.operationsPerShard = shards.map { _ in 0 }
        preferredLeaders =
            options.shardCount > 1
            ? LeaderPlacement.preferredLeaders(
                shardCount: options.shardCount,
                nodes: Set((1...options.nodeCount).map { NodeID(UInt64($0)) })
            ) : []
    }

    /// The shards of the run, one consensus group each, hosted by every node.
    var shards: Range<Int> { 0..<options.shardCount }

    /// The first failure a check found: a node's, or a group's.
    var failure: SimulationFailure? { nodeFailure ?? checkers.lazy.compactMap(\.failure).first }

    /// Records the failure of a check that is not one group's (a node's disk, say).
    mutating func fail(_ check: String, _ detail: String) {
        guard nodeFailure == nil else { return }
        nodeFailure = SimulationFailure(kind: .safety, check: check, detail: detail)
    }

    /// Runs the safety phase, then the liveness phase, then the final checks.
    public mutating func run() -> SimulationReport {
        start()
        while finished == nil, let (time, event) = queue.popFirst() {
            precondition(time >= now, "simulated time went backwards")
            now = time
            statistics.events += 1
            handle(event)
            // Every group's checker is asked after each event, or with more than 64 groups after
            // every 64th (asking 10,000 checkers per event was a quarter of such a run).
            if options.shardCount <= 64 || statistics.events % 64 == 0, let failure { finished = .failed(failure) }
            if statistics.events % 5_000 == 0 { checkLogMatching(shard: Int(statistics.events / 5_000) % shards.count) }
            if statistics.events >= options.eventsMax {
                finished = .failed(
                    SimulationFailure(
                        kind: .liveness,
                        check: "event-limit",
                        detail: "\(options.eventsMax) events by \(now / 1000) ms, \(queue.count) queued"
                    )
                )
            }
        }
        if finished == nil {
            finished = .failed(SimulationFailure(kind: .liveness, check: "stalled", detail: "no events left"))
        }
        statistics.simulatedMicroseconds = now
        statistics.leadersAtEnd = (0..<options.shardCount).map { shard in
            nodes.filter(\.isUp).compactMap { $0.replica(shard) }.filter(\.isLeader)
                .max { $0.term < $1.term }?.id
        }
        return SimulationReport(
            options: options,
            outcome: finished!,
            statistics: statistics,
            traceHash: traceHash,
            trace: trace.lines
        )
    }

    private mutating func start() {
        let voters = Set((1...UInt64(options.nodeCount)).map { NodeID($0) })
        record("options \(options)")
        for id in voters.sorted() {
            addNode(id, state: .bootstrap(voters: voters))
        }
        for clientID in 0..<options.clientCount {
            clients.append(SimulatedClient(id: clientID, leaderGuess: members[clientID % members.count]))
            queue.schedule(.clientSend(client: clientID), at: random.next(below: 10_000))
        }
        scheduleNext(.networkFault, meanMicroseconds: options.partitionIntervalMicroseconds)
        if options.crashIntervalMicroseconds > 0 {
            scheduleNext(.crash, meanMicroseconds: options.crashIntervalMicroseconds)
        }
        if options.clockJumps { scheduleNext(.clockJump, meanMicroseconds: 2_000_000) }
        if options.membershipChangeIntervalMicroseconds > 0 {
            scheduleNext(.membershipChange, meanMicroseconds: options.membershipChangeIntervalMicroseconds)
        }
        queue.schedule(.endSafetyPhase, at: options.safetyPhaseMicroseconds)
    }

    mutating func addNode(_ id: NodeID, state: PersistentState) {
        let driftMax = options.clockDriftPerMilleMax
        let rate = 1000 - driftMax + random.nextIndex(below: 2 * driftMax + 1)
        precondition(Int(id.rawValue) == nodes.count + 1, "node ids are assigned in order")
        nodes.append(SimulatedNode(id: id, durable: state, shardCount: options.shardCount, clockRatePerMille: rate))
        for shard in shards {
            nodes[nodes.count - 1].shards[shard].plantedTicksAfterWake = options.mutation == .ticksAfterWake
        }
        for shard in shards { checkers[shard].recordDurable(state, on: id) }
        initializeDisk(nodes.count - 1, with: state)
        boot(nodes.count - 1)
    }

    /// Starts (or restarts) a node from its durable state: a runtime for each group it hosts.
    mutating func boot(_ position: Int) {
        let replicaSeeds = shards.map { _ in random.next() }
        let recovered = recoverFromDisk(position)
        // As a node does: a peer is silent after twice an election timeout without a message.
        let silence = 2 * Int64(options.electionTimeoutTicks) * Int64(options.tickMicroseconds) / 1000
        nodes[position].liveness = PeerLiveness(silenceMilliseconds: max(1, silence))
        nodes[position].nextPingMilliseconds = 0
        for shard in shards {
            start(shard, on: position, from: recovered[shard], replicaSeed: replicaSeeds[shard])
        }
        scheduleTick(position)
    }

    private mutating func start(_ shard: Int, on position: Int, from durable: PersistentState, replicaSeed: UInt64) {
        var configuration = RaftConfiguration(id: nodes[position].id, randomSeed: replicaSeed)
        configuration.preVote = options.preVote
        configuration.checkQuorum = options.checkQuorum
        configuration.leaseReads = options.leaseReads
        configuration.electionTimeoutTicks = options.electionTimeoutTicks
        configuration.heartbeatIntervalTicks = options.heartbeatIntervalTicks
        configuration.inflightMessagesMax = options.inflightMessagesMax
        configuration.appendBytesMax = options.appendBytesMax
        configuration.inflightBytesMax = max(options.appendBytesMax, configuration.inflightBytesMax)
        configuration.snapshotChunkBytes = options.snapshotChunkBytes
        configuration.appliedEntryBytesKept = options.appliedEntryBytesKept
        configuration.entryLoadBytesMax = options.entryLoadBytesMax
        configuration.clockDriftBoundTicks = max(1, options.electionTimeoutTicks / 5)
        configuration.plantedBug = options.mutation?.raftMutation
        configuration.hibernateAfterIdleTicks = options.hibernateAfterIdleTicks
        let replica: RaftReplica
        do {
            replica = try RaftReplica(configuration: configuration, state: durable)
        } catch {
            preconditionFailure("simulator built an invalid configuration: \(error)")
        }
        var settings = GroupSettings(nodeID: nodes[position].id)
        settings.snapshotLogBytesMin = options.snapshotLogBytesMin
        settings.plantedBug = options.mutation?.runtimeMutation
        if options.shardCount > 1 { settings.preferredLeader = preferredLeaders[shard] }
        let time = self.time
        let rate = Int64(nodes[position].clockRatePerMille)
        do {
            nodes[position].shards[shard].runtime = try SimulatedNode.Runtime(
                group: SimulatedNode.group(shard),
                settings: settings,
                replica: replica,
                snapshot: durable.snapshot,
                observer: SimulationObserver(),
                // Apart from the clients' sessions (their ids plus one).
                session: random.next() | 1 << 63,
                firstRequestID: 1 << 62 | random.next(below: 1 << 40),
                randomSeed: random.next(),
                clock: {
                    let monotonic = SimulatedNode.monotonicMilliseconds(
                        atTrueMicroseconds: time.microseconds,
                        ratePerMille: rate
                    )
                    return GroupTime(wallMilliseconds: 1_700_000_000_000 + monotonic, monotonicMilliseconds: monotonic)
                }
            )
        } catch {
            preconditionFailure(
                "n\(position + 1) cannot restore its snapshot of \(SimulatedNode.group(shard)): \(error)"
            )
        }
        nodes[position].shards[shard].runtime!.observer.lockWaits = LockWaitChecker(store: nodes[position].store(shard))
        record(
            "n\(position + 1) boots\(options.shardCount == 1 ? "" : " g\(shard + 1)") term=\(durable.hardState.term) "
                + "last=\(durable.entries.last?.index ?? .zero)"
        )
    }

    // MARK: - Events

    mutating func handle(_ event: Event) {
        switch event {
        case .tick(let position, let incarnation):
            guard nodes[position].incarnation == incarnation, nodes[position].isUp else { return }
            for shard in shards {
                // As a node does: a quiet group (hibernating, nothing to do) gets its ticks
                // in runs (`GroupRuntime.isQuiet`).
                nodes[position].shards[shard].ticksOwed += 1
                let owed = nodes[position].shards[shard].ticksOwed
                if nodes[position].shards[shard].quiet && owed < SimulatedNode.Runtime.quietTicksPerRun {
                    continue
                }
                nodes[position].shards[shard].ticksOwed = 0
                nodes[position].shards[shard].runtime!.tick(owed)
                afterInput(position, shard)
            }
            watchPeers(position)
            scheduleTick(position)
        case .deliver(let message, let shard):
            deliver(message, shard: shard)
        case .deliverFrame(let from, let to, let shard, let content):
            deliverFrame(content, from: from, to: to, shard: shard)
        case .diskWriteDone(let position, let incarnation):
            guard nodes[position].incarnation == incarnation else { return }
            diskWriteDone(position)
        case .entriesRead(let position, let incarnation, let shard, let load):
            guard nodes[position].incarnation == incarnation, nodes[position].isUp else { return }
            entriesRead(load, on: position, shard)
        case .clientSend(let client):
            clientSend(client)
        case .requestArrives(let position, let client, let request):
            requestArrives(at: position, from: client, request)
        case .replyArrives(let client, let requestID, let reply):
            replyArrives(at: client, requestID: requestID, reply: reply)
        case .clientTimeout(let client, let requestID, let attempt):
            clientTimeout(client, requestID: requestID, attempt: attempt)
        case .resend(let client, let requestID):
            resend(client, requestID: requestID)
        case .networkFault:
            startNetworkFault()
        case .clog(let link):
            // A swizzle scheduled before the heal does not outlast it.
            guard !inLivenessPhase else { return }
            blockedLinks.insert(link)
            record("clog \(link.from)->\(link.to)")
        case .unclog(let link):
            blockedLinks.remove(link)
            record("unclog \(link.from)->\(link.to)")
        case .healNetwork(let generation):
            guard generation == networkFaultGeneration else { return }
            blockedLinks = []
            record("heal network")
        case .crash:
            crashNodes()
        case .restart(let position):
            guard !nodes[position].isUp, !nodes[position].decommissioned else { return }
            boot(position)
        case .clockJump:
            clockJump()
        case .membershipChange:
            changeMembership()
        case .endSafetyPhase:
            endSafetyPhase()
        case .livenessCheck:
            checkLiveness()
        }
    }

    /// After an input to a group's runtime: its outputs are carried out, and its next Ready
    /// taken.
    mutating func afterInput(_ position: Int, _ shard: Int) {
        carryOutOutputs(position, shard)
        processReady(position, shard)
        observe(position, shard)
        nodes[position].shards[shard].noteQuiet()
    }

    mutating func observe(_ position: Int, _ shard: Int) {
        guard let replica = nodes[position].replica(shard) else { return }
        if replica.isHibernating != nodes[position].shards[shard].wasHibernating {
            nodes[position].shards[shard].wasHibernating = replica.isHibernating
            if replica.isHibernating {
                statistics.hibernations += 1
                record("n\(position + 1) hibernates \(groupName(shard))as \(replica.role.name)")
            }
        }
        if checkers[shard].observeLeader(replica) {
            statistics.leaderElections += 1
            record("n\(position + 1) leads \(groupName(shard))term \(replica.term)")
            fold(0xE1EC, Self.nodeAndShard(position, shard), replica.term.rawValue)
        }
        statistics.highestTerm = max(statistics.highestTerm, replica.term.rawValue)
        statistics.highestCommitIndex = max(statistics.highestCommitIndex, replica.commitIndex.rawValue)
        checkers[shard].observeProgress(replica, appliedIndex: nodes[position].store(shard).appliedIndex)
        checkSteadyLeader(position, shard)
    }

    /// Log matching in every group, among the nodes up.
    mutating func checkLogMatching() {
        for shard in shards { checkLogMatching(shard: shard) }
    }

    /// Log matching in one group, among the nodes up. During a run the groups take turns, one
    /// every 5,000 events: each is checked about as often for its own events as a run of one
    /// group is, and thousands of groups do not make the checks grow with their square.
    mutating func checkLogMatching(shard: Int) {
        checkers[shard].checkLogMatching(nodes.compactMap { $0.replica(shard) })
    }

    /// A group's name in the trace, when the run has more than one: "g2 ".
    func groupName(_ shard: Int) -> String { options.shardCount == 1 ? "" : "g\(shard + 1) " }

    /// A node and a shard as one number for the trace hash (the node alone for shard 0).
    static func nodeAndShard(_ position: Int, _ shard: Int) -> UInt64 { UInt64(position) | UInt64(shard) << 32 }

    // MARK: - Scheduling helpers

    mutating func scheduleTick(_ position: Int) {
        let interval = options.tickMicroseconds * 1000 / UInt64(nodes[position].clockRatePerMille)
        queue.schedule(.tick(node: position, incarnation: nodes[position].incarnation), at: now + interval)
    }

    /// Schedules `event` after an exponentially distributed delay with the given mean.
    mutating func scheduleNext(_ event: Event, meanMicroseconds: UInt64) {
        let unit = max(random.nextUnitInterval(), 1e-9)
        let delay = min(Double(meanMicroseconds) * -logarithm(unit), Double(meanMicroseconds) * 20)
        queue.schedule(event, at: now + UInt64(delay) + 1)
    }

    mutating func draw(_ range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound + random.next(below: range.upperBound - range.lowerBound + 1)
    }

    // MARK: - Trace

    func record(_ line: @autoclosure () -> String) {
        guard trace.enabled else { return }
        trace.append("\(now) \(line())")
    }

    mutating func fold(_ values: UInt64...) {
        for value in values { traceHash = StableHash.xxh64(value, seed: traceHash) }
    }
}

/// The natural logarithm of `x` in (0, 1], by range reduction and a series, so the pure core
/// needs no math library and every platform draws the same delays.
func logarithm(_ x: Double) -> Double {
    precondition(x > 0 && x <= 1, "logarithm of \(x)")
    var value = x
    var exponent = 0.0
    while value < 0.5 {
        value *= 2
        exponent -= 1
    }
    // ln(value) for value in [0.5, 1] via atanh series: ln(v) = 2 * atanh((v - 1) / (v + 1)).
    let ratio = (value - 1) / (value + 1)
    let square = ratio * ratio
    var term = ratio
    var sum = 0.0
    var denominator = 1.0
    for _ in 0..<30 {
        sum += term / denominator
        term *= square
        denominator += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}

/// The human-readable trace of a run, kept only when asked for (building the lines costs more
/// than the run). A reference so that recording does not need exclusive access to the
/// simulator while an argument is being built from it.
final class TraceRecorder {
    let enabled: Bool
    let linesMax: Int
    private(set) var lines: [String] = []

    init(enabled: Bool, linesMax: Int) {
        self.enabled = enabled
        self.linesMax = linesMax
    }

    func append(_ line: String) {
        lines.append(line)
        if lines.count > linesMax + linesMax / 4 { lines.removeFirst(lines.count - linesMax) }
    }
}
