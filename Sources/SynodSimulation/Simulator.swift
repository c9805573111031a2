import SynodConsensus
import SynodCore
import SynodKeyValue
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
        case deliver(RaftMessage)
        case deliverFrame(from: NodeID, to: NodeID, PeerFrameContent)
        case diskWriteDone(node: Int, incarnation: Int)
        case entriesRead(node: Int, incarnation: Int, EntryLoad)
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
    /// The healed cluster's leader once every voter follows it (`checkSteadyLeader`).
    var steadyLeader: SteadyLeader?
    /// The heartbeats, appends and their answers delivered since the heal, by link and term.
    var contactsSinceHeal: Set<Contact> = []
    var livenessStartMicroseconds: UInt64 = 0
    var checker = SimulationChecker()
    var statistics = SimulationStatistics()
    var traceHash: UInt64 = 0
    let trace: TraceRecorder
    var finished: SimulationOutcome?

    /// The most trace lines kept (the newest).
    public static let traceLinesMax = 20_000

    public init(options: SimulationOptions, trace: Bool = false) {
        self.options = options
        self.trace = TraceRecorder(enabled: trace, linesMax: Self.traceLinesMax)
        random = SeededGenerator(seed: options.seed)
    }

    /// Runs the safety phase, then the liveness phase, then the final checks.
    public mutating func run() -> SimulationReport {
        start()
        while finished == nil, let (time, event) = queue.popFirst() {
            precondition(time >= now, "simulated time went backwards")
            now = time
            statistics.events += 1
            handle(event)
            if let failure = checker.failure { finished = .failed(failure) }
            if statistics.events % 5_000 == 0 { checker.checkLogMatching(nodes.compactMap(\.replica)) }
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
        nodes.append(SimulatedNode(id: id, durable: state, clockRatePerMille: rate))
        checker.recordDurable(state, on: id)
        initializeDisk(nodes.count - 1, with: state)
        boot(nodes.count - 1)
    }

    /// Starts (or restarts) a node from its durable state.
    mutating func boot(_ position: Int) {
        var configuration = RaftConfiguration(id: nodes[position].id, randomSeed: random.next())
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
        let durable = recoverFromDisk(position)
        let replica: RaftReplica
        do {
            replica = try RaftReplica(configuration: configuration, state: durable)
        } catch {
            preconditionFailure("simulator built an invalid configuration: \(error)")
        }
        var settings = GroupSettings(nodeID: nodes[position].id)
        settings.snapshotLogBytesMin = options.snapshotLogBytesMin
        settings.plantedBug = options.mutation?.runtimeMutation
        let time = self.time
        let rate = Int64(nodes[position].clockRatePerMille)
        do {
            nodes[position].runtime = try SimulatedNode.Runtime(
                group: SimulatedNode.group,
                settings: settings,
                replica: replica,
                snapshot: durable.snapshot,
                observer: SimulationObserver(),
                // Apart from the clients' sessions (their ids plus one).
                session: random.next() | 1 << 63,
                firstRequestID: 1 << 62 | random.next(below: 1 << 40),
                randomSeed: random.next(),
                clock: {
                    let monotonic = Int64(time.microseconds) * rate / 1_000_000
                    return GroupTime(wallMilliseconds: 1_700_000_000_000 + monotonic, monotonicMilliseconds: monotonic)
                }
            )
        } catch {
            preconditionFailure("n\(position + 1) cannot restore its snapshot: \(error)")
        }
        nodes[position].runtime!.observer.lockWaits = LockWaitChecker(store: nodes[position].store)
        record("n\(position + 1) boots term=\(durable.hardState.term) last=\(durable.entries.last?.index ?? .zero)")
        scheduleTick(position)
    }

    // MARK: - Events

    mutating func handle(_ event: Event) {
        switch event {
        case .tick(let position, let incarnation):
            guard nodes[position].incarnation == incarnation, nodes[position].isUp else { return }
            nodes[position].runtime!.tick()
            afterInput(position)
            scheduleTick(position)
        case .deliver(let message):
            deliver(message)
        case .deliverFrame(let from, let to, let content):
            deliverFrame(content, from: from, to: to)
        case .diskWriteDone(let position, let incarnation):
            guard nodes[position].incarnation == incarnation else { return }
            diskWriteDone(position)
        case .entriesRead(let position, let incarnation, let load):
            guard nodes[position].incarnation == incarnation, nodes[position].isUp else { return }
            entriesRead(load, on: position)
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

    /// After an input: the runtime's outputs are carried out, and its next Ready taken.
    mutating func afterInput(_ position: Int) {
        carryOutOutputs(position)
        processReady(position)
        observe(position)
    }

    mutating func observe(_ position: Int) {
        guard let replica = nodes[position].replica else { return }
        if checker.observeLeader(replica) {
            statistics.leaderElections += 1
            record("n\(position + 1) leads term \(replica.term)")
            fold(0xE1EC, UInt64(position), replica.term.rawValue)
        }
        statistics.highestTerm = max(statistics.highestTerm, replica.term.rawValue)
        statistics.highestCommitIndex = max(statistics.highestCommitIndex, replica.commitIndex.rawValue)
        checker.observeProgress(replica, appliedIndex: nodes[position].store.appliedIndex)
        checkSteadyLeader(position)
    }

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
