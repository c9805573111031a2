import SynodCore
import SynodRaft
import SynodRuntime
import SynodStorage

/// Every option of one simulation run, all drawn from its seed (swarm testing: each seed
/// tests its own mix of cluster size, fault rates and timeouts).
public struct SimulationOptions: Sendable, CustomStringConvertible {
    public let seed: UInt64
    public var nodeCount: Int
    public var preVote: Bool
    public var checkQuorum: Bool
    public var leaseReads: Bool
    public var electionTimeoutTicks: Int
    public var heartbeatIntervalTicks: Int
    public var inflightMessagesMax: Int
    public var appendBytesMax: Int
    public var snapshotChunkBytes: Int
    /// Bytes of applied log between snapshots, at least (log compaction; the runtime's
    /// `snapshotLogBytesMin`).
    public var snapshotLogBytesMin: Int
    /// Simulated time per tick of a clock that does not drift.
    public var tickMicroseconds: UInt64 = 10_000
    /// Each node's clock runs fast or slow by up to this many parts per thousand.
    public var clockDriftPerMilleMax: Int
    /// Forward clock jumps (extra ticks at once); only without lease reads, whose safety
    /// assumes bounded drift.
    public var clockJumps: Bool
    public var networkLatencyMicroseconds: ClosedRange<UInt64>
    public var dropProbability: Double
    public var duplicateProbability: Double
    public var diskLatencyMicroseconds: ClosedRange<UInt64>
    /// Mean time between network faults (partitions of every shape).
    public var partitionIntervalMicroseconds: UInt64
    /// Mean time between node crashes; 0 disables crashes.
    public var crashIntervalMicroseconds: UInt64
    /// Probability that a crash takes every node down at once.
    public var crashAllProbability: Double
    /// Probability that a single-node crash picks the current leader.
    public var crashLeaderProbability: Double
    /// How long a crashed node stays down.
    public var restartDelayMicroseconds: ClosedRange<UInt64>
    /// Mean time between membership changes (a voter removed, later added back as a new
    /// learner and promoted); 0 disables them.
    public var membershipChangeIntervalMicroseconds: UInt64
    public var clientCount: Int
    public var keyCount: Int
    /// The share of client operations on locks (acquire, release, fenced writes, resource reads).
    public var lockOperationProbability: Double
    /// The share of operations that are commands of the Redis surface (`SimulatedWords`),
    /// and of those the share sent as MULTI/EXEC transactions of a few commands.
    public var commandOperationProbability: Double
    public var transactionProbability: Double
    /// The share of register writes sent with a read of the same key right behind them, in
    /// one pipeline: the read must see the write (`Simulator+Witness`).
    public var pipelineProbability: Double
    public var clientTimeoutMicroseconds: UInt64
    /// Mean pause between a client's operations.
    public var clientThinkMicroseconds: UInt64
    /// The faulty phase; then faults heal and the liveness phase starts.
    public var safetyPhaseMicroseconds: UInt64
    /// How long a healed cluster has to converge and finish every operation.
    public var livenessBoundMicroseconds: UInt64
    /// Write-ahead-log segment size: small ones make rotation and removal frequent.
    public var walSegmentBytes: Int
    /// The log's cache of recent entries; 0 makes every read go to the (simulated) disk.
    public var walEntryCacheBytes: Int
    /// Probability that a crash during a write leaves part of it on disk (a torn write,
    /// possibly followed by zeros) rather than none of it.
    public var tornWriteProbability: Double
    /// Probability that a restart first checks that a bit flipped in the node's files is
    /// detected (on a copy of the disk; the node then starts from the undamaged one).
    public var bitFlipProbability: Double
    /// Big values: when not 0, a quarter of the register writes store a value this many bytes
    /// longer (its number, then padding), so big entries cross the log, the disk and the
    /// network among small ones.
    public var bigValueBytes: Int
    /// The disk's and the network's bandwidth: a write's or a message's bytes add to its
    /// latency, so a big entry keeps its sync (and its append) in progress for long.
    public var diskBytesPerMicrosecond: UInt64
    public var networkBytesPerMicrosecond: UInt64
    /// The bytes of applied entries a replica keeps in memory (`RaftConfiguration`): small
    /// ones make leaders read entries back from storage for every follower behind.
    public var appliedEntryBytesKept: Int
    /// The most bytes one read back asks for.
    public var entryLoadBytesMax: Int
    /// Consensus groups (shards), each hosted by every node over the node's one log: register
    /// keys and locks are spread over them by slot (`SlotDivision`); the rest goes to the
    /// first. Membership changes are simulated with one group only.
    public var shardCount: Int
    /// Ticks a group is idle before it hibernates (`RaftConfiguration.hibernateAfterIdleTicks`);
    /// 0 never hibernates.
    public var hibernateAfterIdleTicks: Int
    /// A planted bug, for mutation testing.
    public var mutation: SimulationMutation?
    /// The most events a run may process before it is declared stuck (a liveness failure).
    public var eventsMax = 20_000_000

