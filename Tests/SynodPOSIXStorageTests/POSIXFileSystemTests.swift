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
            #expect(state.snapshot.data == Array("state at 490".utf8))
            #expect(state.entries == Self.entries(491...500, term: 2))
            #expect(state.hardState == HardState(term: Term(2), votedFor: NodeID(1), commit: LogIndex(495)))
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
