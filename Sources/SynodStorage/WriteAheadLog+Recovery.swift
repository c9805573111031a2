import SynodConsensus
import SynodCore

/// Opening a log: replaying its segments, cutting a torn tail, refusing corruption.
extension WriteAheadLog {
    /// Opens (or creates) the log in `directory` and replays it.
    ///
    /// `snapshots` gives the position of each group's newest durable snapshot file. A torn
    /// last write is cut off; any other damage, or a log that needs a snapshot that is not
    /// there, throws `StorageError.corruption` naming the file and offset.
    public static func open(
        directory: String,
        files: Files,
        snapshots: [GroupID: LogPosition] = [:],
        options: WriteAheadLogOptions = WriteAheadLogOptions()
    ) throws(StorageError) -> WriteAheadLog {
        try options.validate()
        var log = WriteAheadLog(
            files: files,
            directory: directory,
            options: options,
            currentFile: OpenFileID(-1),
            cache: EntryCache(bytesMax: options.entryCacheBytesMax)
        )
        try log.recover(snapshots: snapshots)
        return log
    }

    private mutating func recover(snapshots: [GroupID: LogPosition]) throws(StorageError) {
        let sequences = try existingSegments()
        if sequences.isEmpty {
            try startSegment()
        } else {
            for (position, sequence) in sequences.enumerated() {
                try replaySegment(sequence, isLast: position == sequences.count - 1)
            }
        }
        // A snapshot file whose marker did not reach the log (a crash between the two): the
        // marker is written now, before anything else, so that entries appended after the
        // snapshot never follow a gap the log cannot explain at the next recovery.
        for (group, snapshot) in snapshots.sorted(by: { $0.key < $1.key }) {
            let known = groups[group] ?? GroupLog()
            guard known.baseIsKnown, known.isNewer(snapshot) else { continue }
            var groupLog = groups.removeValue(forKey: group) ?? GroupLog()
            let compacted = groupLog.applySnapshot(snapshot)
            if compacted {
                cache.forget(group, through: snapshot.index)
            } else {
                cache.forgetAll(group)
            }
            groups[group] = groupLog
            LogRecord.snapshotMarker(snapshot, replacesLog: !compacted, group: group, to: &staged.bytes)
        }
        try validateRecoveredGroups(snapshots: snapshots)
        try sync()
    }

    /// The sequences of the newest consecutive run of segments. Older segments before a gap
    /// were being removed when the node stopped (removal goes oldest first, and only for
    /// segments that later ones cover), so they are removed now.
    private mutating func existingSegments() throws(StorageError) -> [UInt64] {
        do {
            try files.createDirectory(directory)
            let sequences = try files.fileNames(in: directory).compactMap(Self.segmentSequence(ofName:)).sorted()
            var firstKept = sequences.count - 1
            while firstKept > 0 && sequences[firstKept - 1] + 1 == sequences[firstKept] { firstKept -= 1 }
            guard firstKept > 0 else { return sequences }
            for sequence in sequences[..<firstKept] {
                try files.remove(directory.appendingPathComponent(Self.segmentName(sequence)))
            }
            try files.synchronizeDirectory(directory)
            return Array(sequences[firstKept...])
        } catch {
            throw .fileSystem(error)
        }
    }

    private mutating func replaySegment(_ sequence: UInt64, isLast: Bool) throws(StorageError) {
        let path = directory.appendingPathComponent(Self.segmentName(sequence))
        let bytes: [UInt8]
        let file: OpenFileID
        do {
            file = try files.open(path, create: false)
            bytes = try files.read(file, at: 0, count: try files.size(of: file))
        } catch {
            throw .fileSystem(error)
        }
        let (records, ending) = LogScanner(bytes).scan()
        var size = bytes.count
        switch ending {
        case .clean:
            break
        case .torn(let offset) where isLast:
            do {
                try files.truncate(file, to: offset)
                try files.synchronize(file)
            } catch {
                throw .fileSystem(error)
            }
            statistics.tornBytesTruncated += bytes.count - offset
            size = offset
        case .torn(let offset):
            throw .corruption(
                path: path,
                offset: offset,
                reason: "an incomplete record in a segment that a later one follows"
            )
        case .corrupt(let offset, let reason):
            throw .corruption(path: path, offset: offset, reason: reason)
        }
        if records.isEmpty && isLast {
            // The segment's first write was torn: start it again.
            files.close(file)
            try startSegment()
            return
        }
        // An undecodable header is reported as the corruption below.
        guard let header = records.first, header.kind == .segmentHeader,
            let headerSequence = try? Self.decodeSegmentHeader(header.payload), headerSequence == sequence
        else {
            throw .corruption(path: path, offset: 0, reason: "the segment does not start with its own header")
        }
        var segment = Segment(sequence: sequence, path: path, size: size)
        for record in records.dropFirst() {
            do {
                try replay(record, in: &segment)
            } catch {
                throw .corruption(path: path, offset: record.offset, reason: error.reason)
            }
        }
        statistics.recordsRecovered += records.count
        if isLast {
            currentFile = file
        } else {
            readFiles[sequence] = file
        }
        segments.append(segment)
    }

