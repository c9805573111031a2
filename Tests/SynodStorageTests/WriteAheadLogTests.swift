import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

struct WriteAheadLogTests {
    @Test(arguments: 1...5 as ClosedRange<UInt64>)
    func reopeningRecoversEverythingSynced(seed: UInt64) throws {
        var workload = StorageWorkload(seed: seed)
        let batches = (0..<60).map { _ in workload.nextBatch() }
        let files = try diskAfter(batches)
        let (_, recovered) = try openStorage(files)
        #expect(recovered == workload.model.recovered)
    }

    @Test func aBatchFromManyGroupsIsOneWriteAndOneSync() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let before = storage.files.statistics
        for group in 1...50 as ClosedRange<UInt64> {
            let entry = LogEntry(term: Term(1), index: LogIndex(1), payload: .command(Array("v\(group)".utf8)))
            try storage.stage(
                group: GroupID(group),
                hardState: HardState(term: Term(1), votedFor: NodeID(1), commit: .zero),
                snapshot: nil,
                entries: [entry]
            )
        }
        try storage.sync()
        #expect(storage.files.statistics.fileSyncs - before.fileSyncs == 1)
        #expect(storage.files.statistics.writes - before.writes == 1)
        let (_, recovered) = try openStorage(storage.files)
        #expect(recovered.count == 50)
        #expect(recovered[GroupID(7)]?.entries.first?.payload == .command(Array("v7".utf8)))
    }

    @Test func nothingStagedMeansNoSync() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let before = storage.files.statistics.fileSyncs
        try storage.sync()
        #expect(storage.files.statistics.fileSyncs == before)
    }

    @Test(arguments: 1...3 as ClosedRange<UInt64>)
    func entriesReadBackFromDiskWhenTheCacheIsEmpty(seed: UInt64) throws {
        var options = smallSegments
        options.entryCacheBytesMax = 0
        var workload = StorageWorkload(seed: seed, withSnapshots: false)
        let batches = (0..<80).map { _ in workload.nextBatch() }
        let (_, recovered) = try openStorage(try diskAfter(batches, options: options), options: options)
        #expect(recovered == workload.model.recovered)
    }

    @Test func segmentsRotateAndCompactedOnesAreRemoved() throws {
        var workload = StorageWorkload(seed: 42)
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        var segmentsMax = 0
        for _ in 0..<600 {
            for operation in workload.nextBatch() { try operation.perform(on: &storage) }
            try storage.sync()
            segmentsMax = max(segmentsMax, storage.log.segmentCount)
        }
        #expect(storage.log.statistics.segmentsCreated > 20)
        #expect(storage.log.statistics.segmentsDeleted > 10)
        #expect(segmentPaths(storage.files).count == storage.log.segmentCount)
        let (_, recovered) = try openStorage(storage.files, options: smallSegments)
        #expect(recovered == workload.model.recovered)
    }

    @Test func restartAfterCompactionContinuesTheLog() throws {
        var workload = StorageWorkload(seed: 9)
        var files = try diskAfter((0..<100).map { _ in workload.nextBatch() }, options: smallSegments)
        for _ in 0..<5 {
            var (storage, recovered) = try openStorage(files, options: smallSegments)
            #expect(recovered == workload.model.recovered)
            for _ in 0..<40 {
                for operation in workload.nextBatch() { try operation.perform(on: &storage) }
                try storage.sync()
            }
            files = storage.files
            files.crash()
        }
        #expect(try openStorage(files, options: smallSegments).recovered == workload.model.recovered)
    }

    @Test func snapshotPlusReplayReproducesTheState() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let group = GroupID(1)
        let entries = (1...10 as ClosedRange<UInt64>).map {
            LogEntry(term: Term(2), index: LogIndex($0), payload: .command(Array("set k\($0)".utf8)))
        }
        try storage.stage(
            group: group,
            hardState: HardState(term: Term(2), commit: LogIndex(8)),
            snapshot: nil,
            entries: entries
        )
        try storage.sync()
        let snapshot = Snapshot(
            index: LogIndex(6),
            term: Term(2),
            membership: Membership(voters: [NodeID(1)]),
            data: [1, 2, 3]
        )
        try storage.compact(group: group, to: snapshot)
        try storage.sync()
        var files = storage.files
        files.crash()
        let recovered = try openStorage(files).recovered[group]!
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries == Array(entries[6...]))
        #expect(recovered.hardState == HardState(term: Term(2), commit: LogIndex(8)))
        #expect(files.paths.filter { $0.hasPrefix(snapshotDirectory) }.count == 1)
    }

    @Test(arguments: [0, 1 << 20])
    func entriesAReplicaLetGoOfAreReadBackWithinTheirBytesAndNoneOnceCompacted(cacheBytes: Int) throws {
        var options = smallSegments
        options.entryCacheBytesMax = cacheBytes
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: options)
        let group = GroupID(1)
        let entries = (1...30 as ClosedRange<UInt64>).map {
            LogEntry(term: Term(1), index: LogIndex($0), payload: .command(Array(repeating: UInt8($0), count: 76)))
        }
        for batch in stride(from: 0, to: 30, by: 7) {
            try storage.stage(
                group: group,
                hardState: nil,
                snapshot: nil,
                entries: Array(entries[batch..<min(batch + 7, 30)])
            )
            try storage.sync()
        }
        // 100 bytes an entry: 250 bytes hold two, and a budget below one still reads one.
        let indexes = { (load: EntryLoad) throws in try storage.entries(of: group, load).map(\.index.rawValue) }
        #expect(try indexes(EntryLoad(range: LogIndex(5)...LogIndex(20), bytesMax: 250)) == [5, 6])
        #expect(try indexes(EntryLoad(range: LogIndex(29)...LogIndex(40), bytesMax: 1)) == [29])
        #expect(
            try storage.entries(of: group, EntryLoad(range: LogIndex(3)...LogIndex(30), bytesMax: .max))
                == Array(entries[2...])
        )
        #expect(try indexes(EntryLoad(range: LogIndex(31)...LogIndex(40), bytesMax: .max)) == [])
        let snapshot = Snapshot(
            index: LogIndex(10),
            term: Term(1),
            membership: Membership(voters: [NodeID(1)]),
            data: [1]
        )
        try storage.compact(group: group, to: snapshot)
        #expect(try indexes(EntryLoad(range: LogIndex(5)...LogIndex(20), bytesMax: .max)) == [])
        #expect(try indexes(EntryLoad(range: LogIndex(11)...LogIndex(12), bytesMax: .max)) == [11, 12])
    }

    @Test func anInstalledSnapshotReplacesTheLogAndLaterEntriesFollowIt() throws {
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let group = GroupID(3)
        let stale = (1...20 as ClosedRange<UInt64>).map { LogEntry(term: Term(1), index: LogIndex($0), payload: .noop) }
        try storage.stage(
            group: group,
            hardState: HardState(term: Term(1), commit: LogIndex(5)),
            snapshot: nil,
            entries: stale
        )
        let snapshot = Snapshot(
            index: LogIndex(12),
            term: Term(3),
            membership: Membership(voters: [NodeID(1)]),
            data: [9]
        )
        let fresh = (13...15 as ClosedRange<UInt64>).map {
            LogEntry(term: Term(3), index: LogIndex($0), payload: .noop)
        }
        try storage.stage(
            group: group,
            hardState: HardState(term: Term(3), commit: LogIndex(12)),
            snapshot: snapshot,
            entries: fresh
        )
        try storage.sync()
        let recovered = try openStorage(storage.files).recovered[group]!
        #expect(recovered.snapshot.index == LogIndex(12))
        #expect(recovered.entries == fresh)
    }
}
