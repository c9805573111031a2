import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

/// A full disk, a failed write, a failed sync: a clear error, the log stops, nothing is
/// retried, and nothing that was not durable is ever reported durable.
struct FailureTests {
    enum Fault: CaseIterable { case diskFull, writeError, syncError }

    @Test(arguments: Fault.allCases)
    func aFailedBatchStopsTheLogAndIsNotRecovered(fault: Fault) throws {
        var workload = StorageWorkload(seed: 8, withSnapshots: false)
        let batches = (0..<6).map { _ in workload.nextBatch() }
        var (storage, _) = try openStorage(try diskAfter(batches))
        let failing = workload.nextBatch()
        for operation in failing { try operation.perform(on: &storage) }
        storage.modifyFiles { files in
            switch fault {
            case .diskFull: files.faults.capacityBytes = files.usedBytes + 10
            case .writeError: files.faults.failNextWrite = true
            case .syncError: files.faults.failNextSync = true
            }
        }
        do {
            try storage.sync()
            Issue.record("a failed batch was reported durable")
        } catch {
            guard case .fileSystem(let cause) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            switch fault {
            case .diskFull: #expect(cause.kind == .diskFull && error.description.contains("no space left on device"))
            case .writeError, .syncError: #expect(cause.kind == .inputOutput("input/output error"))
            }
        }
        // Stopped for good, and no retry of the sync: later calls fail without touching the disk.
        storage.modifyFiles { $0.faults = InMemoryFileSystem.Faults() }
        let syncs = storage.files.statistics.fileSyncs
        for operation in workload.nextBatch() { try operation.perform(on: &storage) }
        #expect(throws: StorageError.self) { try storage.sync() }
        #expect(storage.files.statistics.fileSyncs == syncs)
        // After a restart, the failed batch is not there; everything before it is.
        var disk = storage.files
        disk.crash()
        #expect(try openStorage(disk).recovered == model(after: batches).recovered)
    }

    @Test func aSnapshotThatCannotBeWrittenStopsTheLogAndKeepsTheOldState() throws {
        var workload = StorageWorkload(seed: 13)
        var batches: [[StorageOperation]] = []
        while !batches.joined().contains(where: { if case .compact = $0 { true } else { false } }) {
            batches.append(workload.nextBatch())
        }
        var (storage, _) = try openStorage(try diskAfter(batches))
        let group = GroupID(1)
        let last = storage.log.lastIndex(of: group)
        let commit = storage.log.hardState(of: group).commit
        guard commit > storage.log.base(of: group).index, let term = storage.log.term(of: group, at: commit) else {
            return
        }
        storage.modifyFiles { $0.faults.failNextSync = true }
        let snapshot = Snapshot(index: commit, term: term, membership: Membership(voters: [NodeID(1)]), data: [7])
        #expect(throws: StorageError.self) { try storage.compact(group: group, to: snapshot) }
        #expect(throws: StorageError.self) { try storage.sync() }
        var disk = storage.files
        disk.crash()
        let recovered = try openStorage(disk).recovered
        #expect(recovered == model(after: batches).recovered)
        #expect(recovered[group]!.entries.last?.index ?? recovered[group]!.snapshot.index == last)
    }
}
