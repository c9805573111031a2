import SynodConsensus
import SynodCore
import SynodRaft
import SynodRuntime
import SynodStorage

/// Each node's durable state goes through the real storage layer (write-ahead log and
/// snapshot files) on a simulated disk that loses unsynced writes, tears them, and has bits
/// flipped; every restart's recovery is checked against the model of what was synced.
extension Simulator {
    var storageOptions: WriteAheadLogOptions {
        var storageOptions = WriteAheadLogOptions()
        // Each segment begins with every group's marker and hard state (about 60 bytes each):
        // with thousands of groups, a segment of the smallest size drawn would hold nothing
        // else and roll at every write. Runs of up to 32 groups keep the size drawn.
        storageOptions.segmentBytesMax = max(options.walSegmentBytes, 128 * options.shardCount)
        storageOptions.entryCacheBytesMax = options.walEntryCacheBytes
        storageOptions.plantedBug = options.mutation?.storageMutation
        return storageOptions
    }

    /// Writes a new node's initial state (a founding member's bootstrap entries) to its disk,
    /// for every group.
    mutating func initializeDisk(_ position: Int, with state: PersistentState) {
        var (storage, recovered) = openStorage(on: nodes[position].disk, of: position)
        precondition(recovered.isEmpty, "a new node's disk is empty")
        let hardState = state.hardState == HardState() ? nil : state.hardState
        do {
            for shard in shards {
                try storage.stage(
                    group: SimulatedNode.group(shard),
                    hardState: hardState,
                    snapshot: nil,
                    entries: state.entries
                )
            }
            try storage.sync()
        } catch {
            storageFailed("initialize", on: position, error)
        }
        nodes[position].disk = storage.files
    }

    /// Recovers the node's state of every group from its disk, checks it against the model,
    /// and keeps the storage open. Returns the states the replicas start from, by shard.
    mutating func recoverFromDisk(_ position: Int) -> [PersistentState] {
        let (storage, recovered) = openStorage(on: nodes[position].disk, of: position)
        nodes[position].disk = InMemoryFileSystem()
        if random.nextBool(probability: options.bitFlipProbability) {
            checkBitFlipDetected(storage.files, on: position)
        }
        nodes[position].storage = storage
        return shards.map { shard in
            var state = recovered[SimulatedNode.group(shard)] ?? .joining
            checkRecovered(state, on: position, shard)
            nodes[position].shards[shard].unsyncedFromIndex = nil
            nodes[position].shards[shard].durable = state
            if options.mutation == .forgetVoteOnRestart { state.hardState.votedFor = nil }
            checkers[shard].recordDurable(state, on: nodes[position].id)
            return state
        }
    }

    /// Stages what `ready` asks to persist; a snapshot's file is written at once, and
    /// returned as the file holds it.
    mutating func stageWrite(_ write: Persistence, on position: Int, _ shard: Int) -> Snapshot? {
        do {
            return try nodes[position].storage!.stage(
                group: SimulatedNode.group(shard),
                hardState: write.hardState,
                snapshotTransfer: write.snapshotTransfer,
                snapshot: write.snapshot,
                entries: write.entries
            )
        } catch {
            storageFailed("stage", on: position, error)
        }
    }

    /// The disk write completes: everything staged is synced.
    mutating func syncWrite(on position: Int) {
        do {
            try nodes[position].storage!.sync()
        } catch {
            storageFailed("sync", on: position, error)
        }
    }

    /// A snapshot the state machine took: its file is durable at once.
    mutating func compactStorage(_ position: Int, _ shard: Int, to snapshot: Snapshot) {
        do {
            try nodes[position].storage!.compact(group: SimulatedNode.group(shard), to: snapshot)
        } catch {
            storageFailed("compact", on: position, error)
        }
    }

