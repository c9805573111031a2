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
