import SynodConsensus
import SynodCore

/// Snapshot files, one current file per group, each written atomically and checksummed.
///
/// ```
/// offset  size  field
///      0     4  magic "SYNS"
///      4     4  format version
///      8     8  group id
///     16     n  the snapshot (ConsensusEncoding)
///   16+n     4  CRC-32C of bytes 0..<16+n
///   20+n     4  end mark
/// ```
///
/// A file is written under a temporary name, fdatasynced, renamed into place and the
/// directory fsynced; only then are the group's older files removed. A crash at any point
/// leaves the old file or the new one, never neither and never half of one.
enum SnapshotStore {
    static let magic: UInt32 = 0x534E_5953
    static let formatVersion: UInt32 = 1
    static let temporarySuffix = ".tmp"

    /// Why a snapshot file is not valid.
    struct Damage: Error {
        let reason: String
    }

    static func fileName(of group: GroupID, at position: LogPosition) -> String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        }
        return "snap-\(hex(group.rawValue))-\(hex(position.index.rawValue))-\(hex(position.term.rawValue)).snap"
    }

    /// The group and position a snapshot file name encodes.
    static func parse(fileName name: String) -> (group: GroupID, position: LogPosition)? {
        guard name.hasPrefix("snap-"), name.hasSuffix(".snap"), name.count == 5 + 3 * 17 + 4 else { return nil }
        let fields = name.dropFirst(5).dropLast(5).split(separator: "-")
        guard fields.count == 3, let group = UInt64(fields[0], radix: 16), let index = UInt64(fields[1], radix: 16),
            let term = UInt64(fields[2], radix: 16)
        else { return nil }
        return (GroupID(group), LogPosition(index: LogIndex(index), term: Term(term)))
    }

    static func encode(_ snapshot: Snapshot, of group: GroupID) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: snapshot.data.count + 128)
        writer.write(magic)
        writer.write(formatVersion)
        writer.write(group.rawValue)
        ConsensusEncoding.write(snapshot, to: &writer)
        writer.write(CRC32C.checksum(writer.bytes))
        writer.write(LogRecord.endMark)
        return writer.bytes
    }

    /// Decodes and checks a snapshot file; the reason it is not valid otherwise.
    static func decode(_ bytes: [UInt8], expecting group: GroupID, at position: LogPosition) -> Result<Snapshot, Damage>
    {
        guard bytes.count >= 24 else { return .failure(Damage(reason: "a snapshot file of \(bytes.count) bytes")) }
        func field(at offset: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
        }
        let checksum = field(at: bytes.count - 8)
        let endMark = field(at: bytes.count - 4)
        guard endMark == LogRecord.endMark, checksum == CRC32C.checksum(bytes[..<(bytes.count - 8)]) else {
            return .failure(Damage(reason: "snapshot checksum mismatch"))
        }
        var reader = ByteReader(bytes[..<(bytes.count - 8)])
        do {
            guard try reader.readUInt32() == magic, try reader.readUInt32() == formatVersion,
                try reader.readUInt64() == group.rawValue
            else { return .failure(Damage(reason: "not a snapshot of \(group)")) }
            let snapshot = try ConsensusEncoding.readSnapshot(from: &reader)
            guard reader.isAtEnd, snapshot.index == position.index, snapshot.term == position.term else {
                return .failure(Damage(reason: "the snapshot's contents do not match its name"))
            }
            // No log reaches past the limits; recovery would write a marker it then refuses.
            guard snapshot.index <= LogIndex.acceptedMax, snapshot.term <= Term.acceptedMax else {
                return .failure(Damage(reason: "a snapshot at \(position), beyond the log's limits"))
            }
            return .success(snapshot)
        } catch {
            return .failure(Damage(reason: "undecodable snapshot: \(error)"))
        }
    }

    /// Makes `snapshot` the group's durable snapshot, then removes the group's older files.
    static func save<Files: FileSystem>(
        _ snapshot: Snapshot,
        of group: GroupID,
        in directory: String,
        files: inout Files
    ) throws(FileSystemError) {
        let position = LogPosition(index: snapshot.index, term: snapshot.term)
        let name = fileName(of: group, at: position)
        let path = directory.appendingPathComponent(name)
        let temporary = path + temporarySuffix
        let file = try files.open(temporary, create: true)
        defer { files.close(file) }
        try files.truncate(file, to: 0)
        try files.write(encode(snapshot, of: group), to: file, at: 0)
        try files.synchronize(file)
        try files.rename(temporary, to: path)
        try files.synchronizeDirectory(directory)
        // Only older snapshots go: one written on another thread may finish after a newer one
        // (installed from the leader meanwhile) and must not remove it.
        var removed = false
        for other in try files.fileNames(in: directory) where other != name {
            guard let parsed = parse(fileName: other), parsed.group == group, parsed.position.index < snapshot.index
            else { continue }
            try files.remove(directory.appendingPathComponent(other))
            removed = true
        }
        if removed { try files.synchronizeDirectory(directory) }
    }

    /// The newest snapshot of each group. Leftover temporary files (a crash during `save`) and
    /// superseded snapshots (a crash before their removal) are removed; a damaged newest file
    /// is corruption.
    static func loadNewest<Files: FileSystem>(
        in directory: String,
        files: inout Files
    ) throws(StorageError) -> [GroupID: Snapshot] {
        var newest: [GroupID: (position: LogPosition, name: String)] = [:]
        do {
            try files.createDirectory(directory)
            for name in try files.fileNames(in: directory) {
                if name.hasSuffix(temporarySuffix) {
                    try files.remove(directory.appendingPathComponent(name))
                    continue
                }
                guard let (group, position) = parse(fileName: name) else { continue }
                if let current = newest[group] {
                    // Superseded: a crash came between saving the newer file and removing this one.
                    let older = position.index < current.position.index ? name : current.name
                    try files.remove(directory.appendingPathComponent(older))
                    if older == current.name { newest[group] = (position, name) }
                } else {
                    newest[group] = (position, name)
                }
            }
            try files.synchronizeDirectory(directory)
        } catch {
            throw .fileSystem(error)
        }
        var snapshots: [GroupID: Snapshot] = [:]
        for (group, found) in newest {
            let path = directory.appendingPathComponent(found.name)
            let bytes: [UInt8]
            do {
                let file = try files.open(path, create: false)
                defer { files.close(file) }
                bytes = try files.read(file, at: 0, count: try files.size(of: file))
            } catch {
                throw .fileSystem(error)
            }
            switch decode(bytes, expecting: group, at: found.position) {
            case .success(let snapshot): snapshots[group] = snapshot
            case .failure(let damage): throw .corruption(path: path, offset: 0, reason: damage.reason)
            }
        }
        return snapshots
    }
}
