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
        checker.checkLogMatching(nodes.compactMap(\.replica))
        if let failure = checker.failure {
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
    mutating func checkSteadyLeader(_ position: Int) {
        guard inLivenessPhase, options.heartbeatsOutpaceElectionTimeouts, finished == nil else { return }
        guard let steady = steadyLeader else {
            steadyLeader = currentSteadyLeader()
            if let steady = steadyLeader { record("\(steady.leader) leads term \(steady.term) steadily") }
            return
        }
        guard nodes[Int(steady.leader.rawValue) - 1].replica?.membership.voters == steady.voters else {
            steadyLeader = nil
            return
        }
        guard let replica = nodes[position].replica, steady.voters.contains(replica.id) else { return }
        statistics.steadyLeaderChecks += 1
        switch replica.role {
        case .preCandidate, .candidate:
            finished = .failed(
                SimulationFailure(
                    kind: .liveness,
                    check: "steady-leader",
                    detail: "\(replica.id) campaigns (\(replica.role), term \(replica.term)) while \(steady.leader) "
                        + "leads term \(steady.term) over a whole network"
                )
            )
        case .follower, .leader:
            break
        }
    }

    /// The leader every voter is up for and follows in its term, and has exchanged a heartbeat
    /// or an append with since the heal (a follower cut off until the heal may time out
    /// before the leader's first message reaches it), if there is one.
    private func currentSteadyLeader() -> SteadyLeader? {
        guard let leader = nodes.compactMap(\.replica).first(where: { $0.role == .leader }) else { return nil }
        for voter in leader.membership.voters {
            guard let replica = nodes[Int(voter.rawValue) - 1].replica, replica.term == leader.term,
                replica.role == .leader || replica.role == .follower(leader: leader.id)
            else { return nil }
            guard
                voter == leader.id
                    || (contactsSinceHeal.contains(Contact(from: leader.id, to: voter, term: leader.term))
                        && contactsSinceHeal.contains(Contact(from: voter, to: leader.id, term: leader.term)))
            else { return nil }
        }
        return SteadyLeader(leader: leader.id, term: leader.term, voters: leader.membership.voters)
    }

    /// A heartbeat or an append, or an answer to one, delivered in the liveness phase.
    struct Contact: Hashable, Sendable {
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
        guard let leader = nodes.compactMap(\.replica).filter({ $0.role == .leader }).max(by: { $0.term < $1.term })
        else {
            let states = nodes.compactMap(\.replica).map {
                "\($0.id) \($0.role) t\($0.term) \($0.membership) last \($0.lastIndex) commit \($0.commitIndex)"
            }
            return "no leader (\(states.joined(separator: "; ")))"
        }
        for client in clients where !client.stopped || client.outstanding != nil {
            return "client \(client.id) has not finished an operation since the heal"
        }
        guard leader.commitIndex == leader.lastIndex else {
            return "leader \(leader.id) has uncommitted entries (\(leader.commitIndex) of \(leader.lastIndex))"
        }
        let stores = leader.membership.members.map { id in nodes[Int(id.rawValue) - 1] }
        for node in stores {
            guard let replica = node.replica else { return "member \(node.id) is down" }
            guard replica.term == leader.term, replica.commitIndex == leader.commitIndex,
                node.store.appliedIndex == leader.commitIndex.rawValue, node.writeInProgress == nil
            else {
                return "member \(node.id) at term \(replica.term) commit \(replica.commitIndex) applied "
                    + "\(node.store.appliedIndex), leader \(leader.id) at \(leader.term)/\(leader.commitIndex)"
            }
        }
        return nil
    }

    /// Final checks: identical state machines on every member, and a linearizable history.
    private mutating func checkHistory() -> SimulationOutcome {
        let leader = nodes.compactMap(\.replica).filter { $0.role == .leader }.max { $0.term < $1.term }!
        let stores = leader.membership.members.map { nodes[Int($0.rawValue) - 1].store }
        if let different = stores.first(where: { $0 != stores[0] }) {
            return .failed(
                SimulationFailure(
                    kind: .safety,
                    check: "replicas-identical",
                    detail: "state machines differ at applied index \(different.appliedIndex)"
                )
            )
        }
        if let failure = checkAgainstCommittedLog() { return .failed(failure) }
        return checkLinearizability()
    }
}
