import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// Snapshot files as a node writes them from two threads: the one it takes (on a thread of
/// its own) may be saved after a newer one the leader sent was installed.
struct SnapshotStoreTests {
    static let directory = "/node/snapshots"

    static func snapshot(at index: UInt64) -> Snapshot {
        Snapshot(index: LogIndex(index), term: Term(2), membership: Membership(voters: [NodeID(1)]), data: [1, 2, 3])
    }

    /// A save keeps the group's previous snapshot (still open for reading until the group takes
    /// the new one, so that its blocks are not freed at a close on the consensus thread) and
    /// removes the ones before it; other groups' files stay.
    @Test func aSaveRemovesOlderSnapshotsOfItsGroupOnlyButThePrevious() throws {
        var files = InMemoryFileSystem()
        try files.createDirectory(Self.directory)
        func indexes() throws -> [UInt64] {
            try files.fileNames(in: Self.directory).compactMap {
                SnapshotStore.parse(fileName: $0)?.position.index.rawValue
            }
            .sorted()
        }
        try SnapshotStore.save(Self.snapshot(at: 10), of: GroupID(1), in: Self.directory, files: &files)
        try SnapshotStore.save(Self.snapshot(at: 12), of: GroupID(2), in: Self.directory, files: &files)
        try SnapshotStore.save(Self.snapshot(at: 20), of: GroupID(1), in: Self.directory, files: &files)
        #expect(try indexes() == [10, 12, 20])
        try SnapshotStore.save(Self.snapshot(at: 30), of: GroupID(1), in: Self.directory, files: &files)
        #expect(try indexes() == [12, 20, 30])
        try SnapshotStore.save(Self.snapshot(at: 40), of: GroupID(1), in: Self.directory, files: &files)
        #expect(try indexes() == [12, 30, 40])
        // Loading keeps only the newest of each group.
        _ = try SnapshotStore.loadNewest(in: Self.directory, files: &files)
        #expect(try indexes() == [12, 40])
    }

    @Test func aLateSaveOfAnOlderSnapshotLeavesTheNewerOneTheNewest() throws {
        var files = InMemoryFileSystem()
        try files.createDirectory(Self.directory)
        try SnapshotStore.save(Self.snapshot(at: 500), of: GroupID(1), in: Self.directory, files: &files)
        try SnapshotStore.save(Self.snapshot(at: 100), of: GroupID(1), in: Self.directory, files: &files)
        let newest = try SnapshotStore.loadNewest(in: Self.directory, files: &files)
        #expect(newest[GroupID(1)]?.index == LogIndex(500))
        // Loading removes the superseded one.
        #expect(try files.fileNames(in: Self.directory).count == 1)
    }

    /// Every byte of a file is covered: a flip anywhere, or a file cut short, is damage.
    @Test func everyDamagedByteOrMissingTailIsFound() throws {
        let snapshot = Snapshot(
            index: LogIndex(7),
            term: Term(3),
            membership: Membership(voters: [NodeID(1), NodeID(2)], learners: [NodeID(9)]),
            data: Array(0..<40)
        )
        let bytes = try SnapshotStore.encode(snapshot, of: GroupID(1))
        let position = LogPosition(index: LogIndex(7), term: Term(3))
        func load(_ bytes: [UInt8]) throws -> Bool {
            var files = InMemoryFileSystem()
            try files.createDirectory(Self.directory)
            let file = try files.open(Self.directory + "/s", create: true)
            try files.write(bytes, to: file, at: 0)
            let loaded = try SnapshotStore.load(Self.directory + "/s", of: GroupID(1), at: position, files: &files)
            if case .success(let found) = loaded { return found == snapshot }
            return false
        }
        #expect(try load(bytes))
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x04
            #expect(try !load(damaged), "a flip at \(offset) went unnoticed")
        }
        for length in 0..<bytes.count { #expect(try !load(Array(bytes[..<length]))) }
    }

    /// Files of format 1 (written whole, length first) are still read.
    @Test func aFormatOneFileIsStillRead() throws {
        var writer = ByteWriter()
        writer.write(SnapshotStore.magic)
        writer.write(UInt32(1))
        writer.write(UInt64(1))  // group
        writer.write(UInt64(12))  // index
        writer.write(UInt64(2))  // term
        ConsensusEncoding.write(Membership(voters: [NodeID(1)]), to: &writer)
        writer.writeLengthPrefixed([5, 6, 7])
        writer.write(CRC32C.checksum(writer.bytes))
        writer.write(LogRecord.endMark)
        var files = InMemoryFileSystem()
        try files.createDirectory(Self.directory)
        let name = SnapshotStore.fileName(of: GroupID(1), at: LogPosition(index: LogIndex(12), term: Term(2)))
        let file = try files.open(Self.directory + "/" + name, create: true)
        try files.write(writer.bytes, to: file, at: 0)
        let newest = try SnapshotStore.loadNewest(in: Self.directory, files: &files)
        #expect(newest[GroupID(1)] == Self.snapshot(at: 12).withData([5, 6, 7]))
    }

