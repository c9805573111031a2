import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// Offloaded entries leave memory but not the log: their terms answer every question the
/// protocol asks of them, compaction drops them as it drops entries in memory, and only
/// applied, handed-out entries go.
struct RaftLogOffloadTests {
    static let terms: [UInt64] = [1, 1, 2, 2, 2, 3, 5, 5, 6, 6]

    /// A log of `terms`, one entry each from index 1, all persisted, committed and applied.
    static func appliedLog() -> RaftLog {
        let entries = terms.enumerated().map { offset, term in
            LogEntry(term: Term(term), index: LogIndex(UInt64(offset + 1)), payload: .command([UInt8(offset)]))
        }
        var log = RaftLog(snapshot: PersistentState.joining.snapshot, entries: entries, committedIndex: .zero)
        _ = log.takeEntriesToPersist()
        log.commit(to: LogIndex(UInt64(terms.count)))
        _ = log.takeEntriesToApply(bytesMax: .max)
        return log
    }

    @Test func anOffloadedLogAnswersWithTheSameTerms() {
        let before = Self.appliedLog()
        var log = before
        log.offload(through: log.appliedIndex, keepingBytes: 0)
        #expect(log.residentFirstIndex == LogIndex(11))
        #expect(log.residentBytes == 0 && log.entries.isEmpty)
        #expect(log.lastIndex == before.lastIndex && log.lastTerm == before.lastTerm)
        for index in 0...11 as ClosedRange<UInt64> {
            #expect(log.term(at: LogIndex(index)) == before.term(at: LogIndex(index)), "term at \(index)")
        }
        for index in 1...10 as ClosedRange<UInt64> {
            for term in 0...7 as ClosedRange<UInt64> {
                #expect(
                    log.lastIndex(atOrBelow: LogIndex(index), withTermAtMost: Term(term))
                        == before.lastIndex(atOrBelow: LogIndex(index), withTermAtMost: Term(term))
                )
            }
        }
        #expect(log.isUpToDate(lastIndex: LogIndex(10), lastTerm: Term(6)))
        #expect(!log.isUpToDate(lastIndex: LogIndex(20), lastTerm: Term(5)))
    }

    @Test func theNewestBytesStayAndNothingUnappliedGoes() {
        var log = Self.appliedLog()
        let entryBytes = 25  // 24 of overhead and a 1-byte command
        // The three newest stay.
        log.offload(through: log.appliedIndex, keepingBytes: 3 * entryBytes)
        #expect(log.residentFirstIndex == LogIndex(8))
        #expect(log.residentBytes == 3 * entryBytes)
        #expect(
            log.entries(from: LogIndex(8), through: LogIndex(10), bytesMax: .max).map(\.index.rawValue) == [8, 9, 10]
        )
        // Entries appended after: not applied, so they stay whatever the budget.
        log.appendAsLeader(LogEntry(term: Term(7), index: LogIndex(11), payload: .noop))
        _ = log.takeEntriesToPersist()
        log.offload(through: log.appliedIndex, keepingBytes: 0)
        #expect(log.residentFirstIndex == LogIndex(11))
        #expect(log.lastTerm == Term(7) && log.term(at: LogIndex(10)) == Term(6))
    }

    @Test(arguments: [3, 5, 9, 10] as [UInt64])
    func compactionDropsOffloadedTermsUpToTheSnapshot(at snapshotIndex: UInt64) {
        let before = Self.appliedLog()
        var log = before
        log.offload(through: LogIndex(9), keepingBytes: 0)
        #expect(log.residentFirstIndex == LogIndex(10))
        let index = LogIndex(snapshotIndex)
        let snapshot = Snapshot(
            index: index,
            term: before.term(at: index)!,
            membership: Membership(voters: []),
            data: []
        )
        _ = log.compact(to: snapshot)
        #expect(log.snapshotIndex == index)
        #expect(log.residentFirstIndex == LogIndex(max(10, snapshotIndex + 1)))
        for other in 0...11 as ClosedRange<UInt64> {
            let expected = other < snapshotIndex ? nil : before.term(at: LogIndex(other))
            #expect(log.term(at: LogIndex(other)) == expected, "term at \(other) after a snapshot at \(snapshotIndex)")
        }
        #expect(log.lastIndex == LogIndex(10) && log.lastTerm == Term(6))
    }

    @Test func aFollowerTruncatesOnlyWhatIsInMemory() {
        var log = Self.appliedLog()
        log.offload(through: log.appliedIndex, keepingBytes: 0)
        // A duplicate of offloaded entries is matched by term, and what follows appends.
        let duplicate = [
            LogEntry(term: Term(6), index: LogIndex(10), payload: .command([9])),
            LogEntry(term: Term(6), index: LogIndex(11), payload: .noop),
        ]
        #expect(log.appendAsFollower(after: LogIndex(9), duplicate) == LogIndex(11))
        #expect(log.residentFirstIndex == LogIndex(11) && log.lastIndex == LogIndex(11))
        // An uncommitted conflicting suffix is replaced.
        #expect(
            log.appendAsFollower(after: LogIndex(10), [LogEntry(term: Term(8), index: LogIndex(11), payload: .noop)])
                == LogIndex(11)
        )
        #expect(log.term(at: LogIndex(11)) == Term(8) && log.residentBytes == 24)
    }
}
