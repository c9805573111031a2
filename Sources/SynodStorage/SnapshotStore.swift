import SynodConsensus
import SynodCore

/// Snapshot files, one current file per group, each written atomically and checksummed, a
/// piece at a time (`SnapshotFileWriter`), and read a piece at a time.
///
/// ```
/// offset  size  field
///      0     4  magic "SYNS"
///      4     4  format version (2)
///      8     8  group id
///     16     8  index
///     24     8  term
///     32     m  membership (ConsensusEncoding)
///   32+m     n  the state machine's bytes
///  32+m+n    8  n
///  40+m+n    4  CRC-32C of every byte before
///  44+m+n    4  end mark
/// ```
///
/// The length and checksum come last, so a state of unknown size streams straight to disk.
/// Format 1 (the whole snapshot in `ConsensusEncoding`, length first) is still read.
///
/// A file is written under a temporary name, fdatasynced, renamed into place and the
/// directory fsynced; only then are the group's older files removed. A crash at any point
/// leaves the old file or the new one, never neither and never half of one.
enum SnapshotStore {
    static let magic: UInt32 = 0x534E_5953
    static let formatVersion: UInt32 = 2
    static let temporarySuffix = ".tmp"
    /// Length, checksum and end mark.
    static let trailerBytes = 16
    /// The most bytes a header (group, position and membership) may take.
    static let headerBytesMax = 32 + 8 + 2 * 8 * ConsensusEncoding.membersMax

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

