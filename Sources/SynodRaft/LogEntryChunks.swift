import DequeModule
import SynodConsensus

/// The entries of a `RaftLog` in fixed-size chunks, so that dropping a prefix (compaction)
/// hands whole chunks back without touching an entry: with one array, keeping the tail meant
/// copying it (a retain of every entry applied while the snapshot was written, up to 100 ms of
/// cold memory at 5M keys) and freeing the head meant a release of each dropped entry.
///
/// Positions count from the first kept entry. Every chunk but the last holds `chunkCapacity`
/// slots; the first chunk's first `headOffset` slots are dropped entries it still holds until
/// the whole chunk goes.
struct LogEntryChunks: Sendable {
    static let chunkCapacity = 4096

    private var chunks: Deque<[LogEntry]> = []
    private var headOffset = 0
    private(set) var count = 0

    init(_ entries: [LogEntry] = []) {
        for entry in entries { append(entry) }
    }

    var isEmpty: Bool { count == 0 }
    var last: LogEntry? { chunks.last?.last }

    subscript(position: Int) -> LogEntry {
        precondition(position >= 0 && position < count, "log position \(position) outside 0..<\(count)")
        let slot = position + headOffset
        return chunks[slot / Self.chunkCapacity][slot % Self.chunkCapacity]
    }

    mutating func append(_ entry: LogEntry) {
        if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkCapacity {
            var chunk: [LogEntry] = []
            chunk.reserveCapacity(Self.chunkCapacity)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(entry)
        count += 1
    }

    /// The entries from `position` to the end, as one array (the log's unpersisted tail).
    func suffix(from position: Int) -> [LogEntry] {
        precondition(position >= 0 && position <= count, "log position \(position) outside 0...\(count)")
        var result: [LogEntry] = []
        result.reserveCapacity(count - position)
        for index in position..<count { result.append(self[index]) }
        return result
    }

    /// Removes the entries from `position` on (a conflicting suffix).
    mutating func removeSuffix(from position: Int) {
        precondition(position >= 0 && position <= count, "log position \(position) outside 0...\(count)")
        guard position < count else { return }
        let slot = position + headOffset
        let kept = slot / Self.chunkCapacity
        chunks.removeLast(chunks.count - kept - 1)
        chunks[kept].removeSubrange((slot % Self.chunkCapacity)...)
        if chunks[kept].count == (kept == 0 ? headOffset : 0) { chunks.removeLast() }
        count = position
        if count == 0 { headOffset = 0 }
    }

    /// Removes the first `dropped` entries and returns the chunks that held only those, for
    /// the caller to free when it suits it; a chunk that also holds kept entries stays.
    mutating func removePrefix(_ dropped: Int) -> [[LogEntry]] {
        precondition(dropped >= 0 && dropped <= count, "dropping \(dropped) of \(count) entries")
        guard dropped < count else { return removeAll() }
        let slot = headOffset + dropped
        let wholeChunks = slot / Self.chunkCapacity
        var released: [[LogEntry]] = []
        released.reserveCapacity(wholeChunks)
        for _ in 0..<wholeChunks { released.append(chunks.removeFirst()) }
        headOffset = slot % Self.chunkCapacity
        count -= dropped
        return released
    }

    /// Removes every entry; returns the chunks that held them.
    mutating func removeAll() -> [[LogEntry]] {
        let released = Array(chunks)
        chunks = []
        headOffset = 0
        count = 0
        return released
    }
}
