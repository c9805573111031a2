import SynodConsensus
import SynodCore

/// What the leader proposes of its own accord: the state machine's opening entry in a new
/// term, then whatever its duties choose (`LeaderDuties`). Each is refused while the leader is
/// busy (flow control, a transfer) and tried again later.
extension GroupRuntime {
    /// On a tick: in a new term, first the opening entry; then the duties' proposals.
    mutating func leaderHousekeeping() {
        // Every entry's time settles the deadlines due by it: none comes before the new
        // leader's opening entry (for the key-value store, `extendLeases`: a lease that fell
        // due during the election must not end).
        openTermIfNewLeader()
        proposeDuties(.tick)
        handOverToPreferredLeader()
    }

    /// A leader that is not the group's preferred one hands leadership to it once it holds the
    /// whole log and everything is committed, so the transfer takes one round trip; tried
    /// again after `leadershipHandoverRetryMilliseconds` if it did not happen. The writes of
    /// this node's clients wait meanwhile (`routableLeader`), and go to the new leader.
    mutating func handOverToPreferredLeader() {
        guard isLeader, let preferred = settings.preferredLeader, preferred != settings.nodeID,
            openedTerm == replica.term, replica.transferTarget == nil,
            replica.commitIndex == replica.lastIndex, replica.isCaughtUp(preferred)
        else { return }
        let time = now().monotonicMilliseconds
        guard time >= nextHandoverAttempt else { return }
        nextHandoverAttempt = time + settings.leadershipHandoverRetryMilliseconds
        do {
            try replica.transferLeadership(to: preferred)
            statistics.leadershipHandovers += 1
        } catch {
            // Not a voter of this group (a membership change): nothing to hand over to.
        }
    }

    /// Before anything else of its term, a new leader proposes the state machine's opening
    /// entry (once per term; no client write or duty comes before it).
    mutating func openTermIfNewLeader() {
        guard isLeader, openedTerm != replica.term else { return }
        guard let entry = State.leaderOpeningEntry(at: now().wallMilliseconds) else {
            openedTerm = replica.term
            return
        }
        // Refused while the leader is busy or no longer leads: tried again at the next tick or
        // client write, and no client write is proposed before it.
        if (try? replica.propose(entry.encoded)) != nil {
            openedTerm = replica.term
            duties.newTerm()
        }
    }

    /// Proposes what the duties choose at `moment`, in order, while the replica takes them.
    mutating func proposeDuties(_ moment: HousekeepingMoment) {
        guard isLeader, openedTerm == replica.term else { return }
        let entries = duties.proposals(moment, state: state, time: now(), settings: settings, random: &random)
        for entry in entries {
            // Refused while the leader is busy or no longer leads: the duties choose it again later.
            guard (try? replica.propose(entry.encoded)) != nil else { continue }
            duties.proposed(entry, at: replica.lastIndex)
        }
    }
}
