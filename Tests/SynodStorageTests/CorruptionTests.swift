import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// Flipped bits are always detected and never returned as data; a damaged log refuses to open
/// with the file and offset, rather than dropping acknowledged records.
struct CorruptionTests {
    static func smallLog() throws -> (disk: InMemoryFileSystem, model: StorageModel) {
        var workload = StorageWorkload(seed: 3)
        var batches: [[StorageOperation]] = []
        // Enough to have a snapshot file and a few records of each kind.
        while batches.count < 6 || !batches.joined().contains(where: { if case .compact = $0 { true } else { false } })
        {
            batches.append(workload.nextBatch(operationsMax: 2))
        }
        return (try diskAfter(batches), workload.model)
    }

    @Test func aBitFlipAtEveryByteOfTheLogIsDetected() throws {
        let (disk, _) = try Self.smallLog()
        for path in segmentPaths(disk) {
            let count = disk.contents(of: path)!.count
            for offset in 0..<count {
                for bit in 0..<8 {
                    var damaged = disk
                    damaged.flipBit(in: path, atByte: offset, bit: bit)
                    #expect(throws: StorageError.self, "byte \(offset) bit \(bit)") { try openStorage(damaged) }
                    do {
                        _ = try openStorage(damaged)
                    } catch {
                        guard case .corruption(let errorPath, let errorOffset, _) = error else {
                            Issue.record("byte \(offset) bit \(bit): \(error)")
                            continue
                        }
                        #expect(errorPath == path && errorOffset <= offset)
                    }
                }
            }
        }
    }

    @Test func aBitFlipAtEveryByteOfASnapshotIsDetected() throws {
        let (disk, _) = try Self.smallLog()
        let snapshots = disk.paths.filter { $0.hasPrefix(snapshotDirectory) }
        #expect(!snapshots.isEmpty)
        for path in snapshots {
            for offset in 0..<disk.contents(of: path)!.count {
                var damaged = disk
                damaged.flipBit(in: path, atByte: offset, bit: offset % 8)
                #expect(throws: StorageError.corruption(path: path, offset: 0, reason: "snapshot checksum mismatch")) {
                    try openStorage(damaged)
                }
            }
        }
    }

    @Test func theCorruptionMessageNamesTheFileOffsetAndTheWayOut() throws {
        let (disk, _) = try Self.smallLog()
        var damaged = disk
        let path = segmentPaths(disk)[0]
        let ends = recordEnds(disk.contents(of: path)!)
        damaged.flipBit(in: path, atByte: ends[2] + 20, bit: 3)
        do {
            _ = try openStorage(damaged)
            Issue.record("opened a corrupt log")
        } catch {
            #expect(error == .corruption(path: path, offset: ends[2], reason: "record checksum mismatch"))
            #expect(error.description.contains("\(path) at offset \(ends[2])"))
            #expect(error.description.contains("docs/STORAGE.md"))
        }
    }

    @Test func aDamagedRecordBeforeTheLastSegmentIsCorruptionNotATornTail() throws {
        var workload = StorageWorkload(seed: 21)
        var (storage, _) = try openStorage(InMemoryFileSystem(), options: smallSegments)
        while storage.log.segmentCount < 3 {
            for operation in workload.nextBatch() { try operation.perform(on: &storage) }
            try storage.sync()
        }
        var disk = storage.files
        let first = segmentPaths(disk)[0]
        // Cut the end of a complete, older segment: a torn tail cannot be there.
        let file = try disk.open(first, create: false)
        try disk.truncate(file, to: disk.contents(of: first)!.count - 3)
        try disk.synchronize(file)
        #expect(throws: StorageError.self) { try openStorage(disk, options: smallSegments) }
    }

    @Test func aMissingSnapshotThatTheLogNeedsIsCorruption() throws {
        let (disk, _) = try Self.smallLog()
        var damaged = disk
        for path in damaged.paths where path.hasPrefix(snapshotDirectory) { try damaged.remove(path) }
        #expect(throws: StorageError.self) { try openStorage(damaged) }
    }

    @Test func aSupersededSnapshotLeftByACrashIsRemovedAndNeverRead() throws {
        let (disk, model) = try Self.smallLog()
        var withOlder = disk
        let older = Snapshot(index: LogIndex(1), term: Term(1), membership: Membership(voters: [NodeID(1)]), data: [4])
        let name = SnapshotStore.fileName(of: GroupID(1), at: LogPosition(index: older.index, term: older.term))
        let file = try withOlder.open(snapshotDirectory + "/" + name, create: true)
        var bytes = try SnapshotStore.encode(older, of: GroupID(1))
        bytes[3] ^= 0x10  // Damaged too: it must not even be read.
        try withOlder.write(bytes, to: file, at: 0)
        try withOlder.synchronizeDirectory(snapshotDirectory)
        let (storage, recovered) = try openStorage(withOlder)
        #expect(recovered == model.recovered)
        #expect(!storage.files.paths.contains(snapshotDirectory + "/" + name))
    }

    @Test func leftoverTemporarySnapshotFilesAreRemoved() throws {
        let (disk, model) = try Self.smallLog()
        var withLeftover = disk
        let file = try withLeftover.open(snapshotDirectory + "/snap-half-written.snap.tmp", create: true)
        try withLeftover.write([1, 2, 3], to: file, at: 0)
        let (storage, recovered) = try openStorage(withLeftover)
        #expect(recovered == model.recovered)
        #expect(!storage.files.paths.contains { $0.hasSuffix(".tmp") })
    }
}
