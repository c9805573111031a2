import SynodConsensus
import SynodCore

/// The settings of one Raft replica. Defaults suit a 100 ms tick.
public struct RaftConfiguration: Sendable {
    /// This replica's id.
    public var id: NodeID
    /// Ticks without hearing a leader before a follower campaigns; the actual timeout is
    /// drawn uniformly from `[electionTimeoutTicks, 2 * electionTimeoutTicks)`.
    public var electionTimeoutTicks = 10
    /// Ticks between a leader's heartbeats.
    public var heartbeatIntervalTicks = 1
    /// Run a pre-vote round before a real election, so a partitioned node that rejoins does
    /// not force the term up and depose a healthy leader.
    public var preVote = true
    /// A leader steps down when it has not heard from a quorum within an election timeout,
    /// and followers ignore votes while they hear from a leader.
    public var checkQuorum = true
    /// The most append messages in flight to one follower.
    public var inflightMessagesMax = 256
    /// The most entry bytes in one append message (at least one entry is always sent).
    public var appendBytesMax = 1 << 20
    /// The most entry bytes in flight to one follower.
    public var inflightBytesMax = 64 << 20
    /// The most proposed bytes a leader holds uncommitted before it refuses proposals.
    public var uncommittedBytesMax = 256 << 20
    /// The most committed-entry bytes handed out in one `Ready` (at least one entry).
    public var committedBytesPerReadyMax = 16 << 20
    /// The bytes of applied (and durable) entries kept in memory, newest first, for followers
    /// a little behind; the bytes of older ones are let go of and read back from the driver's
    /// storage when a follower needs them (`Ready.entriesToLoad`). Their terms stay.
    public var appliedEntryBytesKept = 4 << 20
    /// The most bytes of entries one read back from storage asks for.
    public var entryLoadBytesMax = 4 << 20
    /// The size of one snapshot chunk on the wire.
    public var snapshotChunkBytes = 1 << 20
    /// The worst drift, in ticks per election timeout, between this leader's clock and any
    /// follower's. Lease reads are served only within `electionTimeoutTicks - clockDriftBoundTicks`
    /// of the heartbeat round a quorum acknowledged; see `RaftReplica+ReadIndex.swift`.
    public var clockDriftBoundTicks = 2
    /// Serve reads from the leader's lease (no heartbeat round) while the lease holds.
    public var leaseReads = false
    /// Ticks a group must be idle before its leader stops its heartbeats and its followers
    /// their election timers (`RaftReplica+Hibernation`); 0 never hibernates. The driver must
    /// then tell a follower when the leader's node goes silent (`leaderSilent`).
    public var hibernateAfterIdleTicks = 0
    /// Seed of the election-jitter generator.
    public var randomSeed: UInt64
    /// A bug to plant, for the simulator's mutation tests only; nil everywhere else.
    public var plantedBug: RaftMutation?

    public init(id: NodeID, randomSeed: UInt64) {
        self.id = id
        self.randomSeed = randomSeed
    }

    /// Checks that the settings are consistent; the replica refuses to start otherwise.
    public func validate() throws(RaftConfigurationError) {
        guard electionTimeoutTicks >= 2 else { throw .invalid("electionTimeoutTicks must be at least 2") }
        guard heartbeatIntervalTicks >= 1, heartbeatIntervalTicks < electionTimeoutTicks else {
            throw .invalid("heartbeatIntervalTicks must be in 1..<electionTimeoutTicks")
        }
        guard inflightMessagesMax >= 1 else { throw .invalid("inflightMessagesMax must be at least 1") }
        guard appliedEntryBytesKept >= 0, entryLoadBytesMax >= 1 else {
            throw .invalid("appliedEntryBytesKept must not be negative, entryLoadBytesMax must be at least 1")
        }
        guard appendBytesMax >= 1, inflightBytesMax >= appendBytesMax else {
            throw .invalid("inflightBytesMax must be at least appendBytesMax")
        }
        // A chunk travels in one peer frame.
        guard snapshotChunkBytes >= 1, snapshotChunkBytes <= SizeLimits.requestBytesCeiling else {
            throw .invalid("snapshotChunkBytes must be in 1...\(SizeLimits.requestBytesCeiling)")
        }
        guard clockDriftBoundTicks >= 0, clockDriftBoundTicks < electionTimeoutTicks else {
            throw .invalid("clockDriftBoundTicks must be in 0..<electionTimeoutTicks")
        }
        guard hibernateAfterIdleTicks >= 0 else { throw .invalid("hibernateAfterIdleTicks must not be negative") }
        guard !leaseReads || checkQuorum else { throw .invalid("leaseReads requires checkQuorum") }
    }
}

/// A configuration (or a persisted state) the replica cannot run with.
public enum RaftConfigurationError: Error, Hashable, Sendable {
    case invalid(String)
}
