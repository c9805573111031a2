import SynodConsensus
import SynodCore

/// The write-ahead log of a node: entries, hard states and snapshot markers of every group
/// the node hosts, in one sequence of segment files.
///
/// One log per node rather than one per group, so that one fdatasync makes the writes of all
/// groups durable (group commit across groups); a disk does a few hundred to a few thousand
/// syncs a second, and a node hosts many groups.
///
/// Writes are staged (`stage...`), then made durable together by `sync()`: when it returns,
/// every write staged before it is on disk, and the driver may send the messages that depend
/// on them. A failed write or sync stops the log for good.
///
/// Memory stays bounded: the log keeps where each entry is (`GroupLog`), and the newest entries
/// in an `EntryCache` within a byte budget; older entries are read back from their segment.
public struct WriteAheadLog<Files: FileSystem>: Sendable {
    /// The file system, exposed so a simulation can crash it or flip its bits.
    public internal(set) var files: Files
    public let directory: String
    let options: WriteAheadLogOptions
    /// The most capacity a new staging buffer reserves (`finishSync`).
    static var stagedBytesKept: Int { 1 << 20 }

    struct Segment: Sendable {
        let sequence: UInt64
        let path: String
        var size: Int
        /// The highest entry index of each group stored in this segment.
        var highestIndex: [GroupID: LogIndex] = [:]
    }

    /// Oldest first. Invariant: sequences are consecutive; the last is the one being written.
    var segments: [Segment] = []
    var currentFile: OpenFileID
    /// Files opened to read entries back, by segment sequence.
    var readFiles: [UInt64: OpenFileID] = [:]
    var groups: [GroupID: GroupLog] = [:]
    var cache: EntryCache
    /// Records staged for the next `sync()`, at the end of the current segment.
    var staged = StagedWrites()
    /// Received snapshot files the next `sync()` completes before it writes the records (whose
    /// markers name them).
    var stagedSnapshotFiles: [SnapshotFileWriter<Files>.Completion] = []
    /// Set by the first failed write or sync; from then on nothing is accepted.
    var failure: StorageError?
    /// The file and offset of the sync begun by `beginSync()` and not yet finished.
    var syncInProgress: (file: OpenFileID, offset: Int)?
    public internal(set) var statistics = Statistics()

    public struct Statistics: Hashable, Sendable {
        public var syncs = 0
        public var bytesWritten = 0
        public var segmentsCreated = 0
        public var segmentsDeleted = 0
        /// Bytes of a torn last write cut off at recovery.
        public var tornBytesTruncated = 0
        public var recordsRecovered = 0
    }

    static func segmentName(_ sequence: UInt64) -> String {
        let digits = String(sequence, radix: 16)
        return "wal-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".log"
    }

    static func segmentSequence(ofName name: String) -> UInt64? {
        guard name.hasPrefix("wal-"), name.hasSuffix(".log"), name.count == 24 else { return nil }
        return UInt64(name.dropFirst(4).dropLast(4), radix: 16)
    }

    // MARK: - What the log holds

    /// The groups that have written anything, in id order.
    public var groupIDs: [GroupID] { groups.keys.sorted() }

    public func hardState(of group: GroupID) -> HardState { groups[group]?.hardState ?? HardState() }

    /// The snapshot position the group's log starts after.
    public func base(of group: GroupID) -> LogPosition { groups[group]?.base ?? .zero }

    public func lastIndex(of group: GroupID) -> LogIndex { groups[group]?.lastIndex ?? .zero }

    public func term(of group: GroupID, at index: LogIndex) -> Term? { (groups[group] ?? GroupLog()).term(at: index) }

    /// True when writes wait for `sync()`.
    public var hasStagedWrites: Bool { staged.count > 0 || !stagedSnapshotFiles.isEmpty }

    /// The number of segment files.
    public var segmentCount: Int { segments.count }

    // MARK: - Writing

