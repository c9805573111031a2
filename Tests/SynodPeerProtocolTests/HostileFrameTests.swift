import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodRuntime
import Testing

@testable import SynodPeerProtocol

/// Decoders of peer input never trap: arbitrary bytes and valid frames with mutated payloads
/// (re-checksummed, so they get past the CRC as a forger's would) are refused or decode to a
/// message that a replica then steps without trapping either.
struct HostileFrameTests {
    /// Messages with fields at their limits, besides one of every kind.
    static let messages: [RaftMessage] = {
        let node1 = NodeID(1)
        let node2 = NodeID(2)
        let bodies: [RaftMessage.Body] = [
            .append(previousIndex: LogIndex(.max), previousTerm: Term(.max), entries: [], commit: LogIndex(.max)),
            .append(
                previousIndex: LogIndex(.max - 1),
                previousTerm: Term(1),
                entries: [LogEntry(term: Term(1), index: LogIndex(.max), payload: .command([1]))],
                commit: .zero
            ),
            .vote(lastIndex: LogIndex(.max), lastTerm: Term(.max), leadershipTransfer: true),
            .heartbeatResponse(leaderTick: .max, readRound: .max),
            .snapshotResponse(.chunkStored(index: LogIndex(.max), nextOffset: ConsensusEncoding.snapshotBytesMax)),
        ]
        return PeerFrameTests.messages
            + bodies.map { RaftMessage(from: node1, to: node2, term: Term(.max), body: $0) }
    }()

    /// The frame a forger would send: any payload, with a correct header and checksum.
    static func frame(kind: UInt8, payload: [UInt8]) -> [UInt8] {
        PeerFrame.frame(kind: kind, group: GroupID(1)) { $0.writeRaw(payload) }
    }

    static func payload(of frame: [UInt8]) -> [UInt8] {
        Array(frame[PeerFrame.headerCount..<(frame.count - 4)])
    }

