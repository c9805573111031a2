import SynodConsensus
import SynodCore

/// A node's durable state: the write-ahead log in `<directory>/wal` and the snapshot files in
/// `<directory>/snapshots`, used the way the consensus driver needs them.
///
/// For each group's `Ready`: `stage(...)` (the snapshot file is written and synced at once, the
/// rest is staged), then one `sync()` for all groups; only then may the Ready's messages go.
public struct DurableStorage<Files: FileSystem>: Sendable {
    public internal(set) var log: WriteAheadLog<Files>
    public let directory: String
    /// The snapshot each group is receiving from its leader, in its temporary file.
    var incomingSnapshots: [GroupID: SnapshotFileWriter<Files>] = [:]
    var snapshotDirectory: String { directory.appendingPathComponent("snapshots") }

    /// The file system, for a simulation to crash or damage once the storage is dropped.
    public var files: Files { log.files }

    /// Changes the file system under the running storage: for simulations and tests that
    /// inject faults (a full disk, a failing sync).
    public mutating func modifyFiles(_ change: (inout Files) -> Void) { change(&log.files) }

    /// Opens the storage in `directory` (creating it on first use) and recovers every group's
    /// persisted state. Throws `StorageError.corruption` rather than start on damaged data.
    public static func open(
        directory: String,
        files: Files,
        options: WriteAheadLogOptions = WriteAheadLogOptions()
    ) throws(StorageError) -> (storage: DurableStorage, recovered: [GroupID: PersistentState]) {
        var files = files
        let snapshotDirectory = directory.appendingPathComponent("snapshots")
        let snapshots = try SnapshotStore.loadNewest(in: snapshotDirectory, files: &files)
        let log = try WriteAheadLog.open(
            directory: directory.appendingPathComponent("wal"),
            files: files,
            snapshots: snapshots.mapValues { LogPosition(index: $0.index, term: $0.term) },
            options: options
        )
        var storage = DurableStorage(log: log, directory: directory)
        var recovered: [GroupID: PersistentState] = [:]
        for group in storage.log.groupIDs {
            recovered[group] = try storage.persistentState(of: group, snapshot: snapshots[group])
        }
        return (storage, recovered)
    }

    private mutating func persistentState(
        of group: GroupID,
        snapshot: Snapshot?
    ) throws(StorageError) -> PersistentState {
        let base = log.base(of: group)
        let last = log.lastIndex(of: group)
        let entries = last > base.index ? try log.entries(of: group, in: base.index.next...last) : []
        var hardState = log.hardState(of: group)
        hardState.commit = max(hardState.commit, base.index)
        let emptySnapshot = PersistentState.joining.snapshot
        return PersistentState(hardState: hardState, snapshot: snapshot ?? emptySnapshot, entries: entries)
    }

    /// Stages what one group's `Ready` asks to persist. The pieces of a snapshot being received
    /// go to its temporary file; a received snapshot's file is made durable by the next
    /// `sync()`, before the marker in the log that names it (another snapshot is made durable
    /// here); entries and hard state wait for `sync()`. Returns the snapshot as
    /// its file holds it, for the replica to read from (`ConsensusReplica.snapshotStored`).
    @discardableResult
    public mutating func stage(
        group: GroupID,
        hardState: HardState?,
        snapshotTransfer: [SnapshotTransferStep] = [],
        snapshot: Snapshot?,
        entries: [LogEntry]
    ) throws(StorageError) -> Snapshot? {
        for step in snapshotTransfer { try keep(step, of: group) }
        var stored: Snapshot?
        if let snapshot { stored = try saveSnapshot(snapshot, of: group, received: true) }
        log.stage(entries: entries, of: group)
        if let hardState { log.stage(hardState: hardState, of: group) }
        return stored
    }

    /// Keeps a step of a snapshot being received in the group's unfinished file.
    private mutating func keep(_ step: SnapshotTransferStep, of group: GroupID) throws(StorageError) {
        if let failure = log.failure { throw .stopped(cause: failure.description) }
        guard case .piece(let piece) = step else {
            incomingSnapshots.removeValue(forKey: group)?.abandon(files: &log.files)
            return
        }
        do throws(FileSystemError) {
            if piece.offset == 0 {
                incomingSnapshots.removeValue(forKey: group)?.abandon(files: &log.files)
                incomingSnapshots[group] = try SnapshotFileWriter(
                    group: group,
                    index: piece.index,
                    term: piece.term,
                    membership: piece.membership,
                    directory: snapshotDirectory,
                    files: &log.files
                )
            }
            guard var writer = incomingSnapshots[group], writer.index == piece.index, writer.term == piece.term,
                writer.dataBytes == piece.offset
            else {
                preconditionFailure("snapshot pieces out of order: \(piece.index)/\(piece.term) at \(piece.offset)")
            }
            try writer.append(piece.bytes, files: &log.files)
            incomingSnapshots[group] = writer
        } catch {
            log.failure = .fileSystem(error)
            throw .fileSystem(error)
        }
    }

    /// Makes everything staged durable with one fdatasync.
    public mutating func sync() throws(StorageError) { try log.sync() }