    /// The machine loses power: a write in progress reaches the disk not at all, or in part
    /// (a prefix, possibly followed by zeros); nothing unsynced survives otherwise.
    mutating func crashDisk(_ position: Int) {
        guard var storage = nodes[position].storage else { return }
        nodes[position].storage = nil
        var torn = false
        var writing = false
        for shard in shards {
            guard let write = nodes[position].shards[shard].writeInProgress else { continue }
            nodes[position].shards[shard].unsyncedFromIndex =
                write.snapshot != nil ? .zero : write.entries.first?.index
            writing = true
        }
        if writing {
            if random.nextBool(probability: options.tornWriteProbability) {
                storage.modifyFiles { $0.faults.syncsNeverComplete = true }
                do {
                    try storage.sync()
                } catch {
                    storageFailed("write", on: position, error)
                }
                torn = true
                statistics.tornWrites += 1
            }
        }
        var disk = storage.files
        let keptFraction = random.nextUnitInterval()
        let zeroCount = random.nextIndex(below: 32)
        disk.crash { _, count in
            torn ? .torn(keptCount: Int(Double(count) * keptFraction), zeroCount: zeroCount) : .lost
        }
        nodes[position].disk = disk
    }

    private mutating func openStorage(
        on disk: InMemoryFileSystem,
        of position: Int
    ) -> (DurableStorage<InMemoryFileSystem>, [GroupID: PersistentState]) {
        do {
            return try DurableStorage.open(directory: SimulatedNode.dataDirectory, files: disk, options: storageOptions)
        } catch {
            fail("storage-recovery", "n\(position + 1) cannot recover its disk: \(error)")
            // Go on from an empty disk so the run can report the failure.
            // An empty in-memory disk cannot fail to open.
            return try! DurableStorage.open(directory: "/empty", files: InMemoryFileSystem())
        }
    }

    /// A simulated disk has no faults enabled while a node runs, so storage cannot fail.
    private func storageFailed(_ step: String, on position: Int, _ error: StorageError) -> Never {
        preconditionFailure("n\(position + 1) storage \(step) failed on a disk without faults: \(error)")
    }

    /// Every byte of a clean disk is data: a flipped bit anywhere must stop recovery.
    private mutating func checkBitFlipDetected(_ disk: InMemoryFileSystem, on position: Int) {
        let files = disk.paths.filter { (disk.contents(of: $0)?.count ?? 0) > 0 }
        guard !files.isEmpty else { return }
        let path = files[random.nextIndex(below: files.count)]
        let offset = random.nextIndex(below: disk.contents(of: path)!.count)
        var damaged = disk
        damaged.flipBit(in: path, atByte: offset, bit: random.nextIndex(below: 8))
        do {
            _ = try DurableStorage.open(directory: SimulatedNode.dataDirectory, files: damaged, options: storageOptions)
            fail(
                "storage-bit-flip",
                "n\(position + 1) recovered a disk with a flipped bit at \(path):\(offset)"
            )
        } catch {
            guard case .corruption = error else {
                fail("storage-bit-flip", "n\(position + 1) reported a flipped bit as \(error)")
                return
            }
            statistics.bitFlipsDetected += 1
        }
    }

    /// Recovery gives back everything that was synced: no newer term or vote forgotten, no
    /// commit or snapshot gone back, no synced entry lost (entries a torn write could replace
    /// excepted).
    private mutating func checkRecovered(_ recovered: PersistentState, on position: Int, _ shard: Int) {
        let model = nodes[position].shards[shard].durable
        let node = "n\(position + 1)"
        let hardState = recovered.hardState
        if hardState.term < model.hardState.term
            || (hardState.term == model.hardState.term && model.hardState.votedFor != nil
                && hardState.votedFor != model.hardState.votedFor)
            || hardState.commit < model.hardState.commit
        {
            checkers[shard].fail("storage-recovery", "\(node) recovered \(hardState) after syncing \(model.hardState)")
        }
        if recovered.snapshot.index < model.snapshot.index {
            checkers[shard].fail(
                "storage-recovery",
                "\(node) recovered snapshot \(recovered.snapshot.index) after \(model.snapshot.index)"
            )
        }
        let replaceable = nodes[position].shards[shard].unsyncedFromIndex ?? LogIndex(UInt64.max)
        let recoveredByIndex = Dictionary(uniqueKeysWithValues: recovered.entries.map { ($0.index, $0) })
        for entry in model.entries where entry.index > recovered.snapshot.index && entry.index < replaceable {
            if recoveredByIndex[entry.index] != entry {
                checkers[shard].fail("storage-recovery", "\(node) lost synced entry \(entry.term)/\(entry.index)")
                return
            }
        }
    }
}
