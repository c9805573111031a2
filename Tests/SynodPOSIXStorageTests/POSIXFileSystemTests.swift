import Foundation
import SynodConsensus
import SynodCore
import SynodPOSIXStorage
import SynodStorage
import Testing

/// The storage layer on a real disk: the same contract the in-memory file system checks.
struct POSIXFileSystemTests {
    /// A fresh directory under the system's temporary directory, removed by `body`'s end.
    func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("synod-storage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }  // Best effort: the OS cleans /tmp anyway.
        try body(path)
    }

    static func entries(_ range: ClosedRange<UInt64>, term: UInt64) -> [LogEntry] {
        range.map { LogEntry(term: Term(term), index: LogIndex($0), payload: .command(Array("value-\($0)".utf8))) }
    }

    /// A removed file's name is gone at once (its pages are freed on another thread), a file
    /// that is not there is reported as such, and a descriptor open on it still reads it.
    @Test func aRemovedFileIsGoneAtOnceAndAMissingOneIsNotFound() throws {
        try withTemporaryDirectory { directory in
            var files = POSIXFileSystem()
            try files.createDirectory(directory)
            let path = directory + "/removed"
            let file = try files.open(path, create: true)
            try files.write(Array(repeating: 7, count: 1 << 20), to: file, at: 0)
            try files.remove(path)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try files.read(file, at: 0, count: 4) == [7, 7, 7, 7])
            files.close(file)
            #expect(throws: FileSystemError.self) { try files.open(path, create: false) }
            #expect(throws: FileSystemError(.notFound, operation: "unlink", path: path)) { try files.remove(path) }
        }
    }

    @Test func storageRecoversFromARealDiskAcrossRotationAndCompaction() throws {
        try withTemporaryDirectory { directory in
            var options = WriteAheadLogOptions()
            options.segmentBytesMax = 4096
            var (storage, recovered) = try DurableStorage.open(
                directory: directory,
                files: POSIXFileSystem(),
                options: options
            )
            #expect(recovered.isEmpty)
            let group = GroupID(1)
            for round in 0..<50 as Range<UInt64> {
                try storage.stage(
                    group: group,
                    hardState: HardState(term: Term(2), votedFor: NodeID(1), commit: LogIndex(round * 10 + 5)),
                    snapshot: nil,
                    entries: Self.entries(round * 10 + 1...round * 10 + 10, term: 2)
                )
                try storage.sync()
                if round % 10 == 9 {
                    let snapshot = Snapshot(
                        index: LogIndex(round * 10),
                        term: Term(2),
                        membership: Membership(voters: [NodeID(1)]),
                        data: Array("state at \(round * 10)".utf8)
                    )
                    try storage.compact(group: group, to: snapshot)
                }
            }
            try storage.sync()
            #expect(storage.log.statistics.segmentsDeleted > 0)
            let (_, reopened) = try DurableStorage.open(
                directory: directory,
                files: POSIXFileSystem(),
                options: options
            )
            let state = try #require(reopened[group])
            #expect(state.snapshot.index == LogIndex(490))
            #expect(try state.snapshot.data.bytes() == Array("state at 490".utf8))
            #expect(state.entries == Self.entries(491...500, term: 2))
            #expect(state.hardState == HardState(term: Term(2), votedFor: NodeID(1), commit: LogIndex(495)))
        }
    }

    /// A snapshot streams into its file, is read back from the file a piece at a time (never
    /// held whole), and stays readable while a newer one replaces its file.
    @Test func aSnapshotStreamsToItsFileAndIsReadFromIt() throws {
        try withTemporaryDirectory { directory in
            let group = GroupID(3)
            let pieces = (0..<3).map { piece in (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7 + piece) } }
            let expected = Array(pieces.joined())
            var (storage, _) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            try storage.stage(group: group, hardState: nil, snapshot: nil, entries: Self.entries(1...20, term: 1))
            try storage.sync()
            var files = storage.files
            let written = try DurableStorage.writeSnapshotFile(
                of: group,
                index: LogIndex(10),
                term: Term(1),
                membership: Membership(voters: [NodeID(1)]),
                directory: directory,
                files: &files
            ) { (append) throws(FileSystemError) in for piece in pieces { try append(piece) } }
            #expect(written.data.count == expected.count)
            #expect(try written.data.read(from: 99_990, count: 20) == Array(expected[99_990..<100_010]))
            try storage.compact(group: group, toWritten: written)
            try storage.sync()

            let (_, reopened) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            let recovered = try #require(reopened[group]?.snapshot)
            #expect(recovered.index == LogIndex(10))
            #expect(try recovered.data.bytes() == expected)

            // A newer snapshot keeps the one before it (the group may still read it); the one
            // after removes it, and what still reads it keeps its bytes.
            func names() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: directory + "/snapshots").sorted()
            }
            for index in [UInt64(20), 30] {
                _ = try DurableStorage.writeSnapshotFile(
                    of: group,
                    index: LogIndex(index),
                    term: Term(1),
                    membership: Membership(voters: [NodeID(1)]),
                    directory: directory,
                    files: &files
                ) { (append) throws(FileSystemError) in try append([1, 2, 3]) }
                if index == 20 { #expect(try names().count == 2 && names()[0].contains("-000000000000000a-")) }
            }
            #expect(try names().count == 2 && names()[0].contains("-0000000000000014-"))
            #expect(try recovered.data.read(from: 250_000, count: 50_000) == Array(expected[250_000...]))
        }
    }

    @Test func aDamagedByteInASnapshotFileStopsTheStart() throws {
        try withTemporaryDirectory { directory in
            let group = GroupID(1)
            var (storage, _) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            try storage.stage(group: group, hardState: nil, snapshot: nil, entries: Self.entries(1...5, term: 1))
            try storage.sync()
            var files = storage.files
            let written = try DurableStorage.writeSnapshotFile(
                of: group,
                index: LogIndex(5),
                term: Term(1),
                membership: Membership(voters: [NodeID(1)]),
                directory: directory,
                files: &files
            ) { (append) throws(FileSystemError) in try append([UInt8](repeating: 9, count: 3 << 20)) }
            try storage.compact(group: group, toWritten: written)
            try storage.sync()
            let path = try #require(
                FileManager.default.contentsOfDirectory(atPath: directory + "/snapshots").first
            )
            let handle = try #require(FileHandle(forUpdatingAtPath: directory + "/snapshots/" + path))
            try handle.seek(toOffset: 2 << 20)  // In the second megabyte: the checksum reads every piece.
            handle.write(Data([8]))
            try handle.close()
            #expect(throws: StorageError.self) {
                try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            }
        }
    }

    @Test func aTornTailOnDiskIsCutAndTheLogGoesOn() throws {
        try withTemporaryDirectory { directory in
            var (storage, _) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            try storage.stage(group: GroupID(4), hardState: nil, snapshot: nil, entries: Self.entries(1...3, term: 1))
            try storage.sync()
            // Half a record, then zeros: what a power cut during the next write can leave.
            var files = POSIXFileSystem()
            let segment = directory + "/wal/" + (try files.fileNames(in: directory + "/wal")).last!
            let file = try files.open(segment, create: false)
            let size = try files.size(of: file)
            try files.write(
                [0x53, 0x59, 0x4E, 0x57, 2, 0, 0, 0, 0x40] + [UInt8](repeating: 0, count: 30),
                to: file,
                at: size
            )
            files.close(file)
            var (reopened, recovered) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            #expect(recovered[GroupID(4)]?.entries == Self.entries(1...3, term: 1))
            #expect(reopened.log.statistics.tornBytesTruncated == 39)
            try reopened.stage(group: GroupID(4), hardState: nil, snapshot: nil, entries: Self.entries(4...4, term: 1))
            try reopened.sync()
            let (_, again) = try DurableStorage.open(directory: directory, files: POSIXFileSystem())
            #expect(again[GroupID(4)]?.entries == Self.entries(1...4, term: 1))
        }
    }

    @Test func aFullDeviceIsReportedAsDiskFull() throws {
        var files = POSIXFileSystem()
        let file = try files.open("/dev/full", create: false)
        defer { files.close(file) }
        #expect(throws: FileSystemError(.diskFull, operation: "pwrite", path: "fd \(file.rawValue)")) {
            try files.write([1, 2, 3], to: file, at: 0)
        }
    }

    @Test func missingFilesAndDirectoriesAreNotFound() throws {
        var files = POSIXFileSystem()
        #expect(throws: FileSystemError(.notFound, operation: "open", path: "/nonexistent-synod/x")) {
            try files.open("/nonexistent-synod/x", create: true)
        }
        #expect(throws: FileSystemError(.notFound, operation: "opendir", path: "/nonexistent-synod")) {
            try files.fileNames(in: "/nonexistent-synod")
        }
    }
}
