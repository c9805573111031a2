import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// Crashes at every write boundary, torn writes at every byte, truncation at every offset:
/// recovery must give back exactly a prefix of the records, containing every synced one.
struct CrashRecoveryTests {
    @Test(arguments: 1...4 as ClosedRange<UInt64>)
    func aCrashDuringAnyWriteRecoversEverySyncedRecordAndAPrefixOfTheRest(seed: UInt64) throws {
        var workload = StorageWorkload(seed: seed)
        let batches = (0..<10).map { _ in workload.nextBatch() }
        for (position, batch) in batches.enumerated() {
            var (storage, _) = try openStorage(try diskAfter(batches[..<position]))
            for operation in batch { try operation.perform(on: &storage) }
            // The machine loses power before the sync completes.
            storage.modifyFiles { $0.faults.syncsNeverComplete = true }
            try storage.sync()
            let disk = storage.files
            let wal = segmentPaths(disk).last!
            let tailCount = disk.unsyncedTailCount(of: wal)
            let syncedCount = disk.contents(of: wal)!.count - tailCount
            let ends = recordEnds(disk.contents(of: wal)!).filter { $0 > syncedCount }
            #expect(ends.count == batch.count)
            for keptCount in 0...tailCount {
                for zeroCount in [0, tailCount - keptCount + 5] {
                    var crashed = disk
                    crashed.crash { path, _ in
                        path == wal ? .torn(keptCount: keptCount, zeroCount: zeroCount) : .lost
                    }
                    let records = ends.filter { $0 <= syncedCount + keptCount }.count
                    let expected = model(after: batches[..<position], then: batch, records: records)
                    let (_, recovered) = try openStorage(crashed)
                    #expect(recovered == expected.recovered, "batch \(position) kept \(keptCount) zeros \(zeroCount)")
                }
            }
        }
    }

    @Test(arguments: 1...3 as ClosedRange<UInt64>)
    func truncationAtEveryOffsetOfTheLastRecordsLeavesTheRecordsBeforeIt(seed: UInt64) throws {
        var workload = StorageWorkload(seed: seed)
        let batches = (0..<8).map { _ in workload.nextBatch() }
        let operations = Array(batches.joined())
        let disk = try diskAfter(batches)
        let wal = segmentPaths(disk).last!
        let bytes = disk.contents(of: wal)!
        let ends = recordEnds(bytes)
        // Every offset of the last five records, and of the segment header.
        let offsets = Array(0..<ends[0]) + Array(ends[max(0, ends.count - 6)]...bytes.count)
        for offset in offsets {
            for zeroFilled in [false, true] {
                var damaged = disk
                let file = try damaged.open(wal, create: false)
                try damaged.truncate(file, to: offset)
                if zeroFilled { try damaged.truncate(file, to: bytes.count) }
                try damaged.synchronize(file)
                // The header is the first record; the operations follow one record each.
                let records = max(0, ends.filter { $0 <= offset }.count - 1)
                let expected = model(after: [], then: operations, records: records)
                let (_, recovered) = try openStorage(damaged)
                #expect(recovered == expected.recovered, "offset \(offset) zero-filled \(zeroFilled)")
            }
        }
    }

    @Test func aRecoveredTornTailIsCutSoTheLogContinuesCleanly() throws {
        var workload = StorageWorkload(seed: 5, withSnapshots: false)
        let batches = (0..<4).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(try diskAfter(batches))
        let extra = workload.nextBatch()
        for operation in extra { try operation.perform(on: &storage) }
        storage.modifyFiles { $0.faults.syncsNeverComplete = true }
        try storage.sync()
        var disk = storage.files
        // Part of the first unsynced record: its header, not its end.
        disk.crash { _, count in .torn(keptCount: min(count, 20), zeroCount: 3) }
        var (reopened, _) = try openStorage(disk)
        #expect(reopened.log.statistics.tornBytesTruncated > 0)
        // Later writes after the cut: the history is the synced batches, then the new ones.
        var continued = model(after: batches)
        var next = StorageWorkload(seed: 77, withSnapshots: false)
        next.model = continued
        let more = (0..<5).map { _ in next.nextBatch() }
        for batch in more {
            for operation in batch {
                try operation.perform(on: &reopened)
                continued.saveFile(operation)
                continued.applyRecord(operation)
            }
            try reopened.sync()
        }
        var crashed = reopened.files
        crashed.crash()
        #expect(try openStorage(crashed).recovered == continued.recovered)
    }

