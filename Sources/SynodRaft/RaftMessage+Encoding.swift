import SynodConsensus
import SynodCore

/// The binary form of a Raft message on the wire. Decoding checks every field and limit: a
/// peer may send garbage.
extension RaftMessage {
    /// The most entries one append may carry when decoded.
    public static let entriesMax = 1 << 20
    /// The fewest bytes one encoded entry takes (term, index and payload kind): a count of
    /// entries is refused before any is read if the rest of the message cannot hold them.
    static let entryBytesMin = 17

    /// About how many bytes `encode(to:)` writes, at least as many for entries and snapshot
    /// data: what an encoder reserves, so that an append of a big entry is written into one
    /// buffer instead of one regrown (and so copied and freshly paged) again and again.
    public var encodedByteCountHint: Int {
        let fixed = 256
        switch body {
        case .append(_, _, let entries, _): return entries.reduce(fixed) { $0 + $1.sizeBytes }
        case .snapshotChunk(let chunk): return fixed + chunk.data.count
        default: return fixed
        }
    }

    public func encode(to writer: inout ByteWriter) {
        for entry in encodeHead(to: &writer) { ConsensusEncoding.write(entry, to: &writer) }
    }

    /// Writes the message except an append's entries, which come last in its encoding, and
    /// returns them (none for other messages): a sender may write them itself, once for every
    /// follower they go to (`PeerFrame.encodeHead`).
    public func encodeHead(to writer: inout ByteWriter) -> [LogEntry] {
        writer.write(from.rawValue)
        writer.write(to.rawValue)
        writer.write(term.rawValue)
        switch body {
        case .preVote(let lastIndex, let lastTerm):
            writer.write(UInt8(1))
            writer.write(lastIndex.rawValue)
            writer.write(lastTerm.rawValue)
        case .preVoteResponse(let granted):
            writer.write(UInt8(2))
            writer.write(UInt8(granted ? 1 : 0))
        case .vote(let lastIndex, let lastTerm, let leadershipTransfer):
            writer.write(UInt8(3))
            writer.write(lastIndex.rawValue)
            writer.write(lastTerm.rawValue)
            writer.write(UInt8(leadershipTransfer ? 1 : 0))
        case .voteResponse(let granted):
            writer.write(UInt8(4))
            writer.write(UInt8(granted ? 1 : 0))
        case .append(let previousIndex, let previousTerm, let entries, let commit):
            writer.write(UInt8(5))
            writer.write(previousIndex.rawValue)
            writer.write(previousTerm.rawValue)
            writer.write(commit.rawValue)
            writer.write(UInt32(entries.count))
            return entries
        case .appendResponse(.accepted(let matchIndex)):
            writer.write(UInt8(6))
            writer.write(matchIndex.rawValue)
        case .appendResponse(.rejected(let rejectedIndex, let hintIndex, let hintTerm)):
            writer.write(UInt8(7))
            writer.write(rejectedIndex.rawValue)
            writer.write(hintIndex.rawValue)
            writer.write(hintTerm.rawValue)
        case .heartbeat(let commit, let leaderTick, let readRound):
            writer.write(UInt8(8))
            writer.write(commit.rawValue)
            writer.write(leaderTick)
            Self.write(readRound, to: &writer)
        case .heartbeatResponse(let leaderTick, let readRound):
            writer.write(UInt8(9))
            writer.write(leaderTick)
            Self.write(readRound, to: &writer)
        case .snapshotChunk(let chunk):
            writer.write(UInt8(10))
            writer.write(chunk.index.rawValue)
            writer.write(chunk.term.rawValue)
            ConsensusEncoding.write(chunk.membership, to: &writer)
            writer.write(UInt64(chunk.offset))
            writer.writeLengthPrefixed(chunk.data)
            writer.write(UInt8(chunk.isLast ? 1 : 0))
        case .snapshotResponse(.chunkStored(let index, let nextOffset)):
            writer.write(UInt8(11))
            writer.write(index.rawValue)
            writer.write(UInt64(nextOffset))
        case .snapshotResponse(.installed(let matchIndex)):
            writer.write(UInt8(12))
            writer.write(matchIndex.rawValue)
        case .snapshotResponse(.restart(let index)):
            writer.write(UInt8(13))
            writer.write(index.rawValue)
        case .timeoutNow:
            writer.write(UInt8(14))
        case .hibernate(let commit):
            writer.write(UInt8(15))
            writer.write(commit.rawValue)
        }
        return []
    }

    static func write(_ round: UInt64?, to writer: inout ByteWriter) {
        writer.write(UInt8(round == nil ? 0 : 1))
        writer.write(round ?? 0)
    }

    static func readRound(from reader: inout ByteReader) throws(ByteReader.Failure) -> UInt64? {
        let present = try readFlag(from: &reader)
        let round = try reader.readUInt64()
        return present ? round : nil
    }

