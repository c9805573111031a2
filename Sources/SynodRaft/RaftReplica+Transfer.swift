import SynodConsensus
import SynodCore

/// Leadership transfer (Raft thesis §3.10): the leader stops taking proposals, brings the
/// target up to date, and sends it TimeoutNow so it campaigns at once. A transfer that does
/// not finish within an election timeout is abandoned.
extension RaftReplica {
    public mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        wake()
        guard case .leader = role else { throw .notLeader(leader: leader) }
        guard target != id else { return }
        guard membership.voters.contains(target) else {
            throw .invalidConfigurationChange("\(target) is not a voter")
        }
        transfer = (target, 0)
        if progress[target]?.match == log.lastIndex {
            send(.timeoutNow, to: target)
        } else {
            sendAppend(to: target)
        }
    }

    /// Leader only: the member leadership is being handed to.
    public var transferTarget: NodeID? { transfer?.target }

    /// Leader only: whether `member` holds every entry of this leader's log and was heard
    /// from since the last check-quorum round.
    public func isCaughtUp(_ member: NodeID) -> Bool {
        guard case .leader = role, let progress = progress[member] else { return false }
        return progress.match == log.lastIndex && progress.recentlyActive
    }
}
