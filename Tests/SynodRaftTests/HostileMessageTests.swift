import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// Issue 13, item 2: network input never reaches a precondition. Each forged message is fed
/// to a replica in every role; it is dropped and counted (or, where the role may act on it,
/// handled), nothing traps, and the group then commits a new proposal.
struct HostileMessageTests {
    @Test(arguments: Forgery.all, TargetRole.allCases)
    func aForgedMessageIsDroppedAndTheGroupKeepsWorking(forgery: Forgery, role: TargetRole) throws {
        var group = try HostileCluster(role)
        let before = group.replica
        #expect(!before.hasReady)
        group.deliverForged(forgery.make(before, group.bystander))
        let after = group.replica
        if let reason = forgery.expected(role) {
            #expect(after.droppedMessageCount == 1, "\(after.droppedMessages.byReason)")
            #expect(after.droppedMessages[reason] == 1, "\(after.droppedMessages.byReason)")
            #expect(after.droppedMessages.lastReason == reason)
            // Dropped before it touched anything: no answer, no state change.
            #expect(!after.hasReady)
            #expect(after.role == before.role && after.term == before.term && after.votedFor == before.votedFor)
            #expect(after.lastIndex == before.lastIndex && after.commitIndex == before.commitIndex)
        } else {
            #expect(after.droppedMessageCount == 0, "\(after.droppedMessages.byReason)")
        }
        group.cluster.processReady(group.target)
        #expect(try group.commitsAProposal("after \(forgery.name)"))
    }

    @Test func everyDropReasonIsExercised() {
        var reasons = Set<RaftMessageDropReason>()
        for forgery in Forgery.all {
            for role in TargetRole.allCases {
                if let reason = forgery.expected(role) { reasons.insert(reason) }
            }
        }
        #expect(reasons == Set(RaftMessageDropReason.allCases))
    }

    /// Forged acknowledgements, from a non-member or past the leader's log, must not make a
    /// leader cut off from its followers count a quorum.
    @Test func forgedAcknowledgementsDoNotMakeAQuorum() throws {
        var group = try HostileCluster(.leader)
        try group.run("partition 1 / 2 3")
        try group.run("propose 1 alone")
        let lastIndex = group.replica.lastIndex
        let commitIndex = group.replica.commitIndex
        #expect(commitIndex < lastIndex)
        let forgeries: [(NodeID, RaftMessage.Body)] = [
            (HostileCluster.stranger, .appendResponse(.accepted(matchIndex: lastIndex))),
            (NodeID(2), .appendResponse(.accepted(matchIndex: LogIndex(lastIndex.rawValue + 1)))),
            (NodeID(3), .appendResponse(.accepted(matchIndex: LogIndex(.max)))),
            (NodeID(3), .snapshotResponse(.installed(matchIndex: LogIndex(lastIndex.rawValue + 100)))),
        ]
        for (sender, body) in forgeries {
            group.deliverForged(RaftMessage(from: sender, to: NodeID(1), term: group.replica.term, body: body))
        }
        #expect(group.replica.droppedMessageCount == UInt64(forgeries.count))
        #expect(group.replica.commitIndex == commitIndex)
        #expect(group.replica.matchIndex(of: NodeID(2))! < lastIndex)
        #expect(group.replica.matchIndex(of: NodeID(3))! < lastIndex)
        #expect(try group.commitsAProposal("healed"))
    }

    /// A chunk acknowledgement past the end of the snapshot being sent used to slice the
    /// snapshot out of range; it is dropped, and the follower still catches up.
    @Test func aSnapshotOffsetPastTheEndIsDropped() throws {
        var group = try HostileCluster(.leader)
        try group.run("crash 3")
        for word in ["one", "two", "three"] { try group.run("propose 1 \(word)") }
        try group.run("stabilize")
        try group.run("compact 1 6")
        try group.run("restart 3")
        try group.run("tick 1")
        var rounds = 0
        while rounds < 100, !Self.isSendingSnapshot(group.replica, to: NodeID(3)) {
            _ = group.cluster.deliver(count: 1)
            group.cluster.processAllReady()
            rounds += 1
        }
        #expect(Self.isSendingSnapshot(group.replica, to: NodeID(3)))
        let snapshotIndex = group.replica.snapshotIndex
        group.deliverForged(
            RaftMessage(
                from: NodeID(3),
                to: NodeID(1),
                term: group.replica.term,
                body: .snapshotResponse(.chunkStored(index: snapshotIndex, nextOffset: 1 << 29))
            )
        )
        #expect(group.replica.droppedMessages[.answersUnsent] == 1)
        #expect(try group.commitsAProposal("caught up"))
    }

    static func isSendingSnapshot(_ leader: RaftReplica, to member: NodeID) -> Bool {
        guard case .snapshot = leader.progress[member]?.state else { return false }
        return true
    }
}
