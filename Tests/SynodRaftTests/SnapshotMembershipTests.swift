import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// A snapshot can be taken while the state machine trails the commit index (sustained load),
/// except across a committed membership change it has not applied yet.
struct SnapshotMembershipTests {
    @Test func aSnapshotBehindTheCommitIndexRecordsTheMembershipAtItsIndex() throws {
        var configuration = RaftConfiguration(id: NodeID(1), randomSeed: 1)
        configuration.committedBytesPerReadyMax = 1  // one committed entry per Ready
        var replica = try RaftReplica(configuration: configuration, state: .bootstrap(voters: [NodeID(1)]))
        replica.campaign()
        // Drain until it leads and has committed in its term.
        func drainOne() {
            let ready = replica.ready()
            replica.advance(ready)
        }
        while replica.hasReady { drainOne() }
        try replica.propose(Array("a".utf8))
        try replica.propose(Array("b".utf8))
        try replica.proposeConfigurationChange(.addLearner(NodeID(2)))
        try replica.propose(Array("c".utf8))
        // Persisting commits everything at once (one voter); applying goes one entry per Ready.
        var seen: [(applied: LogIndex, membership: Membership?)] = []
        while replica.hasReady {
            drainOne()
            seen.append((replica.appliedIndex, replica.snapshotMembership(at: replica.appliedIndex)))
        }
        let changeIndex = replica.lastIndex.rawValue - 1
        #expect(replica.commitIndex == replica.lastIndex)
        for (applied, membership) in seen where applied > .zero {
            if applied.rawValue < changeIndex {
                #expect(membership == nil, "a snapshot at \(applied) would claim the learner added at \(changeIndex)")
            } else {
                #expect(membership == replica.membership, "at \(applied)")
            }
        }
        #expect(seen.contains { $0.applied.rawValue < changeIndex && $0.applied > replica.snapshotIndex })
        #expect(replica.snapshotMembership(at: replica.appliedIndex)?.learners == [NodeID(2)])
    }

