import SynodConsensus
import SynodCore

/// The records staged for the next sync, in the order they are written. Most are bytes; a
/// record of entries whose commands hold `deferredEntriesBytesMin` bytes or more is kept as the
/// entries themselves (shared, not copied) and encoded and checksummed by `encoded()`, on the
/// thread that carries the sync out: on the consensus thread, copying a 64 MiB value into the
/// staged buffer and checksumming it held the loop for about 40 ms on every node.
struct StagedWrites: Sendable {
    static let deferredEntriesBytesMin = 64 << 10

    enum Part: Sendable {
        case bytes([UInt8])
        /// A record of these entries of `group`, `count` bytes once encoded.
        case entries(ArraySlice<LogEntry>, group: GroupID, count: Int)
    }

    /// The records before `bytes`, oldest first.
    private(set) var parts: [Part] = []
    /// The bytes in `parts`.
    private var partsCount = 0
    /// The records staged since the last deferred one.
    var bytes: ByteWriter

    init(reservingCapacity capacity: Int = 0) { bytes = ByteWriter(reservingCapacity: capacity) }

    /// The bytes staged: the size of the write.
    var count: Int { partsCount + bytes.bytes.count }

    /// Stages a record of `entries` (as many as one record takes).
    mutating func stage(_ entries: ArraySlice<LogEntry>, of group: GroupID) {
        let commandBytes = entries.reduce(0) { total, entry in
            guard case .command(let data) = entry.payload else { return total }
            return total + data.count
        }
        guard commandBytes >= Self.deferredEntriesBytesMin else {
            return LogRecord.entries(entries, group: group, to: &bytes)
        }
        if !bytes.bytes.isEmpty {
            parts.append(.bytes(bytes.bytes))
            partsCount += bytes.bytes.count
            bytes = ByteWriter()
        }
        let count = LogRecord.entriesRecordByteCount(entries)
        parts.append(.entries(entries, group: group, count: count))
        partsCount += count
    }

    /// All of it, as it goes to disk (the staged buffer itself when no record was deferred).
    func encoded() -> [UInt8] {
        guard !parts.isEmpty else { return bytes.bytes }
        var writer = ByteWriter(reservingCapacity: count)
        for part in parts {
            switch part {
            case .bytes(let bytes):
                writer.writeRaw(bytes)
            case .entries(let entries, let group, let count):
                let start = writer.bytes.count
                LogRecord.entries(entries, group: group, to: &writer)
                precondition(
                    writer.bytes.count - start == count,
                    "a record of entries is not the size it was staged at"
                )
            }
        }
        writer.writeRaw(bytes.bytes)
        return writer.bytes
    }
}
