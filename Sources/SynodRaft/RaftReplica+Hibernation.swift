import SynodConsensus
import SynodCore

/// Hibernation: an idle group sends nothing.
///
/// A leader sends a heartbeat to every follower each `heartbeatIntervalTicks`, and a node
/// hosting many groups spends most of its time on the heartbeats of groups nobody uses. When
/// `hibernateAfterIdleTicks` is set, a leader whose group has been idle that long (everything
/// committed, every member holding the whole log and heard from within an election timeout,
/// no read, transfer or membership change under way) sends each follower `hibernate` with the
/// commit index and stops its heartbeats and its quorum check. A follower that gets it commits
/// to that index and stops counting its election timeout.
///
/// What wakes a group:
/// - on the leader, anything to do: a proposal, a read, a transfer, a membership change, or a
///   member campaigning (a member that restarted does, and its pre-vote wakes the leader,
///   whose heartbeats make it a follower again). The leader sends heartbeats at once.
/// - on a follower, a member campaigning, or its node hearing nothing from the leader's node
///   for a while (`leaderSilent`): the driver watches each peer node, not each group, so a
///   thousand hibernating groups cost one liveness check per peer. The follower then counts
///   its election timeout from where it stopped, and campaigns if the leader stays silent.
///   Its leader's heartbeats and appends do not wake it (one sent before the leader
///   hibernated may arrive after): they reset its timeout as always, and while it hibernates
///   it relies on its node to notice that the leader's node went silent.
///
/// Safety does not depend on any of this: hibernation only stops timers, and Raft's safety
/// never depends on timers. Leases do, and stay safe: a hibernating follower counts less time
/// than passes, so it refuses other candidates at least as long as its leader's lease holds.
/// A hibernating leader holds no lease anyway: it forgets every acknowledgement when it
/// hibernates, and after waking counts only those of heartbeats it sent since
/// (`leaseFloorTick`), so a read after waking costs one heartbeat round.
extension RaftReplica {
    /// Whether this replica is hibernating: a leader that sends no heartbeats, or a follower
    /// that does not count its election timeout.
    public var isHibernating: Bool { hibernating }

    /// The driver heard nothing from `node` for a while: a follower hibernating under it
    /// wakes, and campaigns if it stays silent for an election timeout.
    public mutating func leaderSilent(_ node: NodeID) {
        guard hibernating, case .follower(leader: node) = role else { return }
        wake()
    }

    /// Leaves hibernation. A leader sends heartbeats at once, and counts for its lease and its
    /// quorum check only the answers to heartbeats sent from now on.
    mutating func wake() {
        guard hibernating else { return }
        hibernating = false
        idleTicks = 0
        guard case .leader = role else { return }
        electionElapsedTicks = 0
        heartbeatElapsedTicks = 0
        leaseFloorTick = max(leaseFloorTick, logicalTick)
        for index in progress.indices { progress.values[index].recentlyActive = false }
        broadcastHeartbeat(readRound: readRequests.roundToBroadcast())
    }

    /// On a leader's tick: counts the ticks the group has been idle, and hibernates after
    /// `hibernateAfterIdleTicks` of them.
    mutating func considerHibernating() {
        guard settings.hibernateAfterIdleTicks > 0 else { return }
        guard isIdle else {
            idleTicks = 0
            return
        }
        idleTicks += 1
        guard idleTicks >= settings.hibernateAfterIdleTicks else { return }
        hibernating = true
        for (member, memberProgress) in progress.sorted(by: { $0.key < $1.key }) {
            send(.hibernate(commit: min(memberProgress.match, log.committedIndex)), to: member)
        }
        for index in progress.indices { progress.values[index].acknowledgedLeaderTick = 0 }
        // Answers still on their way to the heartbeats sent until now count no more.
        leaseFloorTick = logicalTick + 1
    }

    /// Nothing for the group to do: every entry committed and held by every member, each of
    /// them heard from within an election timeout, no read, transfer, membership change or
    /// read back from storage under way.
    private var isIdle: Bool {
        guard transfer == nil, readRequests.isEmpty, !appendsUnsent, entriesToLoad == nil, !entryLoadInFlight,
            log.committedIndex == log.lastIndex, pendingConfigurationIndex <= log.committedIndex,
            hasCommittedInCurrentTerm
        else { return false }
        let timeout = UInt64(settings.electionTimeoutTicks)
        let recent = logicalTick > timeout ? logicalTick - timeout : 0
        for memberProgress in progress.values {
            let holdsLog = memberProgress.match == log.lastIndex || settings.plantedBug == .hibernateWithFollowerBehind
            guard holdsLog, memberProgress.acknowledgedLeaderTick > recent else { return false }
        }
        return true
    }

    /// A follower told by its leader that the group hibernates: it commits what the leader
    /// says is committed and stops counting its election timeout.
    mutating func handleHibernate(commit: LogIndex) {
        self.commit(to: min(commit, log.lastIndex))
        hibernating = true
    }
}

extension RaftMessage.Body {
    /// A (pre-)vote request or a handover: someone campaigns, which wakes a hibernating group.
    var isCampaigning: Bool {
        switch self {
        case .preVote, .vote, .timeoutNow: true
        default: false
        }
    }
}