    /// Draws every option from `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        var random = SeededGenerator(seed: seed ^ 0x5EED_0F_0B71_0115)
        func pick<T>(_ choices: [T]) -> T { choices[random.nextIndex(below: choices.count)] }
        func between(_ low: UInt64, _ high: UInt64) -> UInt64 { low + random.next(below: high - low + 1) }
        nodeCount = pick([1, 2, 3, 3, 3, 4, 5, 5, 5, 6, 7])
        preVote = random.nextBool(probability: 0.7)
        checkQuorum = random.nextBool(probability: 0.7)
        leaseReads = checkQuorum && random.nextBool(probability: 0.4)
        electionTimeoutTicks = pick([5, 8, 10, 15, 20])
        heartbeatIntervalTicks = pick([1, 1, 2])
        inflightMessagesMax = pick([1, 4, 64, 256])
        appendBytesMax = pick([64, 1024, 1 << 20])
        snapshotChunkBytes = pick([16, 256, 1 << 20])
        // About 10, 50 and 200 entries of a register write, or never.
        snapshotLogBytesMin = pick([600, 3_000, 12_000, 1 << 40])
        clockDriftPerMilleMax = leaseReads ? pick([0, 10, 50]) : pick([0, 10, 50, 150])
        clockJumps = !leaseReads && random.nextBool(probability: 0.3)
        let latencyLow = between(50, 2_000)
        networkLatencyMicroseconds = latencyLow...(latencyLow + between(0, 20_000))
        dropProbability = pick([0, 0.01, 0.05, 0.2])
        duplicateProbability = pick([0, 0.01, 0.1])
        let diskLow = between(20, 2_000)
        diskLatencyMicroseconds = diskLow...(diskLow + between(0, 5_000))
        partitionIntervalMicroseconds = pick([300_000, 1_000_000, 3_000_000, 30_000_000])
        crashIntervalMicroseconds = pick([0, 500_000, 2_000_000, 5_000_000])
        crashAllProbability = pick([0, 0.1, 0.3])
        crashLeaderProbability = pick([0, 0.3, 0.8])
        restartDelayMicroseconds = pick([10_000...100_000, 20_000...2_000_000, 500_000...5_000_000])
        membershipChangeIntervalMicroseconds = nodeCount >= 3 ? pick([0, 0, 1_000_000, 3_000_000]) : 0
        clientCount = pick([1, 2, 3, 5])
        keyCount = pick([1, 2, 3, 5])
        let electionMicroseconds = UInt64(electionTimeoutTicks) * tickMicroseconds
        clientTimeoutMicroseconds = electionMicroseconds * pick([2, 4, 8])
        clientThinkMicroseconds = pick([100, 1_000, 10_000, 50_000])
        safetyPhaseMicroseconds = between(3_000_000, 10_000_000)
        livenessBoundMicroseconds = 60_000_000
        walSegmentBytes = pick([4096, 65_536, 1 << 20])
        walEntryCacheBytes = pick([0, 4096, 1 << 20])
        tornWriteProbability = pick([0, 0.5, 1])
        bitFlipProbability = pick([0, 0.2])
        lockOperationProbability = pick([0, 0.1, 0.3])
        commandOperationProbability = pick([0, 0.2, 0.5, 1])
        transactionProbability = pick([0, 0.2])
        pipelineProbability = pick([0, 0.3])
        // Drawn last, so that the options drawn before keep their values for every seed.
        bigValueBytes = pick([0, 0, 4_096, 65_536])
        diskBytesPerMicrosecond = pick([10, 100, 1_000])
        networkBytesPerMicrosecond = pick([10, 100, 1_000])
        // A state of big values sent 16 bytes a round trip would take minutes to catch a
        // follower up: pieces of a few KiB still cut it into many.
        if bigValueBytes > 0 { snapshotChunkBytes = max(snapshotChunkBytes, 4_096) }
        appliedEntryBytesKept = pick([0, 200, 4_096, 4 << 20])
        entryLoadBytesMax = pick([64, 1_024, 1 << 20])
        shardCount = pick([1, 1, 2, 3])
        if shardCount > 1 { membershipChangeIntervalMicroseconds = 0 }
        hibernateAfterIdleTicks = electionTimeoutTicks * pick([0, 1, 2])
        mutation = nil
    }

    public var description: String {
        """
        seed=\(seed) nodes=\(nodeCount) pre-vote=\(preVote) check-quorum=\(checkQuorum) lease-reads=\(leaseReads) \
        election-ticks=\(electionTimeoutTicks) heartbeat-ticks=\(heartbeatIntervalTicks) \
        inflight=\(inflightMessagesMax) append-bytes=\(appendBytesMax) chunk-bytes=\(snapshotChunkBytes) \
        snapshot-bytes=\(snapshotLogBytesMin) drift-per-mille=\(clockDriftPerMilleMax) jumps=\(clockJumps) \
        latency-us=\(networkLatencyMicroseconds.lowerBound)-\(networkLatencyMicroseconds.upperBound) \
        drop=\(dropProbability) duplicate=\(duplicateProbability) \
        disk-us=\(diskLatencyMicroseconds.lowerBound)-\(diskLatencyMicroseconds.upperBound) \
        partition-every-us=\(partitionIntervalMicroseconds) crash-every-us=\(crashIntervalMicroseconds) \
        crash-all=\(crashAllProbability) crash-leader=\(crashLeaderProbability) \
        restart-after-us=\(restartDelayMicroseconds.lowerBound)-\(restartDelayMicroseconds.upperBound) membership-every-us=\(membershipChangeIntervalMicroseconds) \
        clients=\(clientCount) keys=\(keyCount) client-timeout-us=\(clientTimeoutMicroseconds) \
        think-us=\(clientThinkMicroseconds) safety-us=\(safetyPhaseMicroseconds) \
        liveness-bound-us=\(livenessBoundMicroseconds) wal-segment-bytes=\(walSegmentBytes) \
        wal-cache-bytes=\(walEntryCacheBytes) torn-writes=\(tornWriteProbability) bit-flips=\(bitFlipProbability) \
        lock-operations=\(lockOperationProbability) \
        commands=\(commandOperationProbability) transactions=\(transactionProbability) \
        pipelines=\(pipelineProbability) big-value-bytes=\(bigValueBytes) \
        disk-bytes-per-us=\(diskBytesPerMicrosecond) network-bytes-per-us=\(networkBytesPerMicrosecond) \
        applied-bytes-kept=\(appliedEntryBytesKept) load-bytes=\(entryLoadBytesMax) shards=\(shardCount) \
        hibernate-after-ticks=\(hibernateAfterIdleTicks) mutation=\(mutation?.rawValue ?? "none")
        """
    }
}