    /// Stages entries at consecutive indexes; they replace what the group holds at those
    /// indexes and after. Entries never replace a committed entry or leave a gap.
    public mutating func stage(entries: [LogEntry], of group: GroupID) {
        precondition(syncInProgress == nil, "staged while a sync is in progress")
        guard let first = entries.first?.index else { return }
        // Taken out of the dictionary so that changing it does not copy its locations.
        var log = groups.removeValue(forKey: group) ?? GroupLog()
        precondition(first <= log.lastIndex.next, "entries at \(first) leave a gap after \(log.lastIndex)")
        precondition(first > log.hardState.commit, "entries at \(first) replace committed entries")
        precondition(first > log.base.index, "entries at \(first) are inside the snapshot at \(log.base)")
        var start = 0
        var locations: [EntryLocation] = []
        locations.reserveCapacity(entries.count)
        while start < entries.count {
            // As many entries as fit one record's count and bytes; always at least one (one
            // entry's command never exceeds what a record carries, see `SizeLimits`).
            var end = start + 1
            var recordBytes = entries[start].sizeBytes
            while end < entries.count, end - start < options.entriesPerRecordMax,
                recordBytes + entries[end].sizeBytes <= LogRecord.entriesBytesMax
            {
                recordBytes += entries[end].sizeBytes
                end += 1
            }
            let offset = segments[segments.count - 1].size + staged.count
            staged.stage(entries[start..<end], of: group)
            let count = segments[segments.count - 1].size + staged.count - offset
            for position in start..<end {
                precondition(
                    entries[position].index.rawValue == first.rawValue + UInt64(position),
                    "entries not consecutive"
                )
                locations.append(
                    EntryLocation(
                        segment: segments[segments.count - 1].sequence,
                        recordOffset: offset,
                        recordCount: count,
                        term: entries[position].term
                    )
                )
            }
            start = end
        }
        log.append(locations, startingAt: first)
        groups[group] = log
        let last = entries.last!.index
        segments[segments.count - 1].highestIndex[group] = max(segments.last!.highestIndex[group] ?? .zero, last)
        cache.store(entries, of: group)
    }

    /// Stages the group's hard state. Terms never go back, nor does the commit index.
    public mutating func stage(hardState: HardState, of group: GroupID) {
        precondition(syncInProgress == nil, "staged while a sync is in progress")
        // Taken out of the dictionary so that changing it does not copy its locations.
        var log = groups.removeValue(forKey: group) ?? GroupLog()
        precondition(hardState.term >= log.hardState.term, "term \(hardState.term) after \(log.hardState.term)")
        precondition(
            hardState.commit <= log.lastIndex,
            "commit \(hardState.commit) past the last index \(log.lastIndex)"
        )
        log.hardState = hardState
        groups[group] = log
        LogRecord.hardState(hardState, group: group, to: &staged.bytes)
    }

    /// Stages a marker: the group's log now starts after a durable snapshot at `position`,
    /// keeping the entries after it if the log holds the snapshot's last entry, dropping them
    /// all otherwise (as `RaftLog` does). The snapshot file must be durable before this is synced.
    public mutating func stage(snapshotAt position: LogPosition, of group: GroupID) {
        precondition(syncInProgress == nil, "staged while a sync is in progress")
        // Taken out of the dictionary so that changing it does not copy its locations.
        guard (groups[group] ?? GroupLog()).isNewer(position) else { return }
        // Taken out of the dictionary so that changing it does not copy its locations.
        var log = groups.removeValue(forKey: group) ?? GroupLog()
        let compacted = log.applySnapshot(position)
        groups[group] = log
        if compacted { cache.forget(group, through: position.index) } else { cache.forgetAll(group) }
        LogRecord.snapshotMarker(position, replacesLog: !compacted, group: group, to: &staged.bytes)
    }

    /// Stages the completion of a received snapshot's file, for the next sync to carry out
    /// before the records it writes, the snapshot's marker among them.
    mutating func stage(snapshotFile: SnapshotFileWriter<Files>.Completion) {
        precondition(syncInProgress == nil, "staged while a sync is in progress")
        stagedSnapshotFiles.append(snapshotFile)
    }

    /// Writes everything staged and fdatasyncs once. When it returns, all of it is durable.
    /// A failure stops the log: the error is returned now and on every later call.
    public mutating func sync() throws(StorageError) {
        guard let pending = try beginSync() else { return }
        let result: Result<PendingSync.Outcome, FileSystemError>
        do {
            result = .success(try pending.carryOut(with: &files))
        } catch {
            result = .failure(error)
        }
        try finishSync(pending, result)
    }

