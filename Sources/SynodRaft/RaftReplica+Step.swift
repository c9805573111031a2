import SynodConsensus
import SynodCore

extension RaftReplica {
    /// Handles a message of the current term as a follower.
    mutating func stepFollower(_ message: RaftMessage) {
        switch message.body {
        case .preVote(let lastIndex, let lastTerm):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
        case .vote(let lastIndex, let lastTerm, _):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
        case .append(let previousIndex, let previousTerm, let entries, let commit):
            guard admitLeader(message.from) else { return }
            heardFromLeader(message.from)
            handleAppend(from: message.from, previousIndex, previousTerm, entries, commit)
        case .heartbeat(let commit, let leaderTick, let readRound):
            guard admitLeader(message.from) else { return }
            heardFromLeader(message.from)
            handleHeartbeat(from: message.from, commit: commit, leaderTick: leaderTick, readRound: readRound)
        case .snapshotChunk(let chunk):
            guard admitLeader(message.from) else { return }
            heardFromLeader(message.from)
            handleSnapshotChunk(from: message.from, chunk)
        case .hibernate(let commit):
            guard admitLeader(message.from) else { return }
            heardFromLeader(message.from)
            handleHibernate(commit: commit)
        case .timeoutNow:
            // The leader hands over: campaign at once, without pre-vote, overriding leases.
            guard admitLeader(message.from) else { return }
            startElection(preVote: false, leadershipTransfer: true)
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse, .snapshotResponse:
            break  // answers to a role this replica no longer has
        }
    }

    /// Handles a message of the current term while campaigning.
    mutating func stepCandidate(_ message: RaftMessage) {
        switch message.body {
        case .preVote(let lastIndex, let lastTerm):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
        case .vote(let lastIndex, let lastTerm, _):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
        case .preVoteResponse(let granted):
            handleVoteResponse(from: message.from, granted: granted, preVote: true)
        case .voteResponse(let granted):
            handleVoteResponse(from: message.from, granted: granted, preVote: false)
        case .append, .heartbeat, .snapshotChunk, .hibernate:
            // A leader of this term exists: follow it and handle the message as a follower.
            becomeFollower(term: message.term, leader: message.from)
            stepFollower(message)
        case .appendResponse, .heartbeatResponse, .snapshotResponse, .timeoutNow:
            break
        }
    }

    /// Handles a message of the current term as the leader.
    mutating func stepLeader(_ message: RaftMessage) {
        switch message.body {
        case .preVote(let lastIndex, let lastTerm):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: true)
        case .vote(let lastIndex, let lastTerm, _):
            handleVoteRequest(message, lastIndex: lastIndex, lastTerm: lastTerm, preVote: false)
        case .appendResponse(let result):
            handleAppendResponse(from: message.from, result)
        case .heartbeatResponse(let leaderTick, let readRound):
            handleHeartbeatResponse(from: message.from, leaderTick: leaderTick, readRound: readRound)
        case .snapshotResponse(let result):
            handleSnapshotResponse(from: message.from, result)
        case .append, .heartbeat, .snapshotChunk, .hibernate:
            // Two leaders in one term cannot happen in a correct group: forged, or a bug in
            // the sender. Counted, so the driver can report it.
            drop(.secondLeader)
        case .preVoteResponse, .voteResponse, .timeoutNow:
            break
        }
    }

    /// Notes a message from the leader `admitLeader` accepted.
    private mutating func heardFromLeader(_ leader: NodeID) {
        electionElapsedTicks = 0
        if case .follower(nil) = role { role = .follower(leader: leader) }
    }
}