extension SimulationOptions {
    /// Whether a follower of a leader that runs and is connected must never time out: the
    /// leader's heartbeats, sent every heartbeat interval by the slowest clock, arrive (and
    /// their answers come back) with time to spare within the shortest election timeout by
    /// the fastest clock. The steady-leader check holds the healed cluster to it.
    public var heartbeatsOutpaceElectionTimeouts: Bool {
        let slowestClock = UInt64(1000 - clockDriftPerMilleMax)
        let fastestClock = UInt64(1000 + clockDriftPerMilleMax)
        let latencySpread = networkLatencyMicroseconds.upperBound - networkLatencyMicroseconds.lowerBound
        let heartbeatGap = UInt64(heartbeatIntervalTicks) * tickMicroseconds * 1000 / slowestClock + 2 * latencySpread
        let electionTimeoutMin = UInt64(electionTimeoutTicks) * tickMicroseconds * 1000 / fastestClock
        return 2 * heartbeatGap <= electionTimeoutMin
    }
}

/// Bugs the simulator can plant to prove its checkers have teeth: the protocol's own
/// (`RaftMutation`) and the driver's.
public enum SimulationMutation: String, CaseIterable, Sendable {
    case commitEarlierTermByCount = "commit-old-term-by-count"
    case grantSecondVote = "grant-second-vote"
    case leaseTooLong = "lease-too-long"
    /// A leader whose own write is still being synced sends heartbeats with a commit index
    /// that covers it.
    case heartbeatCommitPastDurable = "heartbeat-commit-past-durable"
    /// The leader answers reads from its state machine without ReadIndex.
    case readWithoutReadIndex = "read-without-read-index"
    /// The driver does not persist votes, so a restarted node can vote again in a term.
    case forgetVoteOnRestart = "forget-vote-on-restart"
    /// The driver sends messages (acknowledgements) before the disk write is durable.
    case acknowledgeBeforeFsync = "ack-before-fsync"
    /// The driver leaves every hard-state-only change unsynced, a new term or vote included
    /// (only a new commit index may wait for the next sync).
    case skipHardStateSync = "skip-hard-state-sync"
    /// The leader proposes clients' writes without their session, so a write sent again
    /// after a timeout may apply twice.
    case retryWithoutIdentity = "retry-without-identity"
    /// The leader answers a client's SET when it proposes it, before it commits and applies.
    case replyBeforeApply = "reply-before-apply"
    /// A read waits for its ReadIndex only, not for the writes its client sent before it in
    /// the same pipeline.
    case dropSessionOrder = "drop-session-order"
    /// A follower forwards a read while the writes its client sent before it still wait for
    /// their answer, so the read may reach the leader first.
    case forwardReadsPastWrites = "forward-reads-past-writes"
    /// A follower installs the state decoded from the first piece of a snapshot the leader
    /// sent, not the whole snapshot.
    case installHalfBuiltSnapshot = "install-half-built-snapshot"
    /// Heartbeats and every other entry-less message share the data lane, so they wait
    /// behind the appends and snapshot pieces queued before them.
    case heartbeatsBehindData = "heartbeats-behind-data"
    /// A replica whose entries are all offloaded takes its last term from its snapshot.
    case lastTermForgetsOffloaded = "last-term-forgets-offloaded"
    /// The log removes a segment once one group's snapshot covers its entries there, though
    /// another group's entries in it are not covered yet.
    case removeSegmentsOneGroupCovers = "remove-segments-one-group-covers"
    /// A leader handing leadership over serves its clients' reads at once, though their
    /// connections' earlier writes wait for the next leader.
    case readsPastHandover = "reads-past-handover"
    /// A leader hibernates its group while a follower still lacks entries.
    case hibernateWithFollowerBehind = "hibernate-with-follower-behind"
    /// The shell gives a quiet group the ticks it owes only at its next run of ticks, after
    /// the input that woke it: a leader woken by a request counts them against its followers'
    /// first answers and steps down.
    case ticksAfterWake = "ticks-after-wake"