    /// Changes a few bytes, a whole 8-byte field to a limit value, or the length.
    static func mutate(_ payload: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = payload
        switch random.nextIndex(below: 5) {
        case 0, 1:
            for _ in 0...random.nextIndex(below: 4) where !bytes.isEmpty {
                bytes[random.nextIndex(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next())
            }
        case 2:
            guard bytes.count >= 8 else { break }
            let values: [UInt64] = [0, 1, .max, .max - 1, 1 << 62, 1 << 62 + 1, UInt64(UInt32.max)]
            let value = values[random.nextIndex(below: values.count)]
            let start = random.nextIndex(below: bytes.count - 7)
            for position in 0..<8 { bytes[start + position] = UInt8(truncatingIfNeeded: value >> (8 * position)) }
        case 3:
            bytes = Array(bytes.prefix(random.nextIndex(below: bytes.count + 1)))
        default:
            bytes += (0..<random.nextIndex(below: 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        return bytes
    }

    /// A replica to step decoded messages into: n2 of a new three-voter group.
    static func replica() throws -> RaftReplica {
        try RaftReplica(
            configuration: RaftConfiguration(id: NodeID(2), randomSeed: 1),
            state: .bootstrap(voters: [NodeID(1), NodeID(2), NodeID(3)])
        )
    }

    /// Decodes every frame of `bytes`; steps each Raft message into `replica`, also readdressed
    /// to it, so that the fields past the address reach the handlers.
    static func decodeAndStep(_ bytes: [UInt8], into replica: inout RaftReplica) -> [PeerFrameDecoder.Output] {
        let outputs = PeerFrameTests.decodeAll(bytes, pieceSize: 1 << 20)
        for case .message(_, let message) in outputs {
            replica.step(message)
            var readdressed = message
            readdressed.to = replica.id
            replica.step(readdressed)
            _ = replica.ready()
        }
        return outputs
    }

    @Test func arbitraryBytesNeverTrapTheMessageDecoder() {
        var random = SeededGenerator(seed: 13)
        for _ in 0..<20_000 {
            let bytes = (0..<random.nextIndex(below: 120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            var reader = ByteReader(bytes)
            // Refusing is the expected outcome for most of them; only a trap would fail.
            _ = try? RaftMessage(decoding: &reader)
        }
    }

    @Test func arbitraryPayloadsInValidFramesNeverTrap() throws {
        var random = SeededGenerator(seed: 14)
        var replica = try Self.replica()
        for round in 0..<20_000 {
            let kind = UInt8(1 + round % 4)
            let payload = (0..<random.nextIndex(below: 120)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = Self.decodeAndStep(Self.frame(kind: kind, payload: payload), into: &replica)
        }
    }

    @Test func mutatedRaftFramesAreRefusedOrSteppedWithoutTrapping() throws {
        var random = SeededGenerator(seed: 15)
        var replica = try Self.replica()
        var decoded = 0
        for round in 0..<30_000 {
            let message = Self.messages[round % Self.messages.count]
            let payload = Self.mutate(Self.payload(of: PeerFrame.encode(message, group: GroupID(1))), &random)
            let outputs = Self.decodeAndStep(
                Self.frame(kind: PeerFrame.raftMessageKind, payload: payload),
                into: &replica
            )
            for case .message in outputs { decoded += 1 }
        }
        // Many mutations leave a valid message: they reached the replica's handlers.
        #expect(decoded > 1_000)
        #expect(replica.droppedMessageCount > 0)
    }

    @Test func mutatedForwardedAndPublishFramesNeverTrap() throws {
        var random = SeededGenerator(seed: 16)
        var replica = try Self.replica()
        let frames = [
            PeerFrame.encodeForwarded(
                .write(
                    forwardedEntry(
                        .set(
                            key: [1],
                            value: [2],
                            condition: .ifAbsent,
                            expiry: .afterMilliseconds(5),
                            returnPrevious: true
                        )
                    )
                ),
                from: NodeID(2),
                requestID: 7,
                group: GroupID(1)
            ),
            PeerFrame.encodeForwarded(
                .write(forwardedEntry(.delete(keys: [[1], [2, 3]]), session: 99)),
                from: NodeID(2),
                requestID: 8,
                group: GroupID(1)
            ),
            PeerFrame.encodeForwarded(
                .read(.multiGet(keys: [[1], []])),
                from: NodeID(2),
                requestID: 9,
                group: GroupID(1)
            ),
            PeerFrame.encodeForwardedResult(.values([[1], nil, []]), from: NodeID(2), requestID: 7, group: GroupID(1)),
            PeerFrame.encodeForwardedResult(
                .error(KeyValueError(.notLeader, "NOTLEADER x", leader: NodeID(3))),
                from: NodeID(2),
                requestID: 8,
                group: GroupID(1)
            ),
            PeerFrame.encodeForwardedRefusal(
                .notLeader(NodeID(3), peerAddress: "127.0.0.1:7000"),
                from: NodeID(2),
                requestID: 9,
                group: GroupID(1)
            ),
            PeerFrame.encodePublish(channel: [1, 2], message: [3], group: GroupID(1)),
        ]
        for round in 0..<20_000 {
            let frame = frames[round % frames.count]
            let payload = Self.mutate(Self.payload(of: frame), &random)
            _ = Self.decodeAndStep(Self.frame(kind: frame[5], payload: payload), into: &replica)
        }
    }

    /// The reported crash: an append after index 2^64-1 with an entry overflowed the
    /// decoder's `previousIndex + position + 1`. It is refused as garbage.
    @Test func anAppendAfterTheLastPossibleIndexIsGarbage() {
        var writer = ByteWriter()
        writer.write(UInt64(1))  // from
        writer.write(UInt64(2))  // to
        writer.write(UInt64(3))  // term
        writer.write(UInt8(5))  // append
        writer.write(UInt64.max)  // previous index
        writer.write(UInt64(1))  // previous term
        writer.write(UInt64(0))  // commit
        writer.write(UInt32(1))  // one entry
        ConsensusEncoding.write(LogEntry(term: Term(1), index: LogIndex(1), payload: .noop), to: &writer)
        let outputs = PeerFrameTests.decodeAll(
            Self.frame(kind: PeerFrame.raftMessageKind, payload: writer.bytes),
            pieceSize: 64
        )
        guard case .garbage = outputs.first else {
            Issue.record("decoded \(outputs)")
            return
        }
    }

    /// A count of entries the rest of the payload cannot hold is refused before anything is
    /// reserved for them.
    @Test func anEntryCountLargerThanThePayloadIsGarbage() {
        var writer = ByteWriter()
        RaftMessage(
            from: NodeID(1),
            to: NodeID(2),
            term: Term(3),
            body: .append(previousIndex: .zero, previousTerm: .zero, entries: [], commit: .zero)
        ).encode(to: &writer)
        var payload = writer.bytes
        let countOffset = payload.count - 4
        for position in 0..<4 {
            payload[countOffset + position] = UInt8(truncatingIfNeeded: RaftMessage.entriesMax >> (8 * position))
        }
        payload += Array(repeating: 0, count: 64)
        let outputs = PeerFrameTests.decodeAll(
            Self.frame(kind: PeerFrame.raftMessageKind, payload: payload),
            pieceSize: 64
        )
        guard case .garbage(let reason) = outputs.first else {
            Issue.record("decoded \(outputs)")
            return
        }
        #expect(reason.contains("\(RaftMessage.entriesMax) entries"))
    }

    /// Limit-valued messages that decode are dropped by the replica, not trapped on.
    @Test func limitValuedMessagesDecodeAndAreDropped() throws {
        var replica = try Self.replica()
        for message in Self.messages.suffix(5) {
            var writer = ByteWriter()
            message.encode(to: &writer)
            var reader = ByteReader(writer.bytes)
            let decoded = try RaftMessage(decoding: &reader)
            #expect(decoded == message)
            replica.step(decoded)
        }
        #expect(replica.droppedMessages[.termAboveLimit] == 5)
        #expect(replica.droppedMessageCount == 5)
    }
}
