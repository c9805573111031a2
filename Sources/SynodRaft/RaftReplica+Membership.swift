import SynodConsensus
import SynodCore

/// Membership changes, one member at a time (Raft thesis §4.1).
///
/// Single-server changes are safe when at most one is in flight and the leader has committed
/// an entry of its own term before proposing one (the fix for the bug Ongaro described in
/// 2015). A change takes effect when committed, on every replica.
extension RaftReplica {
    public mutating func proposeConfigurationChange(_ change: ConfigurationChange) throws(ProposalError) {
        wake()
        try checkCanPropose()
        guard pendingConfigurationIndex <= log.committedIndex, hasCommittedInCurrentTerm else {
            throw .configurationChangeInProgress
        }
        switch change {
        case .addLearner(let node):
            guard !membership.contains(node) else { throw .invalidConfigurationChange("\(node) is already a member") }
        case .addVoter(let node):
            guard !membership.voters.contains(node) else {
                throw .invalidConfigurationChange("\(node) is already a voter")
            }
        case .remove(let node):
            guard membership.contains(node) else { throw .invalidConfigurationChange("\(node) is not a member") }
            guard membership.voters != [node] else {
                throw .invalidConfigurationChange("cannot remove the last voter")
            }
        }
        appendAsLeader([.configurationChange(change)])
        broadcastAppend()
    }

    /// Applies a committed membership change to this replica's view of the group.
    mutating func applyConfigurationChange(_ change: ConfigurationChange) {
        membership = membership.applying(change)
        guard case .leader = role else { return }
        switch change {
        case .addLearner(let node), .addVoter(let node):
            guard node != id, progress[node] == nil else { break }
            progress[node] = Progress(
                next: log.lastIndex.next,
                inflightMessagesMax: settings.inflightMessagesMax,
                inflightBytesMax: settings.inflightBytesMax
            )
            progress.modifyValue(forKey: node) { $0.recentlyActive = true }
        case .remove(let node):
            if node == id {
                // The leader left the group: hand leadership to the most caught-up voter so
                // the group does not wait for an election timeout, then step down.
                if let successor = membership.voters.max(by: {
                    (matchIndex(of: $0) ?? .zero, $1) < (matchIndex(of: $1) ?? .zero, $0)
                }) {
                    send(.timeoutNow, to: successor)
                }
                becomeFollower(term: term, leader: nil)
                return
            }
            progress[node] = nil
            if transfer?.target == node { transfer = nil }
        }
        // A smaller quorum may commit more now.
        if advanceCommitIndex() { broadcastAppend() }
    }
}
