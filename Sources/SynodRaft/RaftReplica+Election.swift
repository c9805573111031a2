import SynodConsensus
import SynodCore

extension RaftReplica {
    /// True while this replica hears from a leader recently enough that it refuses to help
    /// depose it (leader stickiness, Raft thesis §4.2.3), with or without check-quorum.
    /// Without it a member removed before it learned so campaigns at ever higher terms, and a
    /// member that lags behind the removal (so still counts it a voter) takes each term and
    /// hands it to the leader, deposing it again and again (scenario 19).
    var isInLeaderLease: Bool {
        guard leader != nil else { return false }
        return electionElapsedTicks < settings.electionTimeoutTicks
    }

    /// Bytes of a message from `sender` in `messageTerm` are arriving but it is not all here
    /// (a big append takes a while to stream in). A follower of `sender` in that term counts
    /// its leader as heard from, as its messages will be: the leader is busy sending to it,
    /// not gone. Only postpones an election, which is always safe.
    public mutating func messageArriving(from sender: NodeID, term messageTerm: Term) {
        guard messageTerm == term, case .follower(leader: sender) = role else { return }
        electionElapsedTicks = 0
    }

    /// Applies the term rules of §5.1 to an incoming message; returns whether to handle it.
    mutating func acceptTerm(of message: RaftMessage) -> Bool {
        if message.term > term {
            switch message.body {
            case .preVote:
                // A pre-vote asks about a future term and changes nothing here, but a replica
                // that hears from a leader does not encourage it.
                if isInLeaderLease {
                    send(.preVoteResponse(granted: false), to: message.from)
                    return false
                }
                return true
            case .preVoteResponse(granted: true):
                // Echoes the term we would campaign in; not a newer term. A grant for a term
                // further ahead answers no pre-vote this replica sent.
                guard message.term == term.next else {
                    drop(.answersUnsent)
                    return false
                }
                return true
            case .vote(_, _, let leadershipTransfer):
                if isInLeaderLease && !leadershipTransfer { return false }
                becomeFollower(term: message.term, leader: nil)
                return true
            case .append, .heartbeat, .snapshotChunk, .hibernate:
                becomeFollower(term: message.term, leader: message.from)
                return true
            case .preVoteResponse(granted: false), .voteResponse, .appendResponse, .heartbeatResponse,
                .snapshotResponse, .timeoutNow:
                becomeFollower(term: message.term, leader: nil)
                return true
            }
        }
        if message.term < term {
            switch message.body {
            case .append, .heartbeat, .snapshotChunk, .hibernate:
                // A deposed leader: tell it the new term so it steps down (with check-quorum
                // it would otherwise keep trying, and pre-vote would keep us from bumping it).
                send(.appendResponse(.accepted(matchIndex: .zero)), to: message.from)
            case .preVote:
                send(.preVoteResponse(granted: false), to: message.from)
            case .vote, .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse, .snapshotResponse,
                .timeoutNow:
                break
            }
            return false
        }
        return true
    }

    mutating func tickElection(holdingAtTimeout: Bool = false) {
        electionElapsedTicks += 1
        guard electionElapsedTicks >= randomizedElectionTimeoutTicks else { return }
        if holdingAtTimeout {
            electionElapsedTicks = randomizedElectionTimeoutTicks - 1
            electionHeldAfterPause = true
            return
        }
        electionHeldAfterPause = false
        electionElapsedTicks = 0
        guard isVoter else { return }
        startElection(preVote: settings.preVote, leadershipTransfer: false)
    }

    /// Starts a pre-election (or, without pre-vote, an election) for the next term.
    mutating func startElection(preVote: Bool, leadershipTransfer: Bool) {
        guard isVoter else { return }
        // Only forged messages can have raised the term this far (see `Term.acceptedMax`);
        // past it no peer would accept this replica's messages. The group needs an operator.
        guard term < Term.acceptedMax else { return }
        if preVote {
            becomePreCandidate()
        } else {
            becomeCandidate()
        }
        requestVotes(preVote: preVote, leadershipTransfer: leadershipTransfer)
    }

