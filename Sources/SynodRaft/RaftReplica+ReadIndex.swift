import SynodConsensus
import SynodCore

/// Linearizable reads.
///
/// ReadIndex (Raft thesis §6.4): the leader records its commit index for the read, confirms it
/// is still leader with a heartbeat round a majority acknowledges, and then the read may be
/// served once that index is applied. A leader that has not yet committed an entry of its own
/// term holds reads until it has, since its commit index may lag the true one.
///
/// Lease reads (thesis §6.4.1), when `leaseReads` is on: with check-quorum, a follower
/// ignores other candidates for `electionTimeoutTicks` after hearing the leader. So a leader
/// whose heartbeat sent at leader tick `t` was acknowledged by a majority cannot be replaced
/// before the followers' clocks run `electionTimeoutTicks`. Allowing for clocks that drift
/// apart by up to `clockDriftBoundTicks` over that period, the leader serves reads without a
/// round while `now < t + electionTimeoutTicks - clockDriftBoundTicks`. The bound is checked
/// by `RaftConfiguration.validate()` and by the simulator's drifting clocks. A leader that
/// sent TimeoutNow (a transfer, or its own removal) serves no more lease reads in its term:
/// the target's election overrides the followers' leases.
extension RaftReplica {
    public mutating func readIndex(context: UInt64) throws(ProposalError) {
        wake()
        guard case .leader = role else { throw .notLeader(leader: leader) }
        if membership.voters == [id] {
            readStates.append(ReadState(index: log.committedIndex, context: context))
            return
        }
        if settings.leaseReads && hasCommittedInCurrentTerm && leaseIsValid {
            readStates.append(ReadState(index: log.committedIndex, context: context))
            return
        }
        guard readRequests.count < ReadRequestQueue.pendingReadsMax else { throw .tooManyPendingReads }
        readRequests.enqueue(context: context)
        if hasCommittedInCurrentTerm { startPendingReadRound() }
    }

    var hasCommittedInCurrentTerm: Bool { log.term(at: log.committedIndex) == term }

    /// True while a majority acknowledged a heartbeat recent enough for the lease rule above.
    public var leaseIsValid: Bool {
        guard case .leader = role, settings.checkQuorum, !leaseRevoked, !hibernating else { return false }
        let acknowledgedTick = Quorum.majorityValue(voters: membership.voters) { member in
            member == id ? logicalTick : progress[member]?.acknowledgedLeaderTick ?? 0
        }
        let leaseTicks =
            settings.plantedBug == .leaseTooLong
            ? UInt64(3 * settings.electionTimeoutTicks)
            : UInt64(settings.electionTimeoutTicks - settings.clockDriftBoundTicks)
        return acknowledgedTick > 0 && logicalTick < acknowledgedTick + leaseTicks
    }

    /// Starts a heartbeat round for reads waiting without one.
    mutating func startPendingReadRound() {
        guard let round = readRequests.startRound(commitIndex: log.committedIndex) else { return }
        broadcastHeartbeat(readRound: round)
    }

    mutating func releaseReadsAfterCommit() {
        if hasCommittedInCurrentTerm { startPendingReadRound() }
    }

    mutating func acknowledgeReadRound(_ round: UInt64, from member: NodeID) {
        guard membership.voters.contains(member) else { return }
        let quorum = Quorum.size(voterCount: membership.voters.count)
        readStates += readRequests.acknowledge(round: round, from: member, leader: id, quorum: quorum)
    }
}

/// Reads waiting for a leader to confirm its leadership, grouped into heartbeat rounds.
struct ReadRequestQueue: Sendable {
    /// A heartbeat round and the reads that wait on it.
    private struct Round: Sendable {
        let number: UInt64
        let commitIndex: LogIndex
        var contexts: [UInt64]
        var acknowledgements: Set<NodeID> = []
    }

    /// Reads not yet in a round (the leader has not committed in its term yet).
    private var unassigned: [UInt64] = []
    /// Rounds in the order they started; a quorum for a round confirms every earlier one.
    private var rounds: [Round] = []
    private var nextRoundNumber: UInt64 = 1
    /// The most reads one leader holds at once.
    static let pendingReadsMax = 65_536

    var count: Int { unassigned.count + rounds.reduce(0) { $0 + $1.contexts.count } }

    var isEmpty: Bool { unassigned.isEmpty && rounds.isEmpty }

    mutating func enqueue(context: UInt64) { unassigned.append(context) }

    /// Groups the unassigned reads into a new round; returns its number.
    mutating func startRound(commitIndex: LogIndex) -> UInt64? {
        guard !unassigned.isEmpty else { return nil }
        let number = nextRoundNumber
        nextRoundNumber += 1
        rounds.append(Round(number: number, commitIndex: commitIndex, contexts: unassigned))
        unassigned = []
        return number
    }

    /// The newest round, re-sent with periodic heartbeats in case its messages were lost.
    func roundToBroadcast() -> UInt64? { rounds.last?.number }

    /// Records an acknowledgement; returns the reads it releases.
    mutating func acknowledge(round number: UInt64, from member: NodeID, leader: NodeID, quorum: Int) -> [ReadState] {
        guard let position = rounds.firstIndex(where: { $0.number == number }) else {
            // An acknowledgement of a newer round confirms older ones too, but rounds already
            // released are gone; an unknown number is a late duplicate.
            return []
        }
        rounds[position].acknowledgements.insert(member)
        rounds[position].acknowledgements.insert(leader)
        guard rounds[position].acknowledgements.count >= quorum else { return [] }
        var released: [ReadState] = []
        for round in rounds[...position] {
            released += round.contexts.map { ReadState(index: round.commitIndex, context: $0) }
        }
        rounds.removeSubrange(...position)
        return released
    }

    /// Drops every waiting read (this replica lost leadership); their clients time out or retry.
    mutating func abandon() {
        unassigned = []
        rounds = []
    }
}