    var raftMutation: RaftMutation? {
        switch self {
        case .commitEarlierTermByCount: .commitEarlierTermByCount
        case .grantSecondVote: .grantSecondVote
        case .leaseTooLong: .leaseTooLong
        case .heartbeatCommitPastDurable: .heartbeatCommitPastDurable
        case .lastTermForgetsOffloaded: .lastTermForgetsOffloaded
        case .hibernateWithFollowerBehind: .hibernateWithFollowerBehind
        case .readWithoutReadIndex, .forgetVoteOnRestart, .ticksAfterWake, .acknowledgeBeforeFsync, .skipHardStateSync,
            .retryWithoutIdentity, .replyBeforeApply, .dropSessionOrder, .forwardReadsPastWrites,
            .installHalfBuiltSnapshot, .heartbeatsBehindData, .removeSegmentsOneGroupCovers, .readsPastHandover:
            nil
        }
    }

    /// The bug planted in the group runtime, the one the node runs.
    var runtimeMutation: RuntimeMutation? {
        switch self {
        case .readWithoutReadIndex: .readWithoutReadIndex
        case .acknowledgeBeforeFsync: .acknowledgeBeforeFsync
        case .skipHardStateSync: .skipHardStateSync
        case .replyBeforeApply: .replyBeforeApply
        case .dropSessionOrder: .dropSessionOrder
        case .forwardReadsPastWrites: .forwardReadsPastWrites
        case .installHalfBuiltSnapshot: .installHalfBuiltSnapshot
        case .readsPastHandover: .readsPastHandover
        case .commitEarlierTermByCount, .grantSecondVote, .leaseTooLong, .heartbeatCommitPastDurable,
            .forgetVoteOnRestart, .retryWithoutIdentity, .heartbeatsBehindData, .lastTermForgetsOffloaded,
            .removeSegmentsOneGroupCovers, .hibernateWithFollowerBehind, .ticksAfterWake:
            nil
        }
    }