    /// What comes before the state machine's bytes.
    static func header(of group: GroupID, index: LogIndex, term: Term, membership: Membership) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64)
        writer.write(magic)
        writer.write(formatVersion)
        writer.write(group.rawValue)
        writer.write(index.rawValue)
        writer.write(term.rawValue)
        ConsensusEncoding.write(membership, to: &writer)
        return writer.bytes
    }

    /// What follows the state machine's `dataBytes` bytes, given the checksum of all before.
    static func trailer(dataBytes: Int, checksum: UInt32) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: trailerBytes)
        writer.write(UInt64(dataBytes))
        writer.write(CRC32C.checksum(writer.bytes, continuing: checksum))
        writer.write(LogRecord.endMark)
        return writer.bytes
    }

    /// A whole snapshot file in memory (tests and fuzzing; nodes stream theirs).
    static func encode(_ snapshot: Snapshot, of group: GroupID) throws -> [UInt8] {
        var bytes = header(of: group, index: snapshot.index, term: snapshot.term, membership: snapshot.membership)
        bytes += try snapshot.data.bytes()
        bytes += trailer(dataBytes: snapshot.data.count, checksum: CRC32C.checksum(bytes))
        return bytes
    }

    /// A checked snapshot file's position, membership and where its state machine's bytes
    /// are.
    struct Layout {
        let index: LogIndex
        let term: Term
        let membership: Membership
        let dataOffset: Int
        let dataBytes: Int
    }

    /// Checks a format 2 file of `size` bytes whose first bytes are `head`, reading the rest
    /// through `read` a piece at a time: first the checksum over every byte, then the fields.
    static func check(
        head: [UInt8],
        size: Int,
        expecting group: GroupID,
        at position: LogPosition,
        read: (_ offset: Int, _ count: Int) throws(FileSystemError) -> [UInt8]
    ) throws(FileSystemError) -> Result<Layout, Damage> {
        let mismatch = Result<Layout, Damage>.failure(Damage(reason: "snapshot checksum mismatch"))
        guard size >= trailerBytes else { return mismatch }
        var checksum: UInt32 = 0
        var offset = 0
        while offset < size - 8 {
            let piece = try read(offset, min(1 << 20, size - 8 - offset))
            guard !piece.isEmpty else { return mismatch }
            checksum = CRC32C.checksum(piece, continuing: checksum)
            offset += piece.count
        }
        var trailer = ByteReader(try read(size - trailerBytes, trailerBytes))
        let dataBytes: UInt64
        do {
            dataBytes = try trailer.readUInt64()
            guard try trailer.readUInt32() == checksum, try trailer.readUInt32() == LogRecord.endMark else {
                return mismatch
            }
        } catch {
            return mismatch
        }
        let layout: Layout
        do {
            var reader = ByteReader(head)
            guard try reader.readUInt32() == magic, try reader.readUInt32() == formatVersion,
                try reader.readUInt64() == group.rawValue
            else { return .failure(Damage(reason: "not a snapshot of \(group)")) }
            let index = LogIndex(try reader.readUInt64())
            let term = Term(try reader.readUInt64())
            let membership = try ConsensusEncoding.readMembership(from: &reader)
            let dataOffset = reader.position
            guard dataOffset + trailerBytes <= size, UInt64(size - dataOffset - trailerBytes) == dataBytes else {
                return .failure(Damage(reason: "a snapshot file of \(size) bytes that says it holds \(dataBytes)"))
            }
            layout = Layout(
                index: index,
                term: term,
                membership: membership,
                dataOffset: dataOffset,
                dataBytes: Int(dataBytes)
            )
        } catch {
            return .failure(Damage(reason: "undecodable snapshot header: \(error)"))
        }
        return checkPosition(layout.index, layout.term, expecting: position).map { layout }
    }

    /// The position in a file must be its name's, and within the log's limits.
    static func checkPosition(_ index: LogIndex, _ term: Term, expecting position: LogPosition) -> Result<Void, Damage>
    {
        guard index == position.index, term == position.term else {
            return .failure(Damage(reason: "the snapshot's contents do not match its name"))
        }
        // No log reaches past the limits; recovery would write a marker it then refuses.
        guard index <= LogIndex.acceptedMax, term <= Term.acceptedMax else {
            return .failure(Damage(reason: "a snapshot at \(position), beyond the log's limits"))
        }
        return .success(())
    }

    /// Decodes and checks a format 1 file (read whole: such files were written whole).
    static func decodeVersion1(
        _ bytes: [UInt8],
        expecting group: GroupID,
        at position: LogPosition
    ) -> Result<Snapshot, Damage> {
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
            guard try reader.readUInt32() == magic, try reader.readUInt32() == 1,
                try reader.readUInt64() == group.rawValue
            else { return .failure(Damage(reason: "not a snapshot of \(group)")) }
            let index = LogIndex(try reader.readUInt64())
            let term = Term(try reader.readUInt64())
            let membership = try ConsensusEncoding.readMembership(from: &reader)
            // Format 1 files were written whole, under 1 GiB.
            let data = try reader.readLengthPrefixed(maximumCount: 1 << 30)
            guard reader.isAtEnd else { return .failure(Damage(reason: "bytes after the snapshot")) }
            let snapshot = Snapshot(index: index, term: term, membership: membership, data: data)
            return checkPosition(index, term, expecting: position).map { snapshot }
        } catch {
            return .failure(Damage(reason: "undecodable snapshot: \(error)"))
        }
    }

    /// Makes `snapshot` the group's durable snapshot, then removes the group's older files;
    /// returns it as the file now holds it.
    @discardableResult
    static func save<Files: FileSystem>(
        _ snapshot: Snapshot,
        of group: GroupID,
        in directory: String,
        files: inout Files
    ) throws(FileSystemError) -> Snapshot {
        var writer = try SnapshotFileWriter(
            group: group,
            index: snapshot.index,
            term: snapshot.term,
            membership: snapshot.membership,
            directory: directory,
            files: &files
        )
        do {
            try snapshot.data.forEachPiece { piece in try writer.append(piece, files: &files) }
        } catch let failure as FileSystemError {
            writer.abandon(files: &files)
            throw failure
        } catch {
            writer.abandon(files: &files)
            throw FileSystemError(.inputOutput("\(error)"), operation: "read the snapshot", path: directory)
        }
        return try writer.finish(files: &files)
    }

    /// Removes the group's snapshot files older than `index` except the newest of them (and a
    /// directory fsync if any went). That one is the snapshot the group still reads until it
    /// takes this one: removed while open, its blocks would be freed at its last close, on the
    /// consensus thread (24-38 ms for a 200 MB file here, 66 ms at 5M keys); kept until the
    /// next save, it is closed by then and this thread pays for its removal. A snapshot
    /// written on another thread may finish after a newer one (installed from the leader
    /// meanwhile) and must not remove it.
    static func removeOlder<Files: FileSystem>(
        than index: LogIndex,
        of group: GroupID,
        in directory: String,
        files: inout Files
    ) throws(FileSystemError) {
        let older = try files.fileNames(in: directory).compactMap { name -> (index: LogIndex, name: String)? in
            guard let parsed = parse(fileName: name), parsed.group == group, parsed.position.index < index
            else { return nil }
            return (parsed.position.index, name)
        }.sorted { $0.index < $1.index }.dropLast()
        for other in older { try files.remove(directory.appendingPathComponent(other.name)) }
        if !older.isEmpty { try files.synchronizeDirectory(directory) }
    }

    /// The newest snapshot of each group. Leftover temporary files (a crash during `save`) and
    /// superseded snapshots (a crash before their removal) are removed; a damaged newest file
    /// is corruption. A snapshot's bytes stay in its file when the file system lets a reader
    /// keep it open (`FileSystem.copiesShareFiles`), and are read into memory otherwise.
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
            let loaded: Result<Snapshot, Damage>
            do {
                loaded = try load(path, of: group, at: found.position, files: &files)
            } catch {
                throw .fileSystem(error)
            }
            switch loaded {
            case .success(let snapshot): snapshots[group] = snapshot
            case .failure(let damage): throw .corruption(path: path, offset: 0, reason: damage.reason)
            }
        }
        return snapshots
    }

    /// Checks one snapshot file through and returns it, or why it is not valid.
    static func load<Files: FileSystem>(
        _ path: String,
        of group: GroupID,
        at position: LogPosition,
        files: inout Files
    ) throws(FileSystemError) -> Result<Snapshot, Damage> {
        let file = try files.open(path, create: false)
        var keepsFileOpen = false
        defer { if !keepsFileOpen { files.close(file) } }
        let size = try files.size(of: file)
        let head = try files.read(file, at: 0, count: min(size, headerBytesMax))
        guard head.count >= 8, head[4..<8] == [2, 0, 0, 0] else {
            return decodeVersion1(try files.read(file, at: 0, count: size), expecting: group, at: position)
        }
        let layout: Layout
        switch try check(
            head: head,
            size: size,
            expecting: group,
            at: position,
            read: { (offset, count) throws(FileSystemError) in
                try files.read(file, at: offset, count: count)
            }
        ) {
        case .success(let found): layout = found
        case .failure(let damage): return .failure(damage)
        }
        keepsFileOpen = true  // `contents` takes the file over.
        let data = try contents(
            of: file,
            path: path,
            dataOffset: layout.dataOffset,
            dataBytes: layout.dataBytes,
            files: &files
        )
        return .success(Snapshot(index: layout.index, term: layout.term, membership: layout.membership, data: data))
    }
}