    /// Compaction hands back the chunks of the log that held only entries the snapshot covers,
    /// for the driver to free a piece at a time; the entries after the snapshot stay readable.
    @Test func aSnapshotHandsBackTheChunksItReplacedAndKeepsTheRest() throws {
        var replica = try RaftReplica(
            configuration: RaftConfiguration(id: NodeID(1), randomSeed: 1),
            state: .bootstrap(voters: [NodeID(1)])
        )
        replica.campaign()
        for value in 0..<10_000 { try replica.propose(Array("\(value)".utf8)) }
        while replica.hasReady { replica.advance(replica.ready()) }
        let last = replica.lastIndex
        #expect(replica.appliedIndex == last && last.rawValue > 10_000)
        let chunk = UInt64(LogEntryChunks.chunkCapacity)
        let at = LogIndex(2 * chunk + 500)
        let snapshot = Snapshot(index: at, term: replica.term(at: at)!, membership: replica.membership, data: [])
        let dropped = replica.snapshotTaken(snapshot)
        // The two chunks wholly covered come back; the third, which holds kept entries, stays.
        #expect(
            dropped.map { $0.map(\.index) } == [(1...chunk), (chunk + 1...2 * chunk)].map { $0.map(LogIndex.init) }
        )
        #expect(replica.snapshotIndex == at)
        #expect(replica.term(at: LogIndex(at.rawValue - 1)) == nil)
        for index in at.rawValue + 1...last.rawValue {
            #expect(replica.term(at: LogIndex(index)) != nil)
        }
        // A snapshot no newer than the log's start lets go of nothing; one at the end, of all.
        #expect(replica.snapshotTaken(snapshot).isEmpty)
        let end = Snapshot(index: last, term: replica.term(at: last)!, membership: replica.membership, data: [])
        let rest = replica.snapshotTaken(end).flatMap { $0 }
        #expect(rest.first?.index == LogIndex(2 * chunk + 1) && rest.last?.index == last)
        #expect(replica.lastIndex == last && replica.term(at: last) != nil)
    }

    /// A follower that installs a leader's snapshot lets go of its whole log in the Ready
    /// that carries the snapshot, for the driver to free a piece at a time.
    @Test func aFollowerInstallingASnapshotHandsBackTheLogItReplaced() throws {
        let leader = NodeID(1)
        let follower = NodeID(2)
        var replica = try RaftReplica(
            configuration: RaftConfiguration(id: follower, randomSeed: 1),
            state: .bootstrap(voters: [leader, follower])
        )
        let base = replica.lastIndex
        let baseTerm = try #require(replica.term(at: base))
        let term = max(Term(1), baseTerm)
        let entries = (1...10_000).map {
            LogEntry(term: term, index: LogIndex(base.rawValue + UInt64($0)), payload: .command(Array("\($0)".utf8)))
        }
        let append = RaftMessage.Body.append(
            previousIndex: base,
            previousTerm: baseTerm,
            entries: entries,
            commit: .zero
        )
        replica.step(RaftMessage(from: leader, to: follower, term: term, body: append))
        while replica.hasReady { replica.advance(replica.ready()) }
        #expect(replica.lastIndex == LogIndex(base.rawValue + 10_000))
        let chunk = SnapshotChunk(
            index: LogIndex(20_000),
            term: term,
            membership: replica.membership,
            offset: 0,
            data: [1, 2, 3],
            isLast: true
        )
        replica.step(RaftMessage(from: leader, to: follower, term: term, body: .snapshotChunk(chunk)))
        let ready = replica.ready()
        #expect(ready.snapshot?.index == LogIndex(20_000))
        let released = ready.releasedLog.flatMap { $0 }.map(\.index.rawValue)
        #expect(released.count == Int(base.rawValue) + entries.count)
        #expect(released == Array(1...base.rawValue + 10_000), "not the whole log, in order")
        #expect(replica.lastIndex == LogIndex(20_000))
        replica.advance(ready)
        #expect(!replica.hasReady || replica.ready().releasedLog.isEmpty, "handed back twice")
    }

    /// A follower that completes one snapshot and hears the first chunk of a newer one before
    /// its next Ready hands out the completed snapshot with its own pieces only: the newer
    /// snapshot's piece in that Ready made the driver replace the pieces it finishes the first
    /// from (the simulator's node stopped: "the pieces kept are not those of" the snapshot).
    @Test func aNewerSnapshotsChunkWaitsUntilTheInstalledOneIsHandedOut() throws {
        let leader = NodeID(1)
        let follower = NodeID(2)
        var replica = try RaftReplica(
            configuration: RaftConfiguration(id: follower, randomSeed: 1),
            state: .bootstrap(voters: [leader, follower])
        )
        while replica.hasReady { replica.advance(replica.ready()) }
        let term = Term(2)
        func chunk(_ index: UInt64, isLast: Bool) -> RaftMessage {
            let chunk = SnapshotChunk(
                index: LogIndex(index),
                term: term,
                membership: replica.membership,
                offset: 0,
                data: [UInt8](repeating: UInt8(index), count: 8),
                isLast: isLast
            )
            return RaftMessage(from: leader, to: follower, term: term, body: .snapshotChunk(chunk))
        }
        replica.step(chunk(10, isLast: true))
        replica.step(chunk(12, isLast: false))
        let ready = replica.ready()
        #expect(ready.snapshot?.index == LogIndex(10))
        let pieces = ready.snapshotTransfer.compactMap { step -> UInt64? in
            if case .piece(let piece) = step { return piece.index.rawValue }
            return nil
        }
        #expect(pieces == [10], "the Ready finishing snapshot 10 carries a piece of another")
        replica.advance(ready)
        // Sent again, the newer snapshot's chunk is kept.
        replica.step(chunk(12, isLast: false))
        let next = replica.ready()
        #expect(next.snapshot == nil)
        #expect(
            next.snapshotTransfer.contains {
                if case .piece(let piece) = $0 { return piece.index == LogIndex(12) }
                return false
            }
        )
    }
}
