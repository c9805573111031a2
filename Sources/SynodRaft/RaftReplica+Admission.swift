import SynodConsensus
import SynodCore

/// What a message must pass before it touches any state.
///
/// Everything in a message comes from the network, where anyone can write to the peer port.
/// A message that no correct peer would send is dropped and counted in `droppedMessages`,
/// never trapped on: preconditions in the handlers guard this replica's own logic only. The
/// checks run in `step` before the term rules, so a forged message cannot even raise the term.
///
/// Without authenticated peers a forger can still impersonate a member with well-formed
/// messages; these checks keep such messages from crashing a replica or from being counted
/// as something the replica never sent, not from being believed.
extension RaftReplica {
    /// Dropped messages, by reason, since this replica started (for the driver's metrics).
    public var droppedMessageCount: UInt64 { droppedMessages.total }

    /// Why `message` must be dropped before anything else looks at it, or nil.
    func admissionFailure(of message: RaftMessage) -> RaftMessageDropReason? {
        guard message.to == id else { return .wrongRecipient }
        guard message.from != id else { return .fromSelf }
        if let violation = message.fieldViolation { return violation }
        switch message.body {
        case .append, .heartbeat, .snapshotChunk, .hibernate:
            // A leader's messages are not filtered by membership: a follower that lags learns
            // the membership from them, and may not know its leader as a member yet. The
            // term rules decide whether they lead; `admitLeader` refuses a second leader.
            return nil
        case .timeoutNow:
            return message.from == leader || knowsAsMember(message.from) ? nil : .nonMember
        case .preVote, .vote:
            // A candidate this replica does not know is answered while no leader is known
            // here: this replica's membership may be behind the candidate's (it missed the
            // entry that added the candidate while cut off), and its vote may be the one the
            // group needs to elect anyone. Granting is still decided by the log and the term
            // rules, and a candidate counts only its own voters. While a leader is known, a
            // stranger is dropped: it can never depose a working leader.
            return knowsAsMember(message.from) || leader == nil ? nil : .nonMember
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse, .snapshotResponse:
            return knowsAsMember(message.from) ? nil : .nonMember
        }
    }

    /// Whether `node` is a voter or learner of the committed membership, the one this replica
    /// asks for votes, counts votes in and replicates to. A replica that knows no voter yet (a
    /// machine joining the group) takes every sender as a member until it learns the
    /// membership from the leader.
    ///
    /// Only answers to this replica's own requests are refused from others: a vote or an
    /// acknowledgement counts only from a member.
    func knowsAsMember(_ node: NodeID) -> Bool {
        membership.voters.isEmpty || membership.contains(node)
    }

    /// Whether `sender` may lead this follower in the current term. The first leader heard in
    /// a term is followed; a correct group has no second one, so its messages are dropped.
    mutating func admitLeader(_ sender: NodeID) -> Bool {
        if case .follower(let known?) = role, known != sender {
            drop(.secondLeader)
            return false
        }
        return true
    }

    mutating func drop(_ reason: RaftMessageDropReason) {
        droppedMessages.record(reason)
    }
}
