import SynodConsensus
import SynodCore
import SynodRaft

/// The liveness phase: every fault heals and the cluster must converge, finish every client
/// operation and agree on its state within a bound.
extension Simulator {
    mutating func endSafetyPhase() {
        inLivenessPhase = true
        livenessStartMicroseconds = now
        networkFaultGeneration += 1
        blockedLinks = []
        record("safety phase ends: faults heal")
        for position in nodes.indices where !nodes[position].isUp && !nodes[position].decommissioned {
            boot(position)
        }
        queue.schedule(.livenessCheck, at: now + 10_000)
    }

    mutating func checkLiveness() {
        if let unmet = unmetLivenessCondition() {
            guard now - livenessStartMicroseconds < options.livenessBoundMicroseconds else {
                finished = .failed(
                    SimulationFailure(
                        kind: .liveness,
                        check: "convergence",
                        detail: "after \(options.livenessBoundMicroseconds / 1000) ms of healed network: \(unmet)"
                    )
                )
                return
            }
            queue.schedule(.livenessCheck, at: now + 10_000)
            return
        }
        checkLogMatching()
        if let failure {
            finished = .failed(failure)
            return
        }
        finished = checkHistory()
    }

    /// The steady-leader check. Once the healed cluster has a leader that every voter is up
    /// for and follows in its term, no voter may time out and campaign: the leader runs, the
    /// network is whole, and however big the entries crossing it, heartbeats must keep
    /// reaching the followers. It holds when the options leave heartbeats the time to arrive
    /// (`heartbeatsOutpaceElectionTimeouts`). A transfer of leadership or a change of voters
    /// starts the wait for a steady leader over.
    mutating func checkSteadyLeader(_ position: Int, _ shard: Int) {
        guard inLivenessPhase, options.heartbeatsOutpaceElectionTimeouts, finished == nil else { return }
        guard let steady = steadyLeaders[shard] else {
            steadyLeaders[shard] = currentSteadyLeader(shard)
            if let steady = steadyLeaders[shard] {
                record("\(steady.leader) leads \(groupName(shard))term \(steady.term) steadily")
            }
            return
        }
        guard nodes[Int(steady.leader.rawValue) - 1].replica(shard)?.membership.voters == steady.voters else {
            steadyLeaders[shard] = nil
            return
        }
        guard let replica = nodes[position].replica(shard), steady.voters.contains(replica.id) else { return }
        statistics.steadyLeaderChecks += 1
        switch replica.role {
        case .preCandidate, .candidate:
            finished = .failed(
                SimulationFailure(
                    kind: .liveness,
                    check: "steady-leader",
                    detail: "\(replica.id) campaigns \(groupName(shard))(\(replica.role), term \(replica.term)) while "
                        + "\(steady.leader) leads term \(steady.term) over a whole network"
                )
            )
        case .follower, .leader:
            break
        }
    }

    /// The leader every voter is up for and follows in its term, and has exchanged a heartbeat
    /// or an append with since the heal (a follower cut off until the heal may time out
    /// before the leader's first message reaches it), if there is one.
    private func currentSteadyLeader(_ shard: Int) -> SteadyLeader? {
        guard let leader = nodes.compactMap({ $0.replica(shard) }).first(where: { $0.role == .leader }) else {
            return nil
        }
        for voter in leader.membership.voters {
            guard let replica = nodes[Int(voter.rawValue) - 1].replica(shard), replica.term == leader.term,
                replica.role == .leader || replica.role == .follower(leader: leader.id)
            else { return nil }
            guard
                voter == leader.id
                    || (contactsSinceHeal.contains(Contact(shard: shard, from: leader.id, to: voter, term: leader.term))
                        && contactsSinceHeal.contains(
                            Contact(shard: shard, from: voter, to: leader.id, term: leader.term)
                        ))
            else { return nil }
        }
        return SteadyLeader(leader: leader.id, term: leader.term, voters: leader.membership.voters)
    }

    /// A heartbeat or an append, or an answer to one, delivered in the liveness phase.
    struct Contact: Hashable, Sendable {
        let shard: Int
        let from: NodeID
        let to: NodeID
        let term: Term
    }

    struct SteadyLeader: Sendable {
        let leader: NodeID
        let term: Term
        let voters: Set<NodeID>
    }

    /// What still keeps the run from being finished, or nil when it has converged.
    private func unmetLivenessCondition() -> String? {
        for client in clients where !client.stopped || client.outstanding != nil {
            return "client \(client.id) has not finished an operation since the heal"
        }
        for shard in shards {
            if let unmet = unmetLivenessCondition(shard) { return groupName(shard) + unmet }
        }
        return nil
    }

    /// What keeps one group from having converged: a leader, its log committed, and every
    /// member up to date.
    private func unmetLivenessCondition(_ shard: Int) -> String? {
        guard let leader = self.leader(shard) else {
            let states = nodes.compactMap { $0.replica(shard) }.map {
                "\($0.id) \($0.role) t\($0.term) \($0.membership) last \($0.lastIndex) commit \($0.commitIndex)"
            }
            return "no leader (\(states.joined(separator: "; ")))"
        }
        guard leader.commitIndex == leader.lastIndex else {
            return "leader \(leader.id) has uncommitted entries (\(leader.commitIndex) of \(leader.lastIndex))"
        }
        let members = leader.membership.members.map { id in nodes[Int(id.rawValue) - 1] }
        for node in members {
            guard let replica = node.replica(shard) else { return "member \(node.id) is down" }
            let applied = node.store(shard).appliedIndex
            guard replica.term == leader.term, replica.commitIndex == leader.commitIndex,
                applied == leader.commitIndex.rawValue, node.shards[shard].writeInProgress == nil
            else {
                return "member \(node.id) at term \(replica.term) commit \(replica.commitIndex) applied "
                    + "\(applied), leader \(leader.id) at \(leader.term)/\(leader.commitIndex)"
            }
        }
        return nil
    }

    /// The group's leader of the highest term, if any node leads it.
    private func leader(_ shard: Int) -> RaftReplica? {
        nodes.compactMap { $0.replica(shard) }.filter { $0.role == .leader }.max { $0.term < $1.term }
    }

    /// Final checks: identical state machines on every member, and a linearizable history.
    private mutating func checkHistory() -> SimulationOutcome {
        for shard in shards {
            let stores = leader(shard)!.membership.members.map { nodes[Int($0.rawValue) - 1].store(shard) }
            if let different = stores.first(where: { $0 != stores[0] }) {
                return .failed(
                    SimulationFailure(
                        kind: .safety,
                        check: "replicas-identical",
                        detail: "\(groupName(shard))state machines differ at applied index \(different.appliedIndex)"
                    )
                )
            }
        }
        if let failure = checkAgainstCommittedLog() { return .failed(failure) }
        return checkLinearizability()
    }
}