extension SnapshotStore {
    /// The state machine's bytes of a checked file, taking `file` over: kept open for a
    /// reader when copies of the file system share files (a real disk), read into memory
    /// and the file closed otherwise (a simulated disk).
    static func contents<Files: FileSystem>(
        of file: OpenFileID,
        path: String,
        dataOffset: Int,
        dataBytes: Int,
        files: inout Files
    ) throws(FileSystemError) -> SnapshotData {
        if Files.copiesShareFiles {
            return SnapshotData(
                count: dataBytes,
                reader: SnapshotFileReader(files: files, file: file, path: path, dataOffset: dataOffset)
            )
        }
        defer { files.close(file) }
        return SnapshotData(try files.read(file, at: dataOffset, count: dataBytes))
    }
}

/// Writes one snapshot file a piece at a time: under a temporary name, checksummed as it
/// goes; `finish` makes it durable and the group's newest, and hands back the snapshot read
/// from the file. Nodes stream a state into it as it is serialized, and a follower the
/// chunks a leader sends, so no large state is held whole.
public struct SnapshotFileWriter<Files: FileSystem>: Sendable {
    public let group: GroupID
    public let index: LogIndex
    public let term: Term
    public let membership: Membership
    let directory: String
    let path: String
    let file: OpenFileID
    let dataOffset: Int
    /// The bytes written so far and their checksum.
    private var size: Int
    private var checksum: UInt32
    /// Where the last writeback started by `append` ended.
    private var writebackStartedTo = 0
    public var dataBytes: Int { size - dataOffset }
    /// How many written bytes `append` lets accumulate before it starts their writeback, so
    /// that the fdatasync that completes the file waits for the last few only (47 ms for a
    /// 60 MB snapshot, growing with the state, when the kernel had written back none of it).
    static var writebackBytes: Int { 8 << 20 }

    public init(
        group: GroupID,
        index: LogIndex,
        term: Term,
        membership: Membership,
        directory: String,
        files: inout Files
    ) throws(FileSystemError) {
        self.group = group
        self.index = index
        self.term = term
        self.membership = membership
        self.directory = directory
        path = directory.appendingPathComponent(
            SnapshotStore.fileName(of: group, at: LogPosition(index: index, term: term))
        )
        file = try files.open(path + SnapshotStore.temporarySuffix, create: true)
        let header = SnapshotStore.header(of: group, index: index, term: term, membership: membership)
        dataOffset = header.count
        size = 0
        checksum = 0
        do {
            try files.truncate(file, to: 0)
            try append(header, files: &files)
        } catch {
            abandon(files: &files)
            throw error
        }
    }