    static func readFlag(from reader: inout ByteReader) throws(ByteReader.Failure) -> Bool {
        switch try reader.readUInt8() {
        case 0: false
        case 1: true
        case let value: throw .invalid("flag \(value)")
        }
    }

    static func readNode(from reader: inout ByteReader) throws(ByteReader.Failure) -> NodeID {
        let raw = try reader.readUInt64()
        guard raw != 0 else { throw .invalid("node id 0") }
        return NodeID(raw)
    }

    static func readOffset(from reader: inout ByteReader) throws(ByteReader.Failure) -> Int {
        let raw = try reader.readUInt64()
        guard raw <= UInt64(ConsensusEncoding.snapshotBytesMax) else { throw .invalid("snapshot offset \(raw)") }
        return Int(raw)
    }

    /// Decodes one message; the reader must then be at its end.
    public init(decoding reader: inout ByteReader) throws(ByteReader.Failure) {
        let from = try Self.readNode(from: &reader)
        let to = try Self.readNode(from: &reader)
        let term = Term(try reader.readUInt64())
        let body: Body
        switch try reader.readUInt8() {
        case 1: body = .preVote(lastIndex: LogIndex(try reader.readUInt64()), lastTerm: Term(try reader.readUInt64()))
        case 2: body = .preVoteResponse(granted: try Self.readFlag(from: &reader))
        case 3:
            body = .vote(
                lastIndex: LogIndex(try reader.readUInt64()),
                lastTerm: Term(try reader.readUInt64()),
                leadershipTransfer: try Self.readFlag(from: &reader)
            )
        case 4: body = .voteResponse(granted: try Self.readFlag(from: &reader))
        case 5:
            let previousIndex = LogIndex(try reader.readUInt64())
            let previousTerm = Term(try reader.readUInt64())
            let commit = LogIndex(try reader.readUInt64())
            let count = Int(try reader.readUInt32())
            guard count <= Self.entriesMax, count <= reader.remainingCount / Self.entryBytesMin else {
                throw .invalid("\(count) entries")
            }
            var entries: [LogEntry] = []
            entries.reserveCapacity(count)
            var expectedIndex = previousIndex.rawValue
            for _ in 0..<count {
                let entry = try ConsensusEncoding.readEntry(from: &reader)
                // The previous index is a peer's value: it may be UInt64.max.
                let (next, overflow) = expectedIndex.addingReportingOverflow(1)
                guard !overflow, entry.index.rawValue == next else {
                    throw .invalid("entry \(entry.index) out of place after \(previousIndex)")
                }
                expectedIndex = next
                entries.append(entry)
            }
            body = .append(previousIndex: previousIndex, previousTerm: previousTerm, entries: entries, commit: commit)
        case 6: body = .appendResponse(.accepted(matchIndex: LogIndex(try reader.readUInt64())))
        case 7:
            body = .appendResponse(
                .rejected(
                    rejectedIndex: LogIndex(try reader.readUInt64()),
                    hintIndex: LogIndex(try reader.readUInt64()),
                    hintTerm: Term(try reader.readUInt64())
                )
            )
        case 8:
            body = .heartbeat(
                commit: LogIndex(try reader.readUInt64()),
                leaderTick: try reader.readUInt64(),
                readRound: try Self.readRound(from: &reader)
            )
        case 9:
            body = .heartbeatResponse(leaderTick: try reader.readUInt64(), readRound: try Self.readRound(from: &reader))
        case 10:
            let index = LogIndex(try reader.readUInt64())
            let chunkTerm = Term(try reader.readUInt64())
            let membership = try ConsensusEncoding.readMembership(from: &reader)
            let offset = try Self.readOffset(from: &reader)
            let data = try reader.readLengthPrefixed(maximumCount: SizeLimits.frameBytesMax)
            body = .snapshotChunk(
                SnapshotChunk(
                    index: index,
                    term: chunkTerm,
                    membership: membership,
                    offset: offset,
                    data: data,
                    isLast: try Self.readFlag(from: &reader)
                )
            )
        case 11:
            body = .snapshotResponse(
                .chunkStored(index: LogIndex(try reader.readUInt64()), nextOffset: try Self.readOffset(from: &reader))
            )
        case 12: body = .snapshotResponse(.installed(matchIndex: LogIndex(try reader.readUInt64())))
        case 13: body = .snapshotResponse(.restart(index: LogIndex(try reader.readUInt64())))
        case 14: body = .timeoutNow
        case 15: body = .hibernate(commit: LogIndex(try reader.readUInt64()))
        case let kind: throw .invalid("message kind \(kind)")
        }
        self.init(from: from, to: to, term: term, body: body)
    }
}
