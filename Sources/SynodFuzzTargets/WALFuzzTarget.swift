import SynodConsensus
import SynodCore
import SynodRaft
import SynodStorage

/// A node's disk after anything (a crash, a flipped bit, a bug in an older version): the
/// write-ahead log recovers it or refuses it with `StorageError`, never traps; what it
/// recovers starts a replica, takes a new entry, and recovers again with that entry.
///
/// The input is read twice: as the bytes of the log's only segment file, and as records
/// (`kind`, a 2-byte length, the payload) framed with valid checksums after a valid segment
/// header, so that mutations of a record's fields reach replay instead of stopping at its
/// checksum.
enum WALFuzzTarget {
    static let directory = "/node"
    static let walDirectory = "/node/wal"
    static let segmentPath = "/node/wal/wal-0000000000000001.log"
    static let snapshotDirectory = "/node/snapshots"

    /// Small segments and a small cache, so that recovery reads entries back from the file
    /// and a new entry may start a new segment.
    static let options: WriteAheadLogOptions = {
        var options = WriteAheadLogOptions()
        options.segmentBytesMax = 4096
        options.entryCacheBytesMax = 256
        options.entriesPerRecordMax = 4
        return options
    }()

    static func run(_ input: [UInt8]) {
        var asSegment = Disk()
        asSegment.segment = input
        recover(asSegment)
        recover(disk(ofRecords: input))
    }

    /// What the node's directory holds: the segment file, and snapshot files by name.
    struct Disk {
        var segment: [UInt8] = []
        var snapshotFiles: [(name: String, bytes: [UInt8])] = []

        var files: InMemoryFileSystem {
            var files = InMemoryFileSystem()
            do {
                try files.createDirectory(walDirectory)
                try files.createDirectory(snapshotDirectory)
                for (path, bytes) in [(segmentPath, segment)]
                    + snapshotFiles.map({ (snapshotDirectory + "/" + $0.name, $0.bytes) })
                {
                    let file = try files.open(path, create: true)
                    try files.write(bytes, to: file, at: 0)
                    try files.synchronize(file)
                    files.close(file)
                }
                try files.synchronizeDirectory(walDirectory)
                try files.synchronizeDirectory(snapshotDirectory)
            } catch {
                preconditionFailure("the in-memory disk failed: \(error)")
            }
            return files
        }
    }

    static func recover(_ disk: Disk) {
        let files = disk.files
        var storage: DurableStorage<InMemoryFileSystem>
        let recovered: [GroupID: PersistentState]
        do {
            (storage, recovered) = try DurableStorage.open(directory: directory, files: files, options: options)
        } catch {
            return  // refused: the node does not start on a log it cannot trust
        }
        var appended: [GroupID: LogEntry] = [:]
        for (group, state) in recovered.sorted(by: { $0.key < $1.key }) {
            let replica: RaftReplica
            do {
                replica = try RaftReplica(configuration: RaftConfiguration(id: NodeID(1), randomSeed: 1), state: state)
            } catch {
                return  // refused: a term no replica may take (see `Term.acceptedMax`)
            }
            // A log at the index limit takes no more entries (no replica appends past it).
            guard replica.lastIndex < LogIndex.acceptedMax else { continue }
            let entry = LogEntry(term: replica.term, index: replica.lastIndex.next, payload: .noop)
            do {
                try storage.stage(group: group, hardState: replica.hardState, snapshot: nil, entries: [entry])
            } catch {
                preconditionFailure("staging after recovery failed: \(error)")
            }
            appended[group] = entry
        }
        checkRecoversAgain(&storage, recovered: recovered, appended: appended)
    }

    /// Syncs what was appended after recovery, and recovers again: the same groups, each with
    /// its new entry last.
    static func checkRecoversAgain(
        _ storage: inout DurableStorage<InMemoryFileSystem>,
        recovered: [GroupID: PersistentState],
        appended: [GroupID: LogEntry]
    ) {
        do {
            try storage.sync()
            let (_, again) = try DurableStorage.open(directory: directory, files: storage.files, options: options)
            precondition(Set(again.keys) == Set(recovered.keys), "recovery after an append found other groups")
            for (group, entry) in appended {
                precondition(again[group]?.entries.last == entry, "recovery after an append lost the entry")
                precondition(
                    Array(again[group]!.entries.dropLast()) == recovered[group]!.entries,
                    "recovery after an append changed the earlier entries"
                )
            }
        } catch {
            preconditionFailure("a log that recovered and took an entry does not recover again: \(error)")
        }
    }

    // MARK: - Records built from the input

    /// The record kind that `disk(ofRecords:)` writes as a snapshot file instead.
    static let snapshotFileKind: UInt8 = 0xFE

    /// A disk whose segment (sequence 1) holds records read from `input`: each is a kind byte,
    /// a 2-byte little-endian payload length, and that many bytes of payload (fewer at the
    /// end). A record of `snapshotFileKind` becomes a snapshot file instead: its payload is the
    /// group id and the snapshot (`ConsensusEncoding`), named by the group, index and term it
    /// starts with, and framed with a valid checksum.
    static func disk(ofRecords input: [UInt8]) -> Disk {
        var header = ByteWriter()
        header.write(UInt64(1))
        header.write(UInt32(1))  // format version
        var writer = ByteWriter(reservingCapacity: input.count + 64)
        appendRecord(kind: 1, payload: header.bytes[...], to: &writer)
        var disk = Disk()
        var offset = 0
        while offset + 3 <= input.count {
            let kind = input[offset]
            let count = Int(input[offset + 1]) | Int(input[offset + 2]) << 8
            let end = min(input.count, offset + 3 + count)
            if kind == snapshotFileKind {
                disk.snapshotFiles.append(snapshotFile(input[(offset + 3)..<end]))
            } else {
                appendRecord(kind: kind, payload: input[(offset + 3)..<end], to: &writer)
            }
            offset = end
        }
        disk.segment = writer.bytes
        return disk
    }

