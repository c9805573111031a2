import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// Terms from the network are bounded by `Term.acceptedMax`, so `term + 1` never overflows.
struct TermLimitTests {
    /// The reported crash: a forged vote at term 2^64-1 was adopted and persisted, and the next
    /// election overflowed `term + 1` on every node, at every restart. Now no node adopts it,
    /// nothing above the limit is persisted, and the group elects and commits, also after its
    /// leader fails and after every node restarts.
    @Test(arguments: [UInt64.max, UInt64.max - 1, Term.acceptedMax.rawValue + 1])
    func aVoteAboveTheLimitIsNeverAdopted(forgedTerm: UInt64) throws {
        var group = try HostileCluster(.follower)
        for id in group.cluster.nodeIDs {
            let before = group.cluster.replicas[id]!
            let sender = id == NodeID(3) ? NodeID(2) : NodeID(3)
            let vote = RaftMessage.Body.vote(
                lastIndex: before.lastIndex,
                lastTerm: before.lastTerm,
                leadershipTransfer: true
            )
            group.cluster.replicas[id]!.step(RaftMessage(from: sender, to: id, term: Term(forgedTerm), body: vote))
            let after = group.cluster.replicas[id]!
            #expect(after.term == before.term && after.votedFor == before.votedFor && after.role == before.role)
            #expect(after.droppedMessages[.termAboveLimit] == 1)
            group.cluster.processReady(id)
            #expect(group.cluster.disks[id]!.hardState.term == before.term)
        }
        #expect(try group.commitsAProposal("after the forged vote"))
        try group.run("crash 1")
        #expect(try group.commitsAProposal("without n1"))
        for id in [NodeID(1), NodeID(2), NodeID(3)] {
            if group.cluster.replicas[id] != nil { group.cluster.crash(id) }
            try group.cluster.restart(id)
        }
        #expect(try group.commitsAProposal("after restarting every node"))
        for id in group.cluster.nodeIDs { #expect(group.cluster.disks[id]!.hardState.term < Term(100)) }
    }

    /// A forged term exactly at the limit is a valid term and is adopted; from there no replica
    /// campaigns (its next term would be refused by every peer), so no term above the limit is
    /// ever reached or persisted. Such a group needs an operator, but nothing traps.
    @Test func aTermAtTheLimitIsNeverPassed() throws {
        var group = try HostileCluster(.follower)
        let target = group.replica
        group.deliverForged(
            RaftMessage(
                from: NodeID(3),
                to: NodeID(2),
                term: .acceptedMax,
                body: .vote(lastIndex: target.lastIndex, lastTerm: target.lastTerm, leadershipTransfer: true)
            )
        )
        #expect(group.replica.term == .acceptedMax)
        #expect(group.replica.droppedMessageCount == 0)
        group.cluster.replicas[NodeID(2)]!.campaign()
        #expect(group.replica.role == .follower(leader: nil))
        for _ in 0..<100 {
            group.cluster.stabilize()
            for id in group.cluster.nodeIDs { group.cluster.tick(id, times: 1) }
        }
        group.cluster.stabilize()
        for id in group.cluster.nodeIDs {
            let replica = group.cluster.replicas[id]!
            #expect(replica.term <= .acceptedMax)
            #expect(group.cluster.disks[id]!.hardState.term <= .acceptedMax)
        }
    }

    /// A node that adopted a forged term before terms were bounded refuses to start with a
    /// typed error, rather than trapping at its next election.
    @Test func aPersistedTermAboveTheLimitIsRefusedAtStart() throws {
        var state = PersistentState.bootstrap(voters: [NodeID(1), NodeID(2), NodeID(3)])
        state.hardState.term = Term(.max)
        #expect(throws: RaftConfigurationError.self) {
            _ = try RaftReplica(configuration: RaftConfiguration(id: NodeID(1), randomSeed: 1), state: state)
        }
        state.hardState.term = .acceptedMax
        let replica = try RaftReplica(configuration: RaftConfiguration(id: NodeID(1), randomSeed: 1), state: state)
        #expect(replica.term == .acceptedMax)
    }
}
