/// A snapshot's serialized state machine, wherever it is kept: in memory (small states, the
/// simulator, tests) or in its durable file, read a piece at a time when a follower needs it,
/// so that nothing holds a second copy of a large state.
public struct SnapshotData: Sendable, Hashable, CustomStringConvertible {
    public let count: Int
    private let source: Source

    private enum Source: Sendable {
        case memory([UInt8])
        case reader(any SnapshotDataReader)
    }

    public init(_ bytes: [UInt8]) {
        count = bytes.count
        source = .memory(bytes)
    }

    /// `count` bytes that `reader` reads on demand.
    public init(count: Int, reader: any SnapshotDataReader) {
        precondition(count >= 0, "a snapshot of \(count) bytes")
        self.count = count
        source = .reader(reader)
    }

    /// The bytes in `offset..<offset + count` (clamped to the end). Throws when the storage
    /// under them fails.
    public func read(from offset: Int, count wanted: Int) throws -> [UInt8] {
        precondition(offset >= 0 && offset <= count && wanted >= 0, "reading \(wanted) at \(offset) of \(count)")
        let length = min(wanted, count - offset)
        switch source {
        case .memory(let bytes): return Array(bytes[offset..<(offset + length)])
        case .reader(let reader):
            let bytes = try reader.read(from: offset, count: length)
            guard bytes.count == length else { throw SnapshotDataError.shortRead(offset: offset, count: bytes.count) }
            return bytes
        }
    }

    /// Calls `body` with the bytes in order, in pieces of at most `pieceBytes`.
    public func forEachPiece(
        ofAtMost pieceBytes: Int = 1 << 20,
        _ body: (_ piece: [UInt8]) throws -> Void
    ) throws {
        var offset = 0
        while offset < count {
            let piece = try read(from: offset, count: pieceBytes)
            try body(piece)
            offset += piece.count
        }
    }

    /// Every byte in one array: for small states and tests.
    public func bytes() throws -> [UInt8] {
        if case .memory(let bytes) = source { return bytes }
        return try read(from: 0, count: count)
    }

    /// Equal bytes; a reader's are read to compare them (tests compare snapshots, nodes do
    /// not).
    public static func == (left: Self, right: Self) -> Bool {
        guard left.count == right.count else { return false }
        if case .reader(let first) = left.source, case .reader(let second) = right.source, first === second {
            return true
        }
        guard let leftBytes = try? left.bytes(), let rightBytes = try? right.bytes() else { return false }
        return leftBytes == rightBytes
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(count) }

    public var description: String { "\(count) bytes" }
}

/// Reads the bytes of a snapshot kept elsewhere (a file). Called from the consensus thread,
/// a piece at a time.
public protocol SnapshotDataReader: AnyObject, Sendable {
    func read(from offset: Int, count: Int) throws -> [UInt8]
}

/// The storage under a snapshot's bytes returned fewer than asked for.
public enum SnapshotDataError: Error, Equatable, Sendable {
    case shortRead(offset: Int, count: Int)
}