    /// The bug planted in the write-ahead log.
    var storageMutation: StorageMutation? {
        self == .removeSegmentsOneGroupCovers ? .removeSegmentsOneGroupCovers : nil
    }
}

extension SimulationOptions {
    /// These options with `mutation` planted, and the faults it needs to show turned up.
    public func planting(_ mutation: SimulationMutation) -> SimulationOptions {
        func pick<T>(_ seed: UInt64, _ choices: [T]) -> T { choices[Int(seed % UInt64(choices.count))] }
        var options = self
        options.mutation = mutation
        // Each bug needs particular faults to show; a mutation run turns them up.
        switch mutation {
        case .commitEarlierTermByCount:
            // Figure 8: leaders that crash with entries on a minority, and new leaders that
            // replicate one entry at a time, over a long faulty phase.
            options.nodeCount = 3
            options.safetyPhaseMicroseconds = 30_000_000
            options.dropProbability = 0
            options.networkLatencyMicroseconds = 500...20_000
            options.crashIntervalMicroseconds = 300_000
            options.crashAllProbability = 0
            options.crashLeaderProbability = 0.8
            options.restartDelayMicroseconds = 10_000...300_000
            options.electionTimeoutTicks = 5
            options.appendBytesMax = 64
            options.inflightMessagesMax = 1
            options.partitionIntervalMicroseconds = 300_000
            options.clientCount = 5
            options.clientThinkMicroseconds = 100
        case .forgetVoteOnRestart, .skipHardStateSync:
            // Split votes with crashes in between.
            options.nodeCount = pick(seed, [3, 5])
            options.preVote = false
            options.electionTimeoutTicks = 5
            options.crashIntervalMicroseconds = 200_000
            options.crashAllProbability = 0
            options.restartDelayMicroseconds = 10_000...50_000
        case .readsPastHandover:
            // Pipelines on one key per shard, and leaders that crash, so that elections keep
            // choosing leaders their groups do not prefer, which hand leadership over.
            options.shardCount = 3
            options.nodeCount = 3
            options.membershipChangeIntervalMicroseconds = 0
            options.pipelineProbability = 0.8
            options.commandOperationProbability = 0
            options.lockOperationProbability = 0
            options.crashIntervalMicroseconds = 500_000
            options.crashAllProbability = 0
        case .dropSessionOrder:
            // Pipelines on few keys, and a leader whose own disk is slow to make a write
            // durable while its followers confirm a read.
            options.pipelineProbability = 0.8
            options.commandOperationProbability = 0
            options.keyCount = 1
            options.diskLatencyMicroseconds = 1_000...10_000
        case .forwardReadsPastWrites:
            // Pipelines through followers on one key, over links whose delays vary enough
            // that a later frame often overtakes an earlier one.
            options.nodeCount = 3
            options.pipelineProbability = 0.8
            options.commandOperationProbability = 0
            options.lockOperationProbability = 0
            options.keyCount = 1
            options.networkLatencyMicroseconds = 100...8_000
        case .heartbeatCommitPastDurable:
            // A leader's disk far slower than its network, so followers acknowledge its
            // entries and hear a heartbeat before its own sync ends, and crashes of leaders
            // in that window.
            options.nodeCount = 3
            options.diskLatencyMicroseconds = 5_000...20_000
            options.networkLatencyMicroseconds = 100...1_000
            options.crashIntervalMicroseconds = 200_000
            options.crashAllProbability = 0
            options.crashLeaderProbability = 0.8
        case .acknowledgeBeforeFsync, .replyBeforeApply:
            options.nodeCount = max(options.nodeCount, 3)
            options.crashIntervalMicroseconds = 300_000
            options.diskLatencyMicroseconds = 1_000...10_000
        case .grantSecondVote, .readWithoutReadIndex:
            options.nodeCount = max(options.nodeCount, 3)
        case .lastTermForgetsOffloaded:
            // Every applied entry offloaded and no snapshot to fall back on, and leaders that
            // crash or are cut off so that elections follow each other.
            options.nodeCount = pick(seed, [3, 5])
            options.appliedEntryBytesKept = 0
            options.snapshotLogBytesMin = 1 << 40
            options.crashIntervalMicroseconds = 300_000
            options.crashLeaderProbability = 0.8
            options.crashAllProbability = 0
            options.partitionIntervalMicroseconds = 300_000
        case .installHalfBuiltSnapshot:
            // Followers cut off or down while the log is compacted often, then caught up by
            // snapshots sent in small pieces.
            options.nodeCount = 3
            options.snapshotChunkBytes = 64
            options.snapshotLogBytesMin = 600
            options.keyCount = 5
            options.crashIntervalMicroseconds = 300_000
            options.partitionIntervalMicroseconds = 300_000
        case .retryWithoutIdentity:
            // Clients that give up on an answer sooner than the log commits, so that a copy
            // sent again often lands beside the first one.
            options.nodeCount = 3
            options.keyCount = 2
            options.clientCount = 5
            options.clientThinkMicroseconds = 100
            options.lockOperationProbability = 0
            options.networkLatencyMicroseconds = 100...2_000
            options.diskLatencyMicroseconds = 1_000...8_000
            options.clientTimeoutMicroseconds = 16_000
        case .heartbeatsBehindData:
            // Followers that crash and are down when the faults heal, so the healed cluster
            // catches them up with appends of 16 big entries each, a megabyte that a slow
            // network takes longer to carry than an election timeout lasts.
            options.nodeCount = 3
            options.bigValueBytes = 65_536
            options.networkBytesPerMicrosecond = 10
            options.appendBytesMax = 1 << 20
            options.snapshotLogBytesMin = 1 << 40
            options.electionTimeoutTicks = 5
            options.heartbeatIntervalTicks = 1
            options.networkLatencyMicroseconds = 100...1_000
            options.membershipChangeIntervalMicroseconds = 0
            options.crashIntervalMicroseconds = 500_000
            options.crashAllProbability = 0
            options.restartDelayMicroseconds = 500_000...5_000_000
            options.clientCount = 5
            options.clientThinkMicroseconds = 100
        case .removeSegmentsOneGroupCovers:
            // Several groups on every node writing to small segments, snapshots taken often
            // (by some groups sooner than others), entries kept in memory (a read back of a lost
            // one would stop the run rather than fail a check), and crashes to recover from disk.
            options.shardCount = pick(seed, [2, 3])
            options.membershipChangeIntervalMicroseconds = 0
            options.nodeCount = 3
            options.keyCount = 5
            options.walSegmentBytes = 4096
            options.snapshotLogBytesMin = pick(seed, [600, 3_000])
            options.appliedEntryBytesKept = 4 << 20
            options.crashIntervalMicroseconds = 500_000
            options.crashAllProbability = 0.3
        case .ticksAfterWake:
            // Shards whose groups hibernate, and clients that pause long enough for them to.
            options.nodeCount = 3
            options.shardCount = 3
            options.membershipChangeIntervalMicroseconds = 0
            options.hibernateAfterIdleTicks = options.electionTimeoutTicks
            options.clientThinkMicroseconds = 50_000
        case .hibernateWithFollowerBehind:
            // Groups that hibernate soon, over a lossy network, so that a follower often
            // lacks the last entries when its leader finds the group idle.
            options.nodeCount = 3
            options.hibernateAfterIdleTicks = 2
            options.dropProbability = 0.2
            options.clientThinkMicroseconds = 50_000
        case .leaseTooLong:
            // A leader cut off from its peers but not from clients, serving reads from its
            // lease while a new leader takes writes. Faults last long enough for an election.
            options.nodeCount = pick(seed, [3, 5])
            options.checkQuorum = true
            options.leaseReads = true
            options.clockJumps = false
            options.safetyPhaseMicroseconds = 10_000_000
            options.partitionIntervalMicroseconds = 1_000_000
            options.preVote = false
            options.electionTimeoutTicks = 10
            options.heartbeatIntervalTicks = 1
            options.networkLatencyMicroseconds = 50...500
            options.dropProbability = 0
            options.clientCount = 5
            options.keyCount = 2
            options.clientThinkMicroseconds = 100
            options.clientTimeoutMicroseconds = UInt64(options.electionTimeoutTicks) * options.tickMicroseconds / 2
            // Partitions alone: a crash or a membership change ends the stale leader's lease
            // (and the window in which it answers) early.
            options.crashIntervalMicroseconds = 0
            options.membershipChangeIntervalMicroseconds = 0
        }
        return options
    }
}
