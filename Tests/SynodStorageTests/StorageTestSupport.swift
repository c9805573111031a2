import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

let storageDirectory = "/data/node"
let walDirectory = "/data/node/wal"
let snapshotDirectory = "/data/node/snapshots"

/// Small segments, so that rotation and removal happen in small tests.
var smallSegments: WriteAheadLogOptions {
    var options = WriteAheadLogOptions()
    options.segmentBytesMax = 4096
    options.entriesPerRecordMax = 8
    return options
}

func openStorage(
    _ files: InMemoryFileSystem,
    options: WriteAheadLogOptions = WriteAheadLogOptions()
) throws(StorageError) -> (storage: DurableStorage<InMemoryFileSystem>, recovered: [GroupID: PersistentState]) {
    try DurableStorage.open(directory: storageDirectory, files: files, options: options)
}

/// Runs `batches` (each staged, then synced once) on a fresh disk and returns it.
func diskAfter(
    _ batches: some Sequence<[StorageOperation]>,
    options: WriteAheadLogOptions = WriteAheadLogOptions()
) throws -> InMemoryFileSystem {
    var (storage, _) = try openStorage(InMemoryFileSystem(), options: options)
    for batch in batches {
        for operation in batch { try operation.perform(on: &storage) }
        try storage.sync()
    }
    return storage.files
}

/// The model after all of `batches`, and after the first `records` records of `partial`.
func model(
    after batches: some Sequence<[StorageOperation]>,
    then partial: [StorageOperation] = [],
    records: Int = 0
) -> StorageModel {
    var model = StorageModel()
    for operation in batches.joined() {
        model.saveFile(operation)
        model.applyRecord(operation)
    }
    for operation in partial { model.saveFile(operation) }
    for operation in partial.prefix(records) { model.applyRecord(operation) }
    return model
}

/// The segment files, oldest first.
func segmentPaths(_ files: InMemoryFileSystem) -> [String] {
    files.paths.filter { $0.hasPrefix(walDirectory + "/wal-") }
}

/// Where each record of a segment ends.
func recordEnds(_ bytes: [UInt8]) -> [Int] {
    LogScanner(bytes).scan().records.map { $0.offset + $0.count }
}