    /// A sync in two halves, so that writing the staged bytes and their fdatasync can run on
    /// another thread while the caller goes on with work that does not touch the log:
    /// `beginSync()` takes what is staged, the caller runs `carryOut` with a copy of `files`
    /// there, and reports the outcome to `finishSync`. Nothing may be staged, synced, read or
    /// compacted in between. The bytes are the staged buffer itself, not a copy. When they fill
    /// the segment, the next one is started there too (`SegmentRoll`).
    public struct PendingSync: Sendable {
        public let file: OpenFileID
        /// Where in `file` the bytes go: the end of the current segment.
        let offset: Int
        let writes: StagedWrites
        /// Received snapshot files to make durable before the records, which name them.
        let snapshotFiles: [SnapshotFileWriter<Files>.Completion]
        /// The segment to start after the write, when it fills the current one.
        let roll: SegmentRoll?

        var byteCount: Int { writes.count }

        /// The bytes the sync writes: the staged records, with the records of big entries
        /// encoded and checksummed here, on the thread that carries the sync out.
        var bytes: [UInt8] { writes.encoded() }

        /// What `finishSync` needs from the thread that carried the sync out.
        public struct Outcome: Sendable {
            /// The file of the segment the sync started, if it started one.
            let nextSegmentFile: OpenFileID?
        }

        /// Writes the bytes and fdatasyncs the file, then starts the next segment if this one
        /// is full, on any thread, through a copy of the log's `files` (the POSIX file system
        /// is stateless: a copy writes the same files).
        public func carryOut(with files: inout Files) throws(FileSystemError) -> Outcome {
            for (position, snapshotFile) in snapshotFiles.enumerated() {
                do {
                    try snapshotFile.carryOut(with: &files)
                } catch {
                    // The others' files are closed too; a restart removes what they left.
                    for other in snapshotFiles[(position + 1)...] { files.close(other.file) }
                    throw error
                }
            }
            try files.write(bytes, to: file, at: offset)
            try files.synchronize(file)
            return Outcome(nextSegmentFile: try roll?.carryOut(with: &files))
        }
    }

    /// The start of the next segment, planned where the log is (`planSegmentRoll`) and
    /// carried out on the thread of the sync that fills the current one: the new file, its
    /// header (every group's base and hard state), its fdatasync, a directory fsync and the
    /// removal of the segments that snapshots cover. Done on the consensus thread, that work
    /// held it 25-45 ms every 64 MB of log.
    struct SegmentRoll: Sendable {
        struct Removal: Sendable {
            let sequence: UInt64
            let path: String
            /// Closed before the removal, so that the blocks are freed there and then.
            let openFiles: [OpenFileID]
        }

        let sequence: UInt64
        let path: String
        let directory: String
        let header: [UInt8]
        /// The segments whose every entry a snapshot covers, oldest first.
        let removals: [Removal]

        /// Creates the segment and removes the covered ones; returns the new segment's file.
        /// The removal comes after a sync, so the snapshot markers that cover them are durable.
        func carryOut(with files: inout Files) throws(FileSystemError) -> OpenFileID {
            let file = try files.open(path, create: true)
            try files.truncate(file, to: 0)
            try files.write(header, to: file, at: 0)
            try files.synchronize(file)
            try files.synchronizeDirectory(directory)
            guard !removals.isEmpty else { return file }
            for removal in removals {
                for open in removal.openFiles { files.close(open) }
                try files.remove(removal.path)
            }
            try files.synchronizeDirectory(directory)
            return file
        }
    }

    /// Takes everything staged for a sync; nil when nothing is. See `PendingSync`.
    public mutating func beginSync() throws(StorageError) -> PendingSync? {
        if let failure { throw .stopped(cause: failure.description) }
        precondition(syncInProgress == nil, "a sync began while another is in progress")
        guard hasStagedWrites else { return nil }
        let offset = segments[segments.count - 1].size
        let fills = offset + staged.count >= options.segmentBytesMax
        let pending = PendingSync(
            file: currentFile,
            offset: offset,
            writes: staged,
            snapshotFiles: stagedSnapshotFiles,
            roll: fills ? planSegmentRoll() : nil
        )
        stagedSnapshotFiles = []
        syncInProgress = (file: pending.file, offset: pending.offset)
        return pending
    }

