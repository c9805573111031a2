import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// Records whose checksums hold but whose indexes no log reaches (written by a bug, or by a
/// bit flip before the checksum was taken) are refused as corruption: recovery does
/// arithmetic on indexes, and must never trap on what it reads.
struct OutOfRangeRecordTests {
    /// A disk whose only segment holds a valid header and then `records`.
    static func disk(with records: (inout ByteWriter) -> Void) throws -> InMemoryFileSystem {
        var writer = ByteWriter()
        LogRecord.segmentHeader(sequence: 1, to: &writer)
        records(&writer)
        var files = InMemoryFileSystem()
        try files.createDirectory(walDirectory)
        let file = try files.open(walDirectory + "/" + WriteAheadLog<InMemoryFileSystem>.segmentName(1), create: true)
        try files.write(writer.bytes, to: file, at: 0)
        try files.synchronize(file)
        return files
    }

    static func expectCorruption(_ files: InMemoryFileSystem, reasonContaining text: String) {
        do {
            _ = try openStorage(files)
            Issue.record("opened a log with a record beyond the log's limits")
        } catch {
            guard case .corruption(_, _, let reason) = error else {
                Issue.record("expected corruption, got \(error)")
                return
            }
            #expect(reason.contains(text), "\(reason)")
        }
    }

    @Test(arguments: [LogIndex.acceptedMax.rawValue + 1, 1 << 63, UInt64.max])
    func aSnapshotMarkerBeyondTheIndexLimitIsCorruption(index: UInt64) throws {
        let files = try Self.disk {
            LogRecord.entries([LogEntry(term: Term(1), index: LogIndex(1), payload: .noop)], group: GroupID(1), to: &$0)
            LogRecord.snapshotMarker(
                LogPosition(index: LogIndex(index), term: Term(1)),
                replacesLog: false,
                group: GroupID(1),
                to: &$0
            )
        }
        Self.expectCorruption(files, reasonContaining: "snapshot marker")
    }

    @Test func aSnapshotMarkerBeyondTheTermLimitIsCorruption() throws {
        let files = try Self.disk {
            LogRecord.snapshotMarker(
                LogPosition(index: LogIndex(1), term: Term(Term.acceptedMax.rawValue + 1)),
                replacesLog: true,
                group: GroupID(1),
                to: &$0
            )
        }
        Self.expectCorruption(files, reasonContaining: "snapshot marker")
    }

    @Test(arguments: [[UInt64.max, 1], [LogIndex.acceptedMax.rawValue + 1], [1, LogIndex.acceptedMax.rawValue + 1]])
    func entriesBeyondTheIndexLimitAreCorruption(indexes: [UInt64]) throws {
        let files = try Self.disk {
            let entries = indexes.map { LogEntry(term: Term(1), index: LogIndex($0), payload: .noop) }
            LogRecord.entries(entries[...], group: GroupID(1), to: &$0)
        }
        Self.expectCorruption(files, reasonContaining: "beyond")
    }
}

/// A snapshot file beyond the limits is refused like a record beyond them: recovery would
/// otherwise write its marker into the log, and refuse that marker at the next recovery.
struct OutOfRangeSnapshotTests {
    @Test(arguments: [
        LogPosition(index: LogIndex(LogIndex.acceptedMax.rawValue + 1), term: Term(1)),
        LogPosition(index: LogIndex(UInt64.max), term: Term(1)),
        LogPosition(index: LogIndex(1), term: Term(Term.acceptedMax.rawValue + 1)),
    ])
    func aSnapshotFileBeyondTheLimitsIsCorruption(position: LogPosition) throws {
        var files = InMemoryFileSystem()
        try files.createDirectory(snapshotDirectory)
        let snapshot = Snapshot(
            index: position.index,
            term: position.term,
            membership: Membership(voters: []),
            data: []
        )
        try SnapshotStore.save(snapshot, of: GroupID(1), in: snapshotDirectory, files: &files)
        do {
            _ = try openStorage(files)
            Issue.record("opened a node whose snapshot file is beyond the log's limits")
        } catch {
            guard case .corruption(_, _, let reason) = error else {
                Issue.record("expected corruption, got \(error)")
                return
            }
            #expect(reason.contains("beyond the log's limits"), "\(reason)")
        }
    }
}
