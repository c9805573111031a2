import SynodConsensus
import SynodCore
import SynodRaft

/// Commits entries through a Raft group of replicas in one process, with no I/O: the
/// consensus core's own cost, per entry, for a batch size.
///
/// Each round the leader proposes `batchSize` entries as one batch and the group runs until
/// they are applied on every replica; a batch of 1 is one client waiting for each write, a
/// batch of 1024 is many clients whose writes share rounds.
public struct RaftBenchmark: Sendable {
    public let replicaCount: Int
    public let batchSize: Int
    public let payloadBytes: Int

    public init(replicaCount: Int = 3, batchSize: Int, payloadBytes: Int = 16) {
        precondition((1...7).contains(replicaCount), "1...7 replicas")
        precondition((1...65_536).contains(batchSize), "batch size 1...65536")
        self.replicaCount = replicaCount
        self.batchSize = batchSize
        self.payloadBytes = payloadBytes
    }

    /// The result of one run.
    public struct Result: Sendable {
        public let entries: Int
        public let seconds: Double
        public var entriesPerSecond: Double { Double(entries) / seconds }
    }

    /// Commits at least `entryCount` entries (whole batches) and times it.
    public func run(entryCount: Int) throws -> Result {
        var cluster = try InMemoryRaftCluster(replicaCount: replicaCount)
        cluster.electLeader()
        let payload = [UInt8](repeating: 0x61, count: payloadBytes)
        let batch = [[UInt8]](repeating: payload, count: batchSize)
        let rounds = (entryCount + batchSize - 1) / batchSize
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<rounds {
            try cluster.commit(batch: batch)
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(entries: rounds * batchSize, seconds: seconds)
    }
}

/// Replicas wired together in memory: persistence is instant, every message is delivered in
/// order, applied entries are only counted.
struct InMemoryRaftCluster {
    private(set) var replicas: [RaftReplica]
    private var pending: [RaftMessage] = []
    private(set) var appliedCounts: [Int]

    init(replicaCount: Int) throws {
        let ids = (1...UInt64(replicaCount)).map { NodeID($0) }
        replicas = try ids.map { id in
            // No storage to read entries back from: every entry stays in memory.
            var configuration = RaftConfiguration(id: id, randomSeed: id.rawValue)
            configuration.appliedEntryBytesKept = .max
            return try RaftReplica(configuration: configuration, state: .bootstrap(voters: Set(ids)))
        }
        appliedCounts = Array(repeating: 0, count: replicaCount)
    }

    var leaderPosition: Int? { replicas.firstIndex { $0.role == .leader } }

    mutating func electLeader() {
        replicas[0].campaign()
        runUntilQuiet()
        precondition(leaderPosition != nil, "no leader elected")
    }

    /// Proposes `batch` on the leader and runs until every replica applied it.
    mutating func commit(batch: [[UInt8]]) throws(ProposalError) {
        guard let leader = leaderPosition else { throw .notLeader(leader: nil) }
        try replicas[leader].propose(batch: batch)
        let target = replicas[leader].lastIndex
        while replicas.contains(where: { $0.appliedIndex < target }) || !pending.isEmpty {
            step()
        }
    }

    mutating func runUntilQuiet() {
        repeat { step() } while !pending.isEmpty || replicas.contains(where: \.hasReady)
    }

    /// One round: every replica's Ready is handled, then every message delivered.
    private mutating func step() {
        for position in replicas.indices where replicas[position].hasReady {
            let ready = replicas[position].ready()
            pending += ready.messages
            appliedCounts[position] += ready.committedEntries.count
            replicas[position].advance(ready)
        }
        let messages = pending
        pending.removeAll(keepingCapacity: true)
        for message in messages {
            replicas[Int(message.to.rawValue) - 1].step(message)
        }
    }
}
