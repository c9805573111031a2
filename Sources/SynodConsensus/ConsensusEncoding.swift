import SynodCore

/// The binary form of the consensus types, shared by the write-ahead log and the peer
/// transport. Decoding checks every field: bytes from a disk or a peer are untrusted.
public enum ConsensusEncoding {
    /// The largest command a decoder accepts: what any node may have written (`SizeLimits`).
    public static let commandBytesMax = SizeLimits.commandBytesMax
    /// The largest membership a decoder accepts.
    public static let membersMax = 1024
    /// The largest snapshot offset a replica accepts. Snapshots stream from file to file in
    /// chunks, so this is no size a state reaches: it keeps `offset + chunk` from
    /// overflowing on input from a peer.
    public static let snapshotBytesMax = 1 << 50

    public static func write(_ entry: LogEntry, to writer: inout ByteWriter) {
        if let command = writeHead(of: entry, to: &writer) { writer.writeRaw(command) }
    }

    /// The bytes `write` writes for `entry`.
    public static func encodedByteCount(of entry: LogEntry) -> Int {
        switch entry.payload {
        case .noop: 17
        case .command(let data): 21 + data.count
        case .configurationChange: 26
        }
    }

    /// Writes `entry` up to its command's bytes, and returns them (nil when it has none): what
    /// `write` writes next, or what a caller that sends the entry without copying it into one
    /// buffer appends itself.
    public static func writeHead(of entry: LogEntry, to writer: inout ByteWriter) -> [UInt8]? {
        writer.write(entry.term.rawValue)
        writer.write(entry.index.rawValue)
        switch entry.payload {
        case .noop:
            writer.write(UInt8(0))
            return nil
        case .command(let data):
            precondition(data.count <= Int(UInt32.max), "a byte string longer than 4 GiB")
            writer.write(UInt8(1))
            writer.write(UInt32(data.count))
            return data
        case .configurationChange(let change):
            writer.write(UInt8(2))
            write(change, to: &writer)
            return nil
        }
    }

    public static func readEntry(from reader: inout ByteReader) throws(ByteReader.Failure) -> LogEntry {
        let term = Term(try reader.readUInt64())
        let index = LogIndex(try reader.readUInt64())
        guard index > .zero else { throw .invalid("log entry at index 0") }
        let payload: EntryPayload
        switch try reader.readUInt8() {
        case 0: payload = .noop
        case 1: payload = .command(try reader.readLengthPrefixed(maximumCount: commandBytesMax))
        case 2: payload = .configurationChange(try readChange(from: &reader))
        case let kind: throw .invalid("entry payload kind \(kind)")
        }
        return LogEntry(term: term, index: index, payload: payload)
    }

    static func write(_ change: ConfigurationChange, to writer: inout ByteWriter) {
        switch change {
        case .addLearner(let node):
            writer.write(UInt8(0))
            writer.write(node.rawValue)
        case .addVoter(let node):
            writer.write(UInt8(1))
            writer.write(node.rawValue)
        case .remove(let node):
            writer.write(UInt8(2))
            writer.write(node.rawValue)
        }
    }

    static func readChange(from reader: inout ByteReader) throws(ByteReader.Failure) -> ConfigurationChange {
        let kind = try reader.readUInt8()
        let node = try readNodeID(from: &reader)
        switch kind {
        case 0: return .addLearner(node)
        case 1: return .addVoter(node)
        case 2: return .remove(node)
        default: throw .invalid("configuration change kind \(kind)")
        }
    }

    static func readNodeID(from reader: inout ByteReader) throws(ByteReader.Failure) -> NodeID {
        let raw = try reader.readUInt64()
        guard raw != 0 else { throw .invalid("node id 0") }
        return NodeID(raw)
    }

    public static func write(_ hardState: HardState, to writer: inout ByteWriter) {
        writer.write(hardState.term.rawValue)
        writer.write(hardState.votedFor?.rawValue ?? 0)
        writer.write(hardState.commit.rawValue)
    }

    public static func readHardState(from reader: inout ByteReader) throws(ByteReader.Failure) -> HardState {
        let term = Term(try reader.readUInt64())
        let vote = try reader.readUInt64()
        let commit = LogIndex(try reader.readUInt64())
        return HardState(term: term, votedFor: vote == 0 ? nil : NodeID(vote), commit: commit)
    }

    public static func write(_ membership: Membership, to writer: inout ByteWriter) {
        writer.write(UInt32(membership.voters.count))
        for voter in membership.voters.sorted() { writer.write(voter.rawValue) }
        writer.write(UInt32(membership.learners.count))
        for learner in membership.learners.sorted() { writer.write(learner.rawValue) }
    }

    public static func readMembership(from reader: inout ByteReader) throws(ByteReader.Failure) -> Membership {
        var voters = Set<NodeID>()
        let voterCount = Int(try reader.readUInt32())
        guard voterCount <= membersMax else { throw .invalid("\(voterCount) voters") }
        for _ in 0..<voterCount { voters.insert(try readNodeID(from: &reader)) }
        var learners = Set<NodeID>()
        let learnerCount = Int(try reader.readUInt32())
        guard learnerCount <= membersMax else { throw .invalid("\(learnerCount) learners") }
        for _ in 0..<learnerCount { learners.insert(try readNodeID(from: &reader)) }
        guard voters.isDisjoint(with: learners) else { throw .invalid("a member is both voter and learner") }
        return Membership(voters: voters, learners: learners)
    }
}