    /// Writes the next bytes of the state machine.
    public mutating func append(_ bytes: [UInt8], files: inout Files) throws(FileSystemError) {
        try files.write(bytes, to: file, at: size)
        checksum = CRC32C.checksum(bytes, continuing: checksum)
        size += bytes.count
        if size - writebackStartedTo >= Self.writebackBytes {
            files.startWriteback(file, at: writebackStartedTo, count: size - writebackStartedTo)
            writebackStartedTo = size
        }
    }

    /// Writes the trailer, fdatasyncs, renames the file into place, fsyncs the directory and
    /// removes the group's older snapshots. The writer is spent, whatever happens.
    public func finish(files: inout Files) throws(FileSystemError) -> Snapshot {
        let (snapshot, completion) = try completion(files: &files)
        try completion.carryOut(with: &files)
        return snapshot
    }

    /// `finish` in two parts, for a follower whose consensus thread must not wait for the
    /// fdatasync of a snapshot it received: the snapshot as the file holds it, readable now
    /// (through a file of its own where the file system shares files), and the `Completion`
    /// that makes the file durable and the group's newest, which may run on another thread
    /// (with the log's sync, before the marker that names it: `WriteAheadLog.PendingSync`).
    /// The writer is spent, whatever happens.
    public func completion(files: inout Files) throws(FileSystemError) -> (Snapshot, Completion) {
        let data: SnapshotData
        do {
            if Files.copiesShareFiles {
                let reader = try files.open(path + SnapshotStore.temporarySuffix, create: false)
                data = SnapshotData(
                    count: dataBytes,
                    reader: SnapshotFileReader(files: files, file: reader, path: path, dataOffset: dataOffset)
                )
            } else {
                data = SnapshotData(try files.read(file, at: dataOffset, count: dataBytes))
            }
        } catch {
            abandon(files: &files)
            throw error
        }
        let completion = Completion(
            group: group,
            index: index,
            directory: directory,
            path: path,
            file: file,
            trailer: SnapshotStore.trailer(dataBytes: dataBytes, checksum: checksum),
            trailerOffset: size
        )
        return (Snapshot(index: index, term: term, membership: membership, data: data), completion)
    }

    /// What makes a written snapshot file durable and its group's newest: the trailer, an
    /// fdatasync, the rename into place, a directory fsync, and the removal of the group's
    /// older snapshots. Until it is carried out the file is a temporary one, which a restart
    /// removes.
    public struct Completion: Sendable {
        let group: GroupID
        let index: LogIndex
        let directory: String
        let path: String
        let file: OpenFileID
        let trailer: [UInt8]
        let trailerOffset: Int

        /// On any thread, through a copy of the storage's files where copies share files.
        /// Closes the file it wrote, whatever happens.
        public func carryOut(with files: inout Files) throws(FileSystemError) {
            defer { files.close(file) }
            do {
                try files.write(trailer, to: file, at: trailerOffset)
                try files.synchronize(file)
                try files.rename(path + SnapshotStore.temporarySuffix, to: path)
            } catch {
                // Best effort: a temporary file left behind is removed at the next start.
                try? files.remove(path + SnapshotStore.temporarySuffix)
                throw error
            }
            try files.synchronizeDirectory(directory)
            try SnapshotStore.removeOlder(than: index, of: group, in: directory, files: &files)
        }
    }

    /// Closes and removes the unfinished file (a new transfer began, or a write failed).
    public func abandon(files: inout Files) {
        files.close(file)
        // Best effort: a temporary file left behind is removed at the next start.
        try? files.remove(path + SnapshotStore.temporarySuffix)
    }
}

/// A snapshot's bytes read from its open file on demand (the file may be removed meanwhile: an
/// open file stays readable). Closes the file when the last snapshot using it goes.
final class SnapshotFileReader<Files: FileSystem>: SnapshotDataReader, @unchecked Sendable {
    // Only POSIX files are shared this way: reads are pread calls, safe from any thread, and
    // `files` is never changed after init.
    private let files: Files
    private let file: OpenFileID
    private let path: String
    private let dataOffset: Int

    init(files: Files, file: OpenFileID, path: String, dataOffset: Int) {
        self.files = files
        self.file = file
        self.path = path
        self.dataOffset = dataOffset
    }

    func read(from offset: Int, count: Int) throws -> [UInt8] {
        var files = files
        return try files.read(file, at: dataOffset + offset, count: count)
    }

    deinit {
        var files = files
        files.close(file)
    }
}
