import SynodConsensus
import SynodCore

/// Reading entries back: from the cache when they are recent, from their segment otherwise.
extension WriteAheadLog {
    /// The group's entries at `range`, which must lie after its base and up to its last index.
    public mutating func entries(of group: GroupID, in range: ClosedRange<LogIndex>) throws(StorageError) -> [LogEntry]
    {
        let groupLog = groups[group] ?? GroupLog()
        precondition(
            range.lowerBound > groupLog.base.index && range.upperBound <= groupLog.lastIndex,
            "no entries at \(range)"
        )
        return try read(of: group, in: range, bytesMax: .max)
    }

    /// The group's entries from `range.lowerBound` on, stopping after `bytesMax` bytes
    /// (`LogEntry.sizeBytes`; at least one entry) or at the end of `range` or of the log: for
    /// a replica that let go of them. None when the log no longer holds the first (a snapshot
    /// compacted it away) or does not hold it yet.
    public mutating func entries(
        of group: GroupID,
        from range: ClosedRange<LogIndex>,
        bytesMax: Int
    ) throws(StorageError) -> [LogEntry] {
        let groupLog = groups[group] ?? GroupLog()
        guard range.lowerBound > groupLog.base.index, range.lowerBound <= groupLog.lastIndex else { return [] }
        return try read(of: group, in: range.lowerBound...min(range.upperBound, groupLog.lastIndex), bytesMax: bytesMax)
    }

    private mutating func read(
        of group: GroupID,
        in range: ClosedRange<LogIndex>,
        bytesMax: Int
    ) throws(StorageError) -> [LogEntry] {
        let groupLog = groups[group] ?? GroupLog()
        precondition(syncInProgress == nil, "read while a sync writes the staged entries")
        var result: [LogEntry] = []
        result.reserveCapacity(min(Int(range.upperBound.rawValue - range.lowerBound.rawValue) + 1, 4096))
        var bytes = 0
        var index = range.lowerBound
        func take(_ entry: LogEntry) -> Bool {
            bytes += entry.sizeBytes
            guard result.isEmpty || bytes <= bytesMax else { return false }
            result.append(entry)
            index = index.next
            return true
        }
        while index <= range.upperBound {
            if let entry = cache.entry(of: group, at: index) {
                guard take(entry) else { break }
                continue
            }
            let location = location(of: index, in: groupLog)
            // The record may also hold entries that later records replaced: take only those
            // whose location is still this record.
            for entry in try readRecord(at: location) where entry.index >= index && entry.index <= range.upperBound {
                guard entry.index == index, self.location(of: index, in: groupLog) == location else { break }
                guard take(entry) else { return result }
            }
        }
        return result
    }

    private func location(of index: LogIndex, in groupLog: GroupLog) -> EntryLocation {
        groupLog.locations[Int(index.rawValue - groupLog.base.index.rawValue) - 1]
    }

    /// Reads and checks the entries record at `location`.
    private mutating func readRecord(at location: EntryLocation) throws(StorageError) -> [LogEntry] {
        guard let segment = segments.first(where: { $0.sequence == location.segment }) else {
            preconditionFailure("entry in removed segment \(location.segment)")
        }
        let bytes: [UInt8]
        do {
            let file: OpenFileID
            if location.segment == segments.last!.sequence {
                file = currentFile
            } else if let open = readFiles[location.segment] {
                file = open
            } else {
                file = try files.open(segment.path, create: false)
                readFiles[location.segment] = file
            }
            bytes = try files.read(file, at: location.recordOffset, count: location.recordCount)
        } catch {
            throw .fileSystem(error)
        }
        let (records, ending) = LogScanner(bytes).scan()
        guard ending == .clean, records.count == 1, records[0].kind == .entries else {
            throw .corruption(
                path: segment.path,
                offset: location.recordOffset,
                reason: "an entries record reads back wrong"
            )
        }
        var reader = ByteReader(records[0].payload)
        do {
            _ = try reader.readUInt64()
            return try Self.decodeEntries(from: &reader)
        } catch {
            throw .corruption(
                path: segment.path,
                offset: location.recordOffset,
                reason: "undecodable entries: \(error)"
            )
        }
    }
}