    struct ReplayError: Error {
        let reason: String
    }

    static func decodeSegmentHeader(_ payload: ArraySlice<UInt8>) throws(ByteReader.Failure) -> UInt64 {
        var reader = ByteReader(payload)
        let sequence = try reader.readUInt64()
        let version = try reader.readUInt32()
        guard version == LogRecord.formatVersion else { throw .invalid("format version \(version)") }
        return sequence
    }

    private mutating func replay(_ record: LogScanner.Record, in segment: inout Segment) throws(ReplayError) {
        var reader = ByteReader(record.payload)
        do {
            let group = GroupID(try reader.readUInt64())
            var groupLog = groups.removeValue(forKey: group) ?? GroupLog()
            switch record.kind {
            case .segmentHeader:
                throw ReplayError(reason: "a second segment header")
            case .entries:
                let entries = try Self.decodeEntries(from: &reader)
                let locations = entries.map {
                    EntryLocation(
                        segment: segment.sequence,
                        recordOffset: record.offset,
                        recordCount: record.count,
                        term: $0.term
                    )
                }
                if entries[0].index > groupLog.lastIndex.next { cache.forgetAll(group) }
                groupLog.append(locations, startingAt: entries[0].index)
                segment.highestIndex[group] = max(segment.highestIndex[group] ?? .zero, entries.last!.index)
                cache.store(entries, of: group)
            case .hardState:
                groupLog.hardState = try ConsensusEncoding.readHardState(from: &reader)
            case .snapshotMarker:
                let position = LogPosition(
                    index: LogIndex(try reader.readUInt64()),
                    term: Term(try reader.readUInt64())
                )
                // Positions past the limits no log reaches: `GroupLog` counts entries up to it.
                guard position.index <= LogIndex.acceptedMax, position.term <= Term.acceptedMax else {
                    throw ReplayError(reason: "a snapshot marker at \(position), beyond the log's limits")
                }
                switch try reader.readUInt8() {
                case 0:
                    groupLog.compact(to: position)
                    cache.forget(group, through: position.index)
                case 1:
                    groupLog.replace(with: position)
                    cache.forgetAll(group)
                case let flag:
                    throw ReplayError(reason: "snapshot marker flag \(flag)")
                }
            }
            guard reader.isAtEnd else {
                throw ReplayError(reason: "\(reader.remainingCount) bytes after a record's fields")
            }
            groups[group] = groupLog
        } catch let error as ReplayError {
            throw error
        } catch {
            throw ReplayError(reason: "undecodable record: \(error)")
        }
    }

    /// The entries of one record, checked to be at consecutive indexes.
    static func decodeEntries(from reader: inout ByteReader) throws(ByteReader.Failure) -> [LogEntry] {
        let count = Int(try reader.readUInt32())
        guard count > 0, count <= reader.remainingCount else { throw .invalid("an entries record of \(count) entries") }
        var entries: [LogEntry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let entry = try ConsensusEncoding.readEntry(from: &reader)
            // Checked before `next` is taken of it, and before `GroupLog` counts up to it.
            guard entry.index <= LogIndex.acceptedMax else {
                throw .invalid("an entry at index \(entry.index), beyond the log's limit")
            }
            if let previous = entries.last, entry.index != previous.index.next {
                throw .invalid("entry \(entry.index) after \(previous.index)")
            }
            entries.append(entry)
        }
        return entries
    }

    /// Checks what replay produced against the snapshots and the hard states.
    private func validateRecoveredGroups(snapshots: [GroupID: LogPosition]) throws(StorageError) {
        for group in groupIDs {
            let groupLog = groups[group]!
            let snapshot = snapshots[group] ?? .zero
            if !groupLog.baseIsKnown {
                throw .corruption(
                    path: directory,
                    offset: 0,
                    reason: "\(group)'s entries resume at \(groupLog.base.index.next) after a gap no snapshot covers"
                )
            }
            if groupLog.base.index > snapshot.index {
                throw .corruption(
                    path: directory,
                    offset: 0,
                    reason:
                        "\(group)'s log starts after a snapshot at \(groupLog.base), but the newest snapshot file is at \(snapshot)"
                )
            }
            if groupLog.hardState.commit > groupLog.lastIndex {
                throw .corruption(
                    path: directory,
                    offset: 0,
                    reason:
                        "\(group)'s hard state commits entry \(groupLog.hardState.commit), but its log ends at \(groupLog.lastIndex)"
                )
            }
        }
    }
}
