import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

struct QuorumTests {
    static func ids(_ values: UInt64...) -> Set<NodeID> { Set(values.map { NodeID($0) }) }

    @Test(arguments: [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)])
    func majoritySize(voters: Int, expected: Int) {
        #expect(Quorum.size(voterCount: voters) == expected)
    }

    @Test func committedIndexIsTheHighestIndexAMajorityHolds() {
        let matches: [UInt64: UInt64] = [1: 9, 2: 7, 3: 3, 4: 8, 5: 1]
        let voters = Self.ids(1, 2, 3, 4, 5)
        // Sorted descending 9, 8, 7, 3, 1: the third (majority of five) is 7.
        #expect(Quorum.committedIndex(voters: voters) { LogIndex(matches[$0.rawValue]!) } == LogIndex(7))
        // Only voters count: learners with higher matches change nothing.
        #expect(Quorum.committedIndex(voters: Self.ids(3, 5)) { LogIndex(matches[$0.rawValue]!) } == LogIndex(1))
        #expect(Quorum.committedIndex(voters: []) { _ in LogIndex(5) } == .zero)
    }

    @Test func voteTallyWinsLosesOrWaits() {
        let voters = Self.ids(1, 2, 3, 4, 5)
        var tally = VoteTally()
        tally.record(NodeID(1), granted: true)
        tally.record(NodeID(2), granted: true)
        #expect(tally.outcome(voters: voters) == .pending)
        // A second answer from the same voter is ignored.
        tally.record(NodeID(2), granted: false)
        tally.record(NodeID(3), granted: false)
        tally.record(NodeID(4), granted: false)
        #expect(tally.outcome(voters: voters) == .pending)
        tally.record(NodeID(5), granted: false)
        #expect(tally.outcome(voters: voters) == .lost)

        var winning = VoteTally()
        for voter: UInt64 in [1, 2, 3] { winning.record(NodeID(voter), granted: true) }
        #expect(winning.outcome(voters: voters) == .won)
        // Votes from non-voters do not count.
        var outsiders = VoteTally()
        for voter: UInt64 in [1, 8, 9] { outsiders.record(NodeID(voter), granted: true) }
        #expect(outsiders.outcome(voters: voters) == .pending)
    }
}

struct ProgressTests {
    static func progress(next: UInt64, inflight: Int = 3, bytes: Int = 1000) -> Progress {
        Progress(next: LogIndex(next), inflightMessagesMax: inflight, inflightBytesMax: bytes)
    }

    @Test func probeSendsOneAppendThenWaits() {
        var member = Self.progress(next: 5)
        #expect(!member.isPaused)
        member.sentAppend(lastIndex: LogIndex(7), bytes: 10)
        #expect(member.isPaused)
        #expect(member.next == LogIndex(5))  // probing does not advance optimistically
    }

    @Test func acknowledgementSwitchesToPipelinedReplication() {
        var member = Self.progress(next: 5)
        member.sentAppend(lastIndex: LogIndex(7), bytes: 10)
        let moved = member.acknowledge(matchIndex: LogIndex(7))
        #expect(moved)
        #expect(member.state == .replicate)
        #expect(member.match == LogIndex(7) && member.next == LogIndex(8))
        member.sentAppend(lastIndex: LogIndex(9), bytes: 10)
        member.sentAppend(lastIndex: LogIndex(11), bytes: 10)
        #expect(member.next == LogIndex(12))
        #expect(!member.isPaused)
        member.sentAppend(lastIndex: LogIndex(12), bytes: 10)
        #expect(member.isPaused)  // three appends in flight: the window is full
        let movedAgain = member.acknowledge(matchIndex: LogIndex(11))
        #expect(movedAgain)
        #expect(member.inflights.count == 1)
        #expect(!member.isPaused)
        // A stale acknowledgement changes nothing.
        let movedBack = member.acknowledge(matchIndex: LogIndex(10))
        #expect(!movedBack)
    }

    @Test func inflightBytesAlsoFillTheWindow() {
        var member = Self.progress(next: 1, inflight: 100, bytes: 25)
        member.becomeReplicate()
        member.sentAppend(lastIndex: LogIndex(1), bytes: 20)
        #expect(!member.isPaused)
        member.sentAppend(lastIndex: LogIndex(2), bytes: 20)
        #expect(member.isPaused)
    }

    @Test func rejectionBacktracksToTheHintButNotBelowTheMatch() {
        var member = Self.progress(next: 11)
        member.match = LogIndex(3)
        member.becomeReplicate()
        member.sentAppend(lastIndex: LogIndex(10), bytes: 1)
        // Follower rejected index 9 and hints that index 6 could match.
        let accepted = member.backtrack(rejectedIndex: LogIndex(9), hintNext: LogIndex(7))
        #expect(accepted)
        #expect(member.next == LogIndex(7))
        #expect(member.state == .probe(waiting: false))
        // A rejection at or below the match is stale.
        member.becomeReplicate()
        let stale = member.backtrack(rejectedIndex: LogIndex(3), hintNext: LogIndex(1))
        #expect(!stale)
        // The hint never takes next below match + 1.
        let clamped = member.backtrack(rejectedIndex: LogIndex(5), hintNext: LogIndex(1))
        #expect(clamped)
        #expect(member.next == LogIndex(4))
    }

    @Test func probeIgnoresRejectionsOfOtherIndexes() {
        var member = Self.progress(next: 8)
        member.sentAppend(lastIndex: LogIndex(9), bytes: 1)
        let other = member.backtrack(rejectedIndex: LogIndex(5), hintNext: LogIndex(3))
        #expect(!other)
        #expect(member.next == LogIndex(8))
        let current = member.backtrack(rejectedIndex: LogIndex(7), hintNext: LogIndex(3))
        #expect(current)
        #expect(member.next == LogIndex(3))
    }
}