    /// A writer of group 4's snapshot at 30/2, in `directory` (which it creates).
    static func writer<Files: FileSystem>(files: inout Files) throws -> SnapshotFileWriter<Files> {
        try files.createDirectory(directory)
        return try SnapshotFileWriter(
            group: GroupID(4),
            index: LogIndex(30),
            term: Term(2),
            membership: Membership(voters: [NodeID(1)]),
            directory: directory,
            files: &files
        )
    }

    @Test func aStreamedFileHoldsThePiecesInOrder() throws {
        var files = InMemoryFileSystem()
        var writer = try Self.writer(files: &files)
        for piece in 0..<50 { try writer.append(Array(repeating: UInt8(piece), count: piece), files: &files) }
        let written = try writer.finish(files: &files)
        let expected = (0..<50).flatMap { Array(repeating: UInt8($0), count: $0) }
        #expect(try written.data.bytes() == expected)
        let newest = try SnapshotStore.loadNewest(in: Self.directory, files: &files)
        #expect(try newest[GroupID(4)]?.data.bytes() == expected)
        #expect(try files.fileNames(in: Self.directory).allSatisfy { !$0.hasSuffix(".tmp") })
    }

    /// A large snapshot's bytes are handed to the disk as they are written, a few megabytes at
    /// a time, so that the fdatasync that finishes the file (on the consensus thread, for a
    /// snapshot received from a leader) does not wait for all of them.
    @Test func aLargeSnapshotIsWrittenBackAsItStreams() throws {
        var files = WritebackRecorder()
        var writer = try Self.writer(files: &files)
        let step = SnapshotFileWriter<WritebackRecorder>.writebackBytes
        let piece = Array(repeating: UInt8(7), count: 1 << 20)
        let pieces = 5 * step / piece.count + 1
        for _ in 0..<pieces { try writer.append(piece, files: &files) }
        let written = try writer.finish(files: &files)
        #expect(try written.data.bytes().count == pieces * piece.count)
        // Contiguous ranges from the file's start, each at least `step` bytes, that leave less
        // than `step` bytes for the fdatasync.
        let ranges = files.writebacks
        #expect(ranges.count == 5)
        #expect(ranges.first?.offset == 0)
        for (range, next) in zip(ranges, ranges.dropFirst()) { #expect(range.offset + range.count == next.offset) }
        #expect(ranges.allSatisfy { $0.count >= step })
        #expect(pieces * piece.count - (ranges.last.map { $0.offset + $0.count } ?? 0) < step)
    }
}

/// An in-memory file system that records the writebacks it is asked to start.
struct WritebackRecorder: FileSystem {
    var files = InMemoryFileSystem()
    var writebacks: [(offset: Int, count: Int)] = []

    static var copiesShareFiles: Bool { InMemoryFileSystem.copiesShareFiles }
    mutating func startWriteback(_ file: OpenFileID, at offset: Int, count: Int) {
        writebacks.append((offset, count))
    }
    mutating func open(_ path: String, create: Bool) throws(FileSystemError) -> OpenFileID {
        try files.open(path, create: create)
    }
    mutating func close(_ file: OpenFileID) { files.close(file) }
    mutating func size(of file: OpenFileID) throws(FileSystemError) -> Int { try files.size(of: file) }
    mutating func read(_ file: OpenFileID, at offset: Int, count: Int) throws(FileSystemError) -> [UInt8] {
        try files.read(file, at: offset, count: count)
    }
    mutating func write(_ bytes: [UInt8], to file: OpenFileID, at offset: Int) throws(FileSystemError) {
        try files.write(bytes, to: file, at: offset)
    }
    mutating func truncate(_ file: OpenFileID, to size: Int) throws(FileSystemError) {
        try files.truncate(file, to: size)
    }
    mutating func synchronize(_ file: OpenFileID) throws(FileSystemError) { try files.synchronize(file) }
    mutating func fileNames(in directory: String) throws(FileSystemError) -> [String] {
        try files.fileNames(in: directory)
    }
    mutating func createDirectory(_ directory: String) throws(FileSystemError) {
        try files.createDirectory(directory)
    }
    mutating func rename(_ source: String, to destination: String) throws(FileSystemError) {
        try files.rename(source, to: destination)
    }
    mutating func remove(_ path: String) throws(FileSystemError) { try files.remove(path) }
    mutating func synchronizeDirectory(_ directory: String) throws(FileSystemError) {
        try files.synchronizeDirectory(directory)
    }
}

extension Snapshot {
    func withData(_ data: [UInt8]) -> Snapshot {
        Snapshot(index: index, term: term, membership: membership, data: data)
    }
}
