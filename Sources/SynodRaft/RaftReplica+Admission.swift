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
        case .append, .heartbeat, .snapshotChunk:
            // A leader's messages are not filtered by membership: a follower that lags learns
            // the membership from them, and may not know its leader as a member yet. The
            // term rules decide whether they lead; `admitLeader` refuses a second leader.
            return nil
        case .timeoutNow:
            return message.from == leader || knowsAsMember(message.from) ? nil : .nonMember
        case .preVote, .preVoteResponse, .vote, .voteResponse, .appendResponse, .heartbeatResponse,
            .snapshotResponse:
            return knowsAsMember(message.from) ? nil : .nonMember
        }
    }

    /// Whether `node` is a voter or learner of the committed membership, the one this replica
    /// asks for votes, counts votes in and replicates to. A replica that knows no voter yet (a
    /// machine joining the group) takes every sender as a member until it learns the
    /// membership from the leader.
    ///
    /// A member added by an entry this replica has not yet seen committed is refused for now:
    /// it learns the commit within a heartbeat, and until then the others can elect a leader.
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