    /// Writes what is staged and returns the fdatasync still to do, which may run on another
    /// thread (see `WriteAheadLog.PendingSync`); nil when nothing is staged.
    public mutating func beginSync() throws(StorageError) -> WriteAheadLog<Files>.PendingSync? {
        try log.beginSync()
    }

    /// Completes a sync begun by `beginSync()` with the outcome of its `carryOut`.
    public mutating func finishSync(
        _ pending: WriteAheadLog<Files>.PendingSync,
        _ result: Result<WriteAheadLog<Files>.PendingSync.Outcome, FileSystemError>
    ) throws(StorageError) {
        try log.finishSync(pending, result)
    }

    /// Compacts the group's log up to a snapshot the state machine took: the snapshot file is
    /// durable when this returns; the marker that drops the entries goes with the next sync.
    public mutating func compact(group: GroupID, to snapshot: Snapshot) throws(StorageError) {
        precondition(
            log.term(of: group, at: snapshot.index) == snapshot.term,
            "a snapshot of entries the log does not hold"
        )
        try saveSnapshot(snapshot, of: group)
    }

    /// Writes a snapshot's file durably (tmp, fsync, rename, directory fsync) without touching
    /// the log, so that it may run on another thread while the log is in use; then
    /// `compact(group:toWritten:)` drops the entries it covers. `contents` streams the state
    /// machine's bytes into the file through the function it is given. Returns the snapshot
    /// as the file holds it. A copy of `files` will do for a file system whose copies share
    /// files (POSIX).
    public static func writeSnapshotFile(
        of group: GroupID,
        index: LogIndex,
        term: Term,
        membership: Membership,
        directory: String,
        files: inout Files,
        contents: (_ append: ([UInt8]) throws(FileSystemError) -> Void) throws(FileSystemError) -> Void
    ) throws(StorageError) -> Snapshot {
        do throws(FileSystemError) {
            var writer = try SnapshotFileWriter(
                group: group,
                index: index,
                term: term,
                membership: membership,
                directory: directory.appendingPathComponent("snapshots"),
                files: &files
            )
            do throws(FileSystemError) {
                try contents { (piece) throws(FileSystemError) in try writer.append(piece, files: &files) }
            } catch {
                writer.abandon(files: &files)
                throw error
            }
            return try writer.finish(files: &files)
        } catch {
            throw .fileSystem(error)
        }
    }

    /// Compacts the group's log up to a snapshot whose file `writeSnapshotFile` made durable:
    /// the marker that drops the entries goes with the next sync.
    public mutating func compact(group: GroupID, toWritten snapshot: Snapshot) throws(StorageError) {
        precondition(
            log.term(of: group, at: snapshot.index) == snapshot.term,
            "a snapshot of entries the log does not hold"
        )
        if let failure = log.failure { throw .stopped(cause: failure.description) }
        log.stage(snapshotAt: LogPosition(index: snapshot.index, term: snapshot.term), of: group)
    }

    /// Makes `snapshot` the group's durable snapshot: the file its pieces went to when it was
    /// `received` in pieces (completed by the next sync, before the marker), a new file
    /// otherwise (completed here). Then stages the marker.
    @discardableResult
    private mutating func saveSnapshot(
        _ snapshot: Snapshot,
        of group: GroupID,
        received: Bool = false
    ) throws(StorageError) -> Snapshot {
        if let failure = log.failure { throw .stopped(cause: failure.description) }
        let stored: Snapshot
        do throws(FileSystemError) {
            if received, let writer = incomingSnapshots.removeValue(forKey: group) {
                guard writer.index == snapshot.index, writer.term == snapshot.term,
                    writer.dataBytes == snapshot.data.count
                else {
                    writer.abandon(files: &log.files)
                    throw FileSystemError(
                        .inputOutput("the pieces kept are not those of \(snapshot)"),
                        operation: "finish the snapshot",
                        path: snapshotDirectory
                    )
                }
                // Its fdatasync goes with the log's sync, before the marker, and so off the
                // consensus thread of a node (131 ms for a snapshot of a million keys here).
                let completion: SnapshotFileWriter<Files>.Completion
                (stored, completion) = try writer.completion(files: &log.files)
                log.stage(snapshotFile: completion)
            } else {
                stored = try SnapshotStore.save(snapshot, of: group, in: snapshotDirectory, files: &log.files)
            }
        } catch {
            log.failure = .fileSystem(error)
            throw .fileSystem(error)
        }
        log.stage(snapshotAt: LogPosition(index: snapshot.index, term: snapshot.term), of: group)
        return stored
    }

    /// The group's entries at `range` (recent ones from memory, older ones from disk).
    public mutating func entries(of group: GroupID, in range: ClosedRange<LogIndex>) throws(StorageError) -> [LogEntry]
    {
        try log.entries(of: group, in: range)
    }

    /// What a replica that let go of entries asks for (`EntryLoad`): the group's entries from
    /// `load.range.lowerBound`, within its bytes; none when the log no longer holds them.
    public mutating func entries(of group: GroupID, _ load: EntryLoad) throws(StorageError) -> [LogEntry] {
        try log.entries(of: group, from: load.range, bytesMax: load.bytesMax)
    }
}