    private mutating func requestVotes(preVote: Bool, leadershipTransfer: Bool) {
        let electionTerm = preVote ? term.next : term
        votes.record(id, granted: true)
        if votes.outcome(voters: membership.voters) == .won {
            if preVote { startElection(preVote: false, leadershipTransfer: leadershipTransfer) } else { becomeLeader() }
            return
        }
        for voter in membership.voters.sorted() where voter != id {
            let body: RaftMessage.Body =
                preVote
                ? .preVote(lastIndex: log.lastIndex, lastTerm: log.lastTerm)
                : .vote(lastIndex: log.lastIndex, lastTerm: log.lastTerm, leadershipTransfer: leadershipTransfer)
            send(body, to: voter, term: electionTerm)
        }
    }

    /// Answers a (pre-)vote request whose term is at least ours (`acceptTerm` ran first).
    mutating func handleVoteRequest(_ message: RaftMessage, lastIndex: LogIndex, lastTerm: Term, preVote: Bool) {
        let canVote =
            votedFor == message.from
            || (votedFor == nil && leader == nil)
            || (preVote && message.term > term)
            || (!preVote && settings.plantedBug == .grantSecondVote)
        let granted = canVote && log.isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm)
        if preVote {
            // A granted pre-vote echoes the proposed term; a refusal carries ours.
            send(.preVoteResponse(granted: granted), to: message.from, term: granted ? message.term : term)
            return
        }
        if granted {
            precondition(
                votedFor == nil || votedFor == message.from || settings.plantedBug == .grantSecondVote,
                "second vote in term \(term)"
            )
            votedFor = message.from
            electionElapsedTicks = 0
        }
        send(.voteResponse(granted: granted), to: message.from)
    }

    /// Counts a (pre-)vote answer while campaigning.
    mutating func handleVoteResponse(from voter: NodeID, granted: Bool, preVote: Bool) {
        let expectedRole: Role = preVote ? .preCandidate : .candidate
        guard role == expectedRole else { return }
        votes.record(voter, granted: granted)
        switch votes.outcome(voters: membership.voters) {
        case .won:
            if preVote { startElection(preVote: false, leadershipTransfer: false) } else { becomeLeader() }
        case .lost:
            becomeFollower(term: term, leader: nil)
        case .pending:
            break
        }
    }

    // MARK: - Role changes

    mutating func becomeFollower(term newTerm: Term, leader: NodeID?) {
        precondition(newTerm >= term, "term moved back from \(term) to \(newTerm)")
        precondition(newTerm <= Term.acceptedMax, "term \(newTerm) above the limit: admission lets none through")
        if newTerm > term {
            term = newTerm
            votedFor = nil
        }
        role = .follower(leader: leader)
        resetTimers()
        votes = VoteTally()
        progress = [:]
        transfer = nil
        uncommittedBytes = 0
        readRequests.abandon()
        forgetLoadedEntries()
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "a leader does not pre-campaign")
        // Term and vote stay: a pre-vote round changes nothing durable.
        role = .preCandidate
        votes = VoteTally()
        resetTimers()
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "a leader does not campaign")
        precondition(term < Term.acceptedMax, "campaigning past the term limit")
        term = term.next
        votedFor = id
        role = .candidate
        votes = VoteTally()
        resetTimers()
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader")
        role = .leader
        resetTimers()
        progress = [:]
        leaseRevoked = false
        forgetLoadedEntries()
        for member in membership.members where member != id {
            var memberProgress = Progress(
                next: log.lastIndex.next,
                inflightMessagesMax: settings.inflightMessagesMax,
                inflightBytesMax: settings.inflightBytesMax
            )
            memberProgress.recentlyActive = true
            progress[member] = memberProgress
        }
        // Raft §5.4.2 / §8: an entry of the new term commits every earlier entry with it.
        appendAsLeader([.noop])
        broadcastAppend()
    }

    private mutating func resetTimers() {
        hibernating = false
        idleTicks = 0
        electionElapsedTicks = 0
        heartbeatElapsedTicks = 0
        resetRandomizedElectionTimeout()
    }
}
