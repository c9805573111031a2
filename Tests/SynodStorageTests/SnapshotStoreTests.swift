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

    @Test func aSaveRemovesOlderSnapshotsOfItsGroupOnly() throws {
        var files = InMemoryFileSystem()
        try files.createDirectory(Self.directory)
        try SnapshotStore.save(Self.snapshot(at: 10), of: GroupID(1), in: Self.directory, files: &files)
        try SnapshotStore.save(Self.snapshot(at: 12), of: GroupID(2), in: Self.directory, files: &files)
        try SnapshotStore.save(Self.snapshot(at: 20), of: GroupID(1), in: Self.directory, files: &files)
        let names = try files.fileNames(in: Self.directory).sorted()
        #expect(names.count == 2)
        #expect(names.compactMap { SnapshotStore.parse(fileName: $0)?.position.index.rawValue }.sorted() == [12, 20])
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
}
