import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// A record of big entries is staged as the entries themselves and encoded on the thread that
/// carries the sync out; what reaches the disk is the same bytes, at the offsets staged.
struct DeferredEntriesTests {
    static let bigCommand = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }

    @Test func anEntrysSizeIsKnownWithoutEncodingIt() {
        let entries = [
            LogEntry(term: Term(2), index: LogIndex(5), payload: .noop),
            LogEntry(term: Term(2), index: LogIndex(6), payload: .command([])),
            LogEntry(term: Term(2), index: LogIndex(7), payload: .command(Self.bigCommand)),
            LogEntry(term: Term(2), index: LogIndex(8), payload: .configurationChange(.addVoter(NodeID(3)))),
        ]
        for entry in entries {
            var writer = ByteWriter()
            ConsensusEncoding.write(entry, to: &writer)
            #expect(ConsensusEncoding.encodedByteCount(of: entry) == writer.bytes.count, "\(entry.payload)")
        }
        var record = ByteWriter()
        LogRecord.entries(entries[...], group: GroupID(4), to: &record)
        #expect(LogRecord.entriesRecordByteCount(entries[...]) == record.bytes.count)
    }

    @Test func bigEntriesAreStagedUnencodedAndWrittenAsTheirRecord() {
        let small = [LogEntry(term: Term(1), index: LogIndex(1), payload: .command([1, 2, 3]))]
        let big = [
            LogEntry(term: Term(1), index: LogIndex(2), payload: .command(Self.bigCommand)),
            LogEntry(term: Term(1), index: LogIndex(3), payload: .noop),
        ]
        let hardState = HardState(term: Term(1), votedFor: NodeID(1), commit: LogIndex(1))
        var staged = StagedWrites()
        var expected = ByteWriter()
        staged.stage(small[...], of: GroupID(1))
        LogRecord.entries(small[...], group: GroupID(1), to: &expected)
        staged.stage(big[...], of: GroupID(1))
        LogRecord.entries(big[...], group: GroupID(1), to: &expected)
        LogRecord.hardState(hardState, group: GroupID(1), to: &staged.bytes)
        LogRecord.hardState(hardState, group: GroupID(1), to: &expected)
        staged.stage(big[...], of: GroupID(2))
        LogRecord.entries(big[...], group: GroupID(2), to: &expected)
        let deferred = staged.parts.filter {
            if case .entries = $0 { return true }
            return false
        }
        #expect(deferred.count == 2, "the big records wait to be encoded")
        #expect(staged.count == expected.bytes.count)
        #expect(staged.encoded() == expected.bytes)
    }

    @Test func aLogOfBigEntriesReadsBackFromDisk() throws {
        var options = WriteAheadLogOptions()
        options.entryCacheBytesMax = 0
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: options)
        var written: [LogEntry] = []
        for index in 1...6 as ClosedRange<UInt64> {
            let payload: EntryPayload =
                index % 2 == 0 ? .command(Self.bigCommand + [UInt8(index)]) : .command([UInt8(index)])
            let entry = LogEntry(term: Term(1), index: LogIndex(index), payload: payload)
            written.append(entry)
            try storage.stage(
                group: GroupID(1),
                hardState: HardState(term: Term(1), votedFor: NodeID(1), commit: LogIndex(index - 1)),
                snapshot: nil,
                entries: [entry]
            )
            if index % 3 == 0 { try storage.sync() }
        }
        let (_, recovered) = try openStorage(storage.files, options: options)
        #expect(recovered[GroupID(1)]?.entries == written)
    }
}
