import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// `beginSync` / `finishSync`: the node writes the staged bytes and fdatasyncs them between
/// them, on another thread.
/// The halves must mean exactly what `sync()` means: durable only once the fdatasync is done,
/// and a failed fdatasync stops the log.
struct SplitSyncTests {
    @Test func batchesSyncedInTwoHalvesRecoverLikeWholeSyncs() throws {
        var workload = StorageWorkload(seed: 21)
        let batches = (0..<40).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        for batch in batches {
            for operation in batch { try operation.perform(on: &storage) }
            guard let pending = try storage.beginSync() else { continue }
            var files = storage.files  // The copy another thread would write and sync through.
            let outcome = try pending.carryOut(with: &files)
            storage.modifyFiles { $0 = files }
            try storage.finishSync(pending, .success(outcome))
        }
        #expect(storage.log.statistics.segmentsCreated > 1, "the batches rotate segments")
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk, options: smallSegments).recovered == model(after: batches).recovered)
    }

    /// A sync that fills its segment also starts the next one and removes the segments that
    /// snapshots cover, on the thread that carries it out: `beginSync` and `finishSync` (the
    /// consensus thread) neither write, fdatasync, fsync the directory nor remove a file.
    @Test func theSyncThatFillsASegmentStartsTheNextOneWhereItIsCarriedOut() throws {
        var workload = StorageWorkload(seed: 25)
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        var created = 0
        var deleted = 0
        func segmentNames(_ storage: DurableStorage<InMemoryFileSystem>) throws -> [String] {
            var files = storage.files
            return try files.fileNames(in: walDirectory).sorted()
        }
        var batches: [[StorageOperation]] = []
        for _ in 0..<300 {
            batches.append(workload.nextBatch())
            for operation in batches.last! { try operation.perform(on: &storage) }
            let statisticsBefore = storage.files.statistics
            let namesBefore = try segmentNames(storage)
            guard let pending = try storage.beginSync() else { continue }
            #expect(storage.files.statistics == statisticsBefore)
            #expect(try segmentNames(storage) == namesBefore)
            var files = storage.files
            let outcome = try pending.carryOut(with: &files)
            let namesCarriedOut = try files.fileNames(in: walDirectory).sorted()
            storage.modifyFiles { $0 = files }
            let log = storage.log.statistics
            try storage.finishSync(pending, .success(outcome))
            #expect(storage.files.statistics == files.statistics)
            #expect(try segmentNames(storage) == namesCarriedOut)
            created += storage.log.statistics.segmentsCreated - log.segmentsCreated
            deleted += storage.log.statistics.segmentsDeleted - log.segmentsDeleted
            #expect(namesCarriedOut.count == storage.log.segmentCount)
        }
        #expect(
            created > 3 && deleted > 0,
            "the batches rotate segments and snapshots cover old ones: \(created) created, \(deleted) removed"
        )
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk, options: smallSegments).recovered == model(after: batches).recovered)
    }

    /// A snapshot received in pieces is made durable by the sync, on the thread that carries
    /// it out, before the marker that names it: staging it neither fdatasyncs nor renames its
    /// file (on a node that fdatasync held the consensus thread 131 ms for a million keys),
    /// and a crash before the sync leaves the group as it was.
    @Test func aReceivedSnapshotsFileIsCompletedWhereTheSyncIsCarriedOut() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let group = GroupID(1)
        let membership = Membership(voters: [NodeID(1), NodeID(2)])
        let state = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        func piece(_ range: Range<Int>) -> SnapshotTransferStep {
            .piece(
                SnapshotPiece(
                    index: LogIndex(9),
                    term: Term(2),
                    membership: membership,
                    offset: range.lowerBound,
                    bytes: Array(state[range])
                )
            )
        }
        try storage.stage(
            group: group,
            hardState: HardState(term: Term(2)),
            snapshotTransfer: [piece(0..<6_000), piece(6_000..<10_000)],
            snapshot: nil,
            entries: []
        )
        let before = storage.files.statistics
        let stored = try #require(
            try storage.stage(
                group: group,
                hardState: HardState(term: Term(2), commit: LogIndex(9)),
                snapshot: Snapshot(index: LogIndex(9), term: Term(2), membership: membership, data: state),
                entries: []
            )
        )
        #expect(try stored.data.bytes() == state, "readable at once, from the file")
        #expect(storage.files.statistics.fileSyncs == before.fileSyncs)
        #expect(storage.files.statistics.directorySyncs == before.directorySyncs)
        var crashed = storage.files
        crashed.crash()
        #expect(try openStorage(crashed).recovered[group]?.snapshot.index ?? .zero == .zero)

        let pending = try #require(try storage.beginSync())
        var files = storage.files
        let outcome = try pending.carryOut(with: &files)
        #expect(files.statistics.fileSyncs >= before.fileSyncs + 2, "the snapshot file's and the log's")
        storage.modifyFiles { $0 = files }
        try storage.finishSync(pending, .success(outcome))
        var disk = storage.files
        disk.crash()
        let recovered = try #require(try openStorage(disk).recovered[group])
        #expect(recovered.snapshot.index == LogIndex(9))
        #expect(try recovered.snapshot.data.bytes() == state)
    }

    @Test func aCrashBeforeTheFdatasyncLosesTheBatch() throws {
        var workload = StorageWorkload(seed: 22, withSnapshots: false)
        let batches = (0..<5).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(try diskAfter(batches))
        for operation in workload.nextBatch() { try operation.perform(on: &storage) }
        let before = storage.files.statistics
        let pending = try #require(try storage.beginSync())
        #expect(storage.files.statistics == before, "beginSync neither writes nor fdatasyncs: the caller's thread does")
        var disk = storage.files  // Power is lost while the fdatasync is still running.
        try disk.write(pending.bytes, to: pending.file, at: pending.offset)
        disk.crash()
        #expect(try openStorage(disk).recovered == model(after: batches).recovered)
    }

    @Test func aFailedFdatasyncReportedToFinishStopsTheLog() throws {
        var workload = StorageWorkload(seed: 23, withSnapshots: false)
        let batches = (0..<5).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(try diskAfter(batches))
        for operation in workload.nextBatch() { try operation.perform(on: &storage) }
        let pending = try #require(try storage.beginSync())
        let failure = FileSystemError(.inputOutput("input/output error"), operation: "fdatasync", path: "fd 3")
        #expect(throws: StorageError.fileSystem(failure)) { try storage.finishSync(pending, .failure(failure)) }
        for operation in workload.nextBatch() { try operation.perform(on: &storage) }
        #expect(throws: StorageError.self) { try storage.beginSync() }
        #expect(throws: StorageError.self) { try storage.sync() }
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk).recovered == model(after: batches).recovered)
    }

    @Test func aFailedWriteReportedToFinishStopsTheLog() throws {
        var workload = StorageWorkload(seed: 24, withSnapshots: false)
        let batches = (0..<5).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(try diskAfter(batches))
        for operation in workload.nextBatch() { try operation.perform(on: &storage) }
        let pending = try #require(try storage.beginSync())
        let failure = FileSystemError(.diskFull, operation: "pwrite", path: "fd 3")
        #expect(throws: StorageError.fileSystem(failure)) { try storage.finishSync(pending, .failure(failure)) }
        #expect(throws: StorageError.self) { try storage.sync() }
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk).recovered == model(after: batches).recovered)
    }

    @Test func nothingStagedMeansNothingToSync() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        #expect(try storage.beginSync() == nil)
    }

    /// After a sync of more than `stagedBytesKept` staged bytes, the next staging buffer does
    /// not keep that size: the written one and the next would both hold it for good.
    @Test func aBigSyncLeavesNoBigStagingBufferBehind() throws {
        // Records of a few small entries, so that they are staged as bytes (records of 64 KiB
        // of commands or more are written from the entries themselves).
        var options = WriteAheadLogOptions()
        options.entriesPerRecordMax = 8
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: options)
        let kept = WriteAheadLog<InMemoryFileSystem>.stagedBytesKept
        let entries = (1...(2 * kept / 64)).map {
            LogEntry(term: Term(1), index: LogIndex(UInt64($0)), payload: .command(Array(repeating: 7, count: 40)))
        }
        try storage.stage(group: GroupID(1), hardState: nil, snapshot: nil, entries: entries)
        let stagedCapacity = storage.log.staged.bytes.bytes.capacity
        #expect(stagedCapacity >= 2 * kept)
        let pending = try #require(try storage.beginSync())
        var files = storage.files
        let outcome = try pending.carryOut(with: &files)
        storage.modifyFiles { $0 = files }
        try storage.finishSync(pending, .success(outcome))
        // About `kept` (the allocator may round it up), not what the written one held.
        #expect(storage.log.staged.bytes.bytes.capacity < 2 * kept)
        #expect(storage.log.staged.count == 0)
    }
}
