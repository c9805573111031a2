/// A snapshot's serialized state machine, wherever it is kept: in memory (small states, the
/// simulator, tests) or in its durable file, read a piece at a time when a follower needs it,
/// so that nothing holds a second copy of a large state.
public struct SnapshotData: Sendable, Hashable, CustomStringConvertible {
    public let count: Int
    private let source: Source

    private enum Source: Sendable {
        case memory([UInt8])
        case reader(any SnapshotDataReader)
        case keptByDriver
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

    /// The bytes of a snapshot received in pieces: the driver kept them as they came
    /// (`SnapshotTransferStep`) and hands the stored snapshot back (`snapshotStored`); until
    /// then they cannot be read here.
    public static func keptByDriver(count: Int) -> SnapshotData {
        SnapshotData(count: count, source: .keptByDriver)
    }

    private init(count: Int, source: Source) {
        self.count = count
        self.source = source
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
        case .keptByDriver: throw SnapshotDataError.keptByDriver
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
    /// The bytes are with the driver, which has not handed the stored snapshot back yet.
    case keptByDriver
}

/// What a follower receives of a snapshot, in order, for the driver to keep (a file, a state
/// being rebuilt): the protocol keeps none of the bytes. When the last piece arrives,
/// `Ready.snapshot` names the snapshot the pieces make, or an `.abandoned` step follows.
public enum SnapshotTransferStep: Hashable, Sendable {
    /// The next bytes of a snapshot; a piece at offset 0 begins a new one and drops whatever
    /// was kept of an unfinished one.
    case piece(SnapshotPiece)
    /// The snapshot being received will not be installed: drop what was kept of it.
    case abandoned
}

/// Bytes of a snapshot received from the leader, at `offset` in its state machine's bytes.
public struct SnapshotPiece: Hashable, Sendable {
    public let index: LogIndex
    public let term: Term
    public let membership: Membership
    public let offset: Int
    public let bytes: [UInt8]

    public init(index: LogIndex, term: Term, membership: Membership, offset: Int, bytes: [UInt8]) {
        self.index = index
        self.term = term
        self.membership = membership
        self.offset = offset
        self.bytes = bytes
    }
}

/// Keeps the pieces of a snapshot being received in memory, for drivers whose states are
/// small (scenario tests, fuzzing); a node keeps them in a file instead.
public struct InMemorySnapshotTransfer: Sendable {
    private var received: (index: LogIndex, term: Term, bytes: [UInt8])?

    public init() {}

    /// Keeps a Ready's `snapshotTransfer`, in order.
    public mutating func keep(_ transfer: [SnapshotTransferStep]) {
        for step in transfer {
            switch step {
            case .abandoned: received = nil
            case .piece(let piece):
                if piece.offset == 0 { received = (piece.index, piece.term, []) }
                guard let current = received, current.index == piece.index, current.term == piece.term,
                    current.bytes.count == piece.offset
                else {
                    received = nil
                    continue
                }
                received?.bytes += piece.bytes
            }
        }
    }

    /// `snapshot` (a Ready's, received in pieces) with the bytes kept for it; nil when the
    /// pieces kept do not make it.
    public mutating func take(_ snapshot: Snapshot) -> Snapshot? {
        defer { received = nil }
        guard let received, received.index == snapshot.index, received.term == snapshot.term,
            received.bytes.count == snapshot.data.count
        else { return nil }
        return Snapshot(
            index: snapshot.index,
            term: snapshot.term,
            membership: snapshot.membership,
            data: received.bytes
        )
    }
}