    @Test func aCrashRightAfterASegmentStartsKeepsEverything() throws {
        var workload = StorageWorkload(seed: 11)
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        while storage.log.statistics.segmentsCreated < 4 {
            for operation in workload.nextBatch() { try operation.perform(on: &storage) }
            try storage.sync()
        }
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk, options: smallSegments).recovered == workload.model.recovered)
    }

    /// Found by `synod sim` (seed 557): a crash during the sync after which the segment would
    /// have been full must not leave the next segment behind a torn one.
    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func aCrashDuringTheSyncThatFillsASegmentRecoversAPrefix(seed: UInt64) throws {
        var workload = StorageWorkload(seed: seed)
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        var before = StorageModel()
        var batch: [StorageOperation] = []
        while true {
            before = workload.model
            batch = workload.nextBatch()
            for operation in batch { try operation.perform(on: &storage) }
            if storage.log.segments.last!.size + storage.log.staged.count >= smallSegments.segmentBytesMax {
                break
            }
            try storage.sync()
        }
        let segmentsBefore = storage.log.segmentCount
        storage.modifyFiles { $0.faults.syncsNeverComplete = true }
        try storage.sync()
        #expect(storage.log.segmentCount == segmentsBefore + 1)
        for keptPercent in [0, 30, 70, 100] {
            var disk = storage.files
            disk.crash { _, count in .torn(keptCount: count * keptPercent / 100, zeroCount: 4) }
            let recovered = try openStorage(disk, options: smallSegments).recovered
            let prefixes = (0...batch.count).map { records in
                var model = before
                for operation in batch { model.saveFile(operation) }
                for operation in batch.prefix(records) { model.applyRecord(operation) }
                return model.recovered
            }
            #expect(prefixes.contains(recovered), "kept \(keptPercent)%")
        }
    }

    /// Found by `synod sim` (seed 2313): a crash after a leader's snapshot was saved but before
    /// its marker reached the log. Recovery adopts the snapshot file; it must also write the
    /// marker, or the entries appended after the snapshot follow a gap that the next recovery
    /// refuses as corruption.
    @Test(arguments: [false, true])
    func aSnapshotAdoptedAtRecoveryIsWrittenToTheLog(compactInsteadOfInstall: Bool) throws {
        let group = GroupID(1)
        let membership = Membership(voters: [NodeID(1)])
        var (storage, _) = try openStorage(InMemoryFileSystem())
        let early = (1...9).map { LogEntry(term: Term(2), index: LogIndex($0), payload: .command([UInt8($0)])) }
        try storage.stage(group: group, hardState: HardState(term: Term(2)), snapshot: nil, entries: early)
        try storage.sync()
        // The snapshot file is durable at once; its marker waits for a sync that never comes.
        let snapshot = Snapshot(
            index: LogIndex(compactInsteadOfInstall ? 9 : 10),
            term: Term(compactInsteadOfInstall ? 2 : 3),
            membership: membership,
            data: [42]
        )
        if compactInsteadOfInstall {
            try storage.compact(group: group, to: snapshot)
        } else {
            try storage.stage(group: group, hardState: nil, snapshot: snapshot, entries: [])
        }
        var disk = storage.files
        disk.crash()

        var (recovered, state) = try openStorage(disk)
        #expect(state[group]?.snapshot == snapshot)
        let later = (snapshot.index.rawValue + 1...snapshot.index.rawValue + 3).map {
            LogEntry(term: Term(3), index: LogIndex($0), payload: .command([UInt8($0)]))
        }
        try recovered.stage(group: group, hardState: HardState(term: Term(3)), snapshot: nil, entries: later)
        try recovered.sync()
        var again = recovered.files
        again.crash()
        let final = try openStorage(again).recovered[group]
        #expect(final?.snapshot == snapshot)
        #expect(final?.entries == later)
    }

    @Test func aNewSegmentWhoseHeaderWasTornIsStartedAgain() throws {
        var workload = StorageWorkload(seed: 12, withSnapshots: false)
        let batches = (0..<5).map { _ in workload.nextBatch() }
        var disk = try diskAfter(batches)
        // A segment file that was created and named durably, but whose header never landed.
        let path = walDirectory + "/" + WriteAheadLog<InMemoryFileSystem>.segmentName(2)
        let file = try disk.open(path, create: true)
        try disk.write([0x59, 0x53, 0x4E], to: file, at: 0)
        try disk.synchronizeDirectory(walDirectory)
        disk.crash { _, count in .torn(keptCount: count, zeroCount: 0) }
        var (storage, recovered) = try openStorage(disk)
        #expect(recovered == workload.model.recovered)
        #expect(storage.log.segmentCount == 2)
        let more = workload.nextBatch()
        for operation in more { try operation.perform(on: &storage) }
        try storage.sync()
        #expect(try openStorage(storage.files).recovered == workload.model.recovered)
    }
}