    /// A snapshot file framed as `SnapshotStore` frames one: magic "SYNS", format version 1,
    /// then `payload` (group id and snapshot), its CRC-32C and the end mark.
    static func snapshotFile(_ payload: ArraySlice<UInt8>) -> (name: String, bytes: [UInt8]) {
        var fields = ByteReader(payload + [UInt8](repeating: 0, count: 24))
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        var name = "snap"
        for _ in 0..<3 {
            do {
                name += "-" + hex(try fields.readUInt64())
            } catch {
                preconditionFailure("24 bytes padded, not read")
            }
        }
        var writer = ByteWriter(reservingCapacity: payload.count + 16)
        writer.write(UInt32(0x534E_5953))
        writer.write(UInt32(1))
        writer.writeRaw(payload)
        writer.write(CRC32C.checksum(writer.bytes))
        writer.write(UInt32(0x5AA5_C33C))
        return (name + ".snap", writer.bytes)
    }

    /// One record framed as `LogRecord` frames it: magic "SYNW", kind, three zeros, the
    /// payload length, the header's CRC-32C, the payload, the CRC-32C of header and payload,
    /// and the end mark.
    static func appendRecord(kind: UInt8, payload: ArraySlice<UInt8>, to writer: inout ByteWriter) {
        var record = ByteWriter(reservingCapacity: payload.count + 24)
        record.write(UInt32(0x574E_5953))
        record.write(kind)
        record.writeRaw([0, 0, 0])
        record.write(UInt32(payload.count))
        record.write(CRC32C.checksum(record.bytes))
        record.writeRaw(payload)
        record.write(CRC32C.checksum(record.bytes))
        record.write(UInt32(0x5AA5_C33C))
        writer.writeRaw(record.bytes)
    }
}

extension WALFuzzTarget {
    /// A log written by `DurableStorage` (two groups, entries, hard states), and the same
    /// kinds of records, and a snapshot file, in the input form of `disk(ofRecords:)`.
    static var seeds: [FuzzSeed] {
        [FuzzSeed("segment-two-groups", writtenSegment()), FuzzSeed("records-two-groups", recordsInput())]
    }

    static func entries(of group: GroupID) -> [LogEntry] {
        let command = FuzzFixtures.entry(.increment(key: FuzzFixtures.word("counter"), by: 1), requestID: 1).encoded
        return [
            LogEntry(term: Term(1), index: LogIndex(1), payload: .configurationChange(.addVoter(NodeID(1)))),
            LogEntry(term: Term(2), index: LogIndex(2), payload: .noop),
            LogEntry(term: Term(2), index: LogIndex(3), payload: .command(command)),
        ]
    }

    static func writtenSegment() -> [UInt8] {
        do {
            var (storage, _) = try DurableStorage.open(
                directory: directory,
                files: InMemoryFileSystem(),
                options: options
            )
            for group in [GroupID(1), GroupID(2)] {
                try storage.stage(
                    group: group,
                    hardState: HardState(term: Term(2), votedFor: NodeID(1), commit: LogIndex(2)),
                    snapshot: nil,
                    entries: entries(of: group)
                )
            }
            try storage.sync()
            var files = storage.files
            let file = try files.open(segmentPath, create: false)
            return try files.read(file, at: 0, count: try files.size(of: file))
        } catch {
            preconditionFailure("writing the seed log failed: \(error)")
        }
    }

    static func recordsInput() -> [UInt8] {
        var input: [UInt8] = []
        func append(kind: UInt8, _ payload: ByteWriter) {
            input += [kind, UInt8(payload.bytes.count & 0xFF), UInt8(payload.bytes.count >> 8)] + payload.bytes
        }
        for group in [GroupID(1), GroupID(2)] {
            var records = ByteWriter()
            records.write(group.rawValue)
            records.write(UInt32(3))
            for entry in entries(of: group) { ConsensusEncoding.write(entry, to: &records) }
            append(kind: 2, records)
            var hardState = ByteWriter()
            hardState.write(group.rawValue)
            ConsensusEncoding.write(HardState(term: Term(2), votedFor: NodeID(1), commit: LogIndex(2)), to: &hardState)
            append(kind: 3, hardState)
        }
        var snapshot = ByteWriter()
        snapshot.write(GroupID(2).rawValue)
        // A format 1 snapshot: index, term, membership, then the state's bytes, length first.
        snapshot.write(UInt64(1))
        snapshot.write(UInt64(1))
        ConsensusEncoding.write(Membership(voters: [NodeID(1)]), to: &snapshot)
        snapshot.writeLengthPrefixed([1, 2, 3])
        append(kind: snapshotFileKind, snapshot)
        var marker = ByteWriter()
        marker.write(GroupID(2).rawValue)
        marker.write(UInt64(1))  // index
        marker.write(UInt64(1))  // term
        marker.write(UInt8(0))  // keeps the entries after it
        append(kind: 4, marker)
        return input
    }
}
