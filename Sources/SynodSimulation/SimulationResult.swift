import SynodCore

/// How a simulation run ended.
public enum SimulationOutcome: Sendable {
    case passed
    case failed(SimulationFailure)
}

/// A violated check, with what it saw.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// A safety property broke: the product could lose or corrupt data.
        case safety
        /// The healed cluster did not converge or finish its operations within the bound.
        case liveness
    }

    public let kind: Kind
    /// The check that failed, e.g. `election-safety`.
    public let check: String
    public let detail: String

    public var description: String { "\(kind.rawValue) violation: \(check): \(detail)" }
}

/// What a run measured, for progress lines and the summary.
public struct SimulationStatistics: Sendable, CustomStringConvertible {
    public var events = 0
    public var simulatedMicroseconds: UInt64 = 0
    public var messagesDelivered = 0
    public var messagesDropped = 0
    public var crashes = 0
    public var networkFaults = 0
    public var membershipChanges = 0
    public var operationsCompleted = 0
    /// The operations completed in each shard's group.
    public var operationsPerShard: [Int] = []
    public var operationsIndeterminate = 0
    /// Writes answered after more than one attempt (each attempt with the same identity).
    public var operationsRetried = 0
    public var leaderElections = 0
    /// TimeoutNow messages delivered: leaderships handed over (to a group's preferred leader).
    public var leadershipHandovers = 0
    /// Times a replica began to hibernate (`RaftReplica+Hibernation`), and times a node told
    /// its groups a peer had gone silent.
    public var hibernations = 0
    public var silentPeerReports = 0
    /// Each shard's leader when the run ended (the up node that led in the highest term), nil
    /// for none.
    public var leadersAtEnd: [NodeID?] = []
    public var highestTerm: UInt64 = 0
    public var highestCommitIndex: UInt64 = 0
    public var snapshotsTaken = 0
    public var snapshotsInstalled = 0
    /// Reads back of entries a leader let go of, and the entries they brought back.
    public var entryLoads = 0
    public var entriesLoaded = 0
    /// Crashes that left part of a write on disk.
    public var tornWrites = 0
    /// Bit flips injected into a stopped node's files, every one of them detected.
    public var bitFlipsDetected = 0
    /// Reads of a register that answered a big value (`SimulationOptions.bigValueBytes`).
    public var bigValuesRead = 0
    /// Observations of a voter held to the steady-leader check (`checkSteadyLeader`).
    public var steadyLeaderChecks = 0
    /// Keys whose history the checker could not decide within its step budget.
    public var linearizabilityUnknownKeys = 0
    /// The commands (lowercased names) that clients sent and that took effect in the log.
    public var coveredCommands: Set<String> = []

    /// The operations of each shard, or for more than 8, how many shards had any.
    var shardOperations: String {
        guard operationsPerShard.count > 8 else { return operationsPerShard.map(String.init).joined(separator: "/") }
        return "\(operationsPerShard.count { $0 > 0 })-of-\(operationsPerShard.count)-shards"
    }

    public var description: String {
        """
        events=\(events) simulated-ms=\(simulatedMicroseconds / 1000) delivered=\(messagesDelivered) \
        dropped=\(messagesDropped) crashes=\(crashes) network-faults=\(networkFaults) \
        membership-changes=\(membershipChanges) ops=\(operationsCompleted) \
        ops-per-shard=\(shardOperations) \
        indeterminate=\(operationsIndeterminate) retried=\(operationsRetried) elections=\(leaderElections) \
        handovers=\(leadershipHandovers) hibernations=\(hibernations) silent-peers=\(silentPeerReports) term=\(highestTerm) \
        commit=\(highestCommitIndex) snapshots=\(snapshotsTaken)/\(snapshotsInstalled) \
        entry-loads=\(entryLoads)/\(entriesLoaded) \
        torn-writes=\(tornWrites) bit-flips-detected=\(bitFlipsDetected) big-values-read=\(bigValuesRead) \
        steady-leader-checks=\(steadyLeaderChecks) linearizability-unknown-keys=\(linearizabilityUnknownKeys)
        """
    }
}

/// The full report of one run.
public struct SimulationReport: Sendable {
    public let options: SimulationOptions
    public let outcome: SimulationOutcome
    public let statistics: SimulationStatistics
    /// XXH64 folded over every event: equal for two runs of one seed.
    public let traceHash: UInt64
    /// The trace lines, when tracing was on (the last `traceLinesMax` of them).
    public let trace: [String]
}