    /// Completes the sync `beginSync()` began, with its outcome. After a failure (of the
    /// write, the fdatasync or the start of the next segment) nothing written since the last
    /// good sync is known to be on disk, so the log stops (fsyncgate: a retried fdatasync can
    /// succeed without the lost data).
    public mutating func finishSync(
        _ pending: PendingSync,
        _ result: Result<PendingSync.Outcome, FileSystemError>
    ) throws(StorageError) {
        precondition(
            syncInProgress?.file == pending.file && syncInProgress?.offset == pending.offset,
            "finishSync without its beginSync"
        )
        syncInProgress = nil
        let outcome: PendingSync.Outcome
        switch result {
        case .failure(let syncFailure):
            failure = .fileSystem(syncFailure)
            throw .fileSystem(syncFailure)
        case .success(let done): outcome = done
        }
        let last = segments.count - 1
        segments[last].size += pending.byteCount
        statistics.syncs += 1
        statistics.bytesWritten += pending.byteCount
        // The next buffer starts as big as this one was, up to `stagedBytesKept`: past it
        // (bytes staged during a long sync) it grows again when needed rather than holding its
        // largest size, twice over, for good.
        staged = StagedWrites(reservingCapacity: min(staged.bytes.bytes.capacity, Self.stagedBytesKept))
        if let roll = pending.roll, let file = outcome.nextSegmentFile { adopt(roll, file: file) }
    }

    /// Starts the next segment here and now (opening a log).
    mutating func startSegment() throws(StorageError) {
        let roll = planSegmentRoll()
        do {
            adopt(roll, file: try roll.carryOut(with: &files))
        } catch {
            failure = .fileSystem(error)
            throw .fileSystem(error)
        }
    }

    /// The next segment begins with every group's base and hard state, so that older segments
    /// can go once snapshots cover their entries: those whose every entry lies inside its
    /// group's snapshot go with it. Replay then starts from the first kept segment, and a
    /// group whose entries resume after a removed stretch finds the marker of the snapshot
    /// that covers the stretch later in the log (see `GroupLog.baseIsKnown`).
    func planSegmentRoll() -> SegmentRoll {
        let sequence = (segments.last?.sequence ?? 0) + 1
        var writer = ByteWriter()
        LogRecord.segmentHeader(sequence: sequence, to: &writer)
        for group in groupIDs {
            let log = groups[group]!
            if log.base.index > .zero {
                LogRecord.snapshotMarker(log.base, replacesLog: false, group: group, to: &writer)
            }
            if log.hardState != HardState() { LogRecord.hardState(log.hardState, group: group, to: &writer) }
        }
        let covered = segments.prefix { segment in
            if options.plantedBug == .removeSegmentsOneGroupCovers, let group = segment.highestIndex.keys.min() {
                return segment.highestIndex[group]! <= groups[group]!.base.index
            }
            return segment.highestIndex.allSatisfy { group, highest in highest <= groups[group]!.base.index }
        }
        let current = segments.last?.sequence
        return SegmentRoll(
            sequence: sequence,
            path: directory.appendingPathComponent(Self.segmentName(sequence)),
            directory: directory,
            header: writer.bytes,
            removals: covered.map { segment in
                let open =
                    segment.sequence == current && currentFile.rawValue >= 0 ? currentFile : readFiles[segment.sequence]
                return SegmentRoll.Removal(
                    sequence: segment.sequence,
                    path: segment.path,
                    openFiles: open.map { [$0] } ?? []
                )
            }
        )
    }

    /// Takes on the segment `roll` started, in `file`.
    mutating func adopt(_ roll: SegmentRoll, file: OpenFileID) {
        let removed = Set(roll.removals.map(\.sequence))
        if let previous = segments.last, currentFile.rawValue >= 0, !removed.contains(previous.sequence) {
            readFiles[previous.sequence] = currentFile
        }
        currentFile = file
        statistics.segmentsCreated += 1
        statistics.bytesWritten += roll.header.count
        segments.append(Segment(sequence: roll.sequence, path: roll.path, size: roll.header.count))
        for sequence in removed { readFiles.removeValue(forKey: sequence) }
        statistics.segmentsDeleted += removed.count
        segments.removeFirst(removed.count)
    }
}
