import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodRuntime
import Testing

@testable import SynodPeerProtocol

struct PeerFrameTests {
    static let node1 = NodeID(1)
    static let node2 = NodeID(2)

    /// One message of every kind.
    static let messages: [RaftMessage] = {
        let entries = [
            LogEntry(term: Term(3), index: LogIndex(8), payload: .noop),
            LogEntry(term: Term(3), index: LogIndex(9), payload: .command([1, 2, 3])),
            LogEntry(term: Term(3), index: LogIndex(10), payload: .configurationChange(.addLearner(NodeID(4)))),
        ]
        let chunk = SnapshotChunk(
            index: LogIndex(50),
            term: Term(2),
            membership: Membership(voters: [node1, node2], learners: [NodeID(3)]),
            offset: 1024,
            data: [9, 8, 7],
            isLast: true
        )
        let bodies: [RaftMessage.Body] = [
            .preVote(lastIndex: LogIndex(5), lastTerm: Term(2)),
            .preVoteResponse(granted: true),
            .vote(lastIndex: LogIndex(5), lastTerm: Term(2), leadershipTransfer: true),
            .voteResponse(granted: false),
            .append(previousIndex: LogIndex(7), previousTerm: Term(2), entries: entries, commit: LogIndex(6)),
            .append(previousIndex: LogIndex(7), previousTerm: Term(2), entries: [], commit: LogIndex(7)),
            .appendResponse(.accepted(matchIndex: LogIndex(10))),
            .appendResponse(.rejected(rejectedIndex: LogIndex(9), hintIndex: LogIndex(4), hintTerm: Term(1))),
            .heartbeat(commit: LogIndex(3), leaderTick: 99, readRound: 7),
            .heartbeat(commit: LogIndex(3), leaderTick: 99, readRound: nil),
            .heartbeatResponse(leaderTick: 99, readRound: nil),
            .snapshotChunk(chunk),
            .snapshotResponse(.chunkStored(index: LogIndex(50), nextOffset: 2048)),
            .snapshotResponse(.installed(matchIndex: LogIndex(50))),
            .snapshotResponse(.restart(index: LogIndex(50))),
            .timeoutNow,
            .hibernate(commit: LogIndex(8)),
        ]
        return bodies.map { RaftMessage(from: node1, to: node2, term: Term(3), body: $0) }
    }()

    static func decodeAll(_ bytes: [UInt8], pieceSize: Int) -> [PeerFrameDecoder.Output] {
        var decoder = PeerFrameDecoder()
        var outputs: [PeerFrameDecoder.Output] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + pieceSize)
            decoder.append(bytes[start..<end])
            start = end
            while case let output = decoder.next(), output != .needMoreData {
                outputs.append(output)
                if case .garbage = output { return outputs }
            }
        }
        return outputs
    }

    @Test(arguments: [1, 3, 64, 100_000])
    func everyMessageKindRoundTripsInAnyPieces(pieceSize: Int) {
        let stream = Self.messages.enumerated().flatMap { PeerFrame.encode($1, group: GroupID(UInt64($0))) }
        let expected = Self.messages.enumerated().map {
            PeerFrameDecoder.Output.message(group: GroupID(UInt64($0)), $1)
        }
        #expect(Self.decodeAll(stream, pieceSize: pieceSize) == expected)
    }

    @Test func forwardedRequestsAndResultsRoundTrip() {
        let requests: [ForwardedRequest] = [
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
            .write(forwardedEntry(.delete(keys: [[1], [2, 3]]), session: 99)),
            .read(.get(key: [9])),
            .read(.multiGet(keys: [[1], []])),
            .read(.exists(keys: [[4]])),
            .read(.timeToLive(key: [5], inMilliseconds: true)),
            .read(.timeToLive(key: [5], inMilliseconds: false)),
            .read(.keyCount),
        ]
        let results: [KeyValueResult] =
            [
                .ok, .null, .integer(-3), .value([0, 13]), .values([[1], nil, []]),
            ]
            + KeyValueError.Kind.allCases.map { .error(KeyValueError($0, "ERR \($0)")) }
            + [.error(KeyValueError(.notLeader, "NOTLEADER node 3", leader: NodeID(3)))]
        let refusals: [GroupRefusal] = [
            .stopping(nil), .stopping("a reason"), .notLeader(NodeID(3), peerAddress: nil),
            .notLeader(NodeID(1), peerAddress: "10.0.0.1:7000"), .tryAgain("busy; retry"), .uncertain("a deadline"),
        ]
        var stream: [UInt8] = []
        var expected: [PeerFrameDecoder.Output] = []
        for (offset, request) in requests.enumerated() {
            stream += PeerFrame.encodeForwarded(request, from: Self.node2, requestID: UInt64(offset), group: GroupID(1))
            expected.append(.forwardedRequest(group: GroupID(1), from: Self.node2, requestID: UInt64(offset), request))
        }
        for (offset, result) in results.enumerated() {
            stream += PeerFrame.encodeForwardedResult(
                result,
                from: Self.node2,
                requestID: UInt64(offset),
                group: GroupID(2)
            )
            expected.append(
                .forwardedResult(group: GroupID(2), from: Self.node2, requestID: UInt64(offset), .answered(result))
            )
        }
        for (offset, refusal) in refusals.enumerated() {
            let requestID = UInt64(40 + offset)
            stream += PeerFrame.encodeForwardedRefusal(
                refusal,
                from: Self.node2,
                requestID: requestID,
                group: GroupID(2)
            )
            expected.append(
                .forwardedResult(group: GroupID(2), from: Self.node2, requestID: requestID, .refused(refusal))
            )
        }
        #expect(Self.decodeAll(stream, pieceSize: 5) == expected)
    }

    /// A node's announcement of its client address decodes to its sender and bytes; one from
    /// node 0 or longer than an address may be is garbage.
    @Test func anAnnouncementRoundTripsAndAnOverlongOneIsGarbage() {
        let announcement = PeerFrame.encodeAnnouncement(from: Self.node2, clientAddress: Array("10.0.0.2:7002".utf8))
        #expect(
            Self.decodeAll(announcement, pieceSize: 3)
                == [.announced(from: Self.node2, clientAddress: Array("10.0.0.2:7002".utf8), leading: [])]
        )
        var writer = ByteWriter()
        writer.write(UInt64(2))
        writer.writeLengthPrefixed([UInt8](repeating: 0x41, count: PeerFrame.clientAddressBytesMax + 1))
        var decoder = PeerFrameDecoder()
        decoder.append(HostileFrameTests.frame(kind: 6, payload: writer.bytes))
        guard case .garbage = decoder.next() else {
            Issue.record("an overlong announcement was not garbage")
            return
        }
        var fromNobody = ByteWriter()
        fromNobody.write(UInt64(0))
        fromNobody.writeLengthPrefixed(Array("a:1".utf8))
        var second = PeerFrameDecoder()
        second.append(HostileFrameTests.frame(kind: 6, payload: fromNobody.bytes))
        guard case .garbage = second.next() else {
            Issue.record("an announcement from node 0 was not garbage")
            return
        }
    }

    /// What a node announces it leads, and the frames of relayed requests, decode to what was
    /// sent, split anywhere; counts larger than the frame holds are garbage, not allocations.
    @Test func leadershipsAndRelayFramesRoundTripAndOverlongCountsAreGarbage() {
        let leading = [
            ShardLeadership(group: GroupID(3), term: Term(9)), ShardLeadership(group: GroupID(7), term: Term(1)),
        ]
        let write = KeyValueEntry(requestID: 0, timeMilliseconds: 0, command: .increment(key: Array("k".utf8), by: 2))
        let origin: UInt64 = 2 << 32 | 17
        var stream = PeerFrame.encodeAnnouncement(from: Self.node2, clientAddress: Array("h:1".utf8), leading: leading)
        stream += PeerFrame.encodeRelayed(
            .write(write),
            from: Self.node2,
            requestID: 5,
            origin: origin,
            group: GroupID(3)
        )
        stream += PeerFrame.encodeRelayed(
            .read(.get(key: Array("k".utf8))),
            from: Self.node2,
            requestID: 6,
            origin: origin,
            group: GroupID(3)
        )
        stream += PeerFrame.encodeRelayedResult(.integer(2), from: Self.node2, requestID: 5, group: GroupID(3))
        stream += PeerFrame.encodeRelayedResult(nil, from: Self.node2, requestID: 6, group: GroupID(3))
        stream += PeerFrame.encodeRelayEnded(from: Self.node2, origin: origin)
        stream += PeerFrame.encodeRelayCheck(from: Self.node2, requestIDs: [5, 6, 1 << 40])
        let expected: [PeerFrameDecoder.Output] = [
            .announced(from: Self.node2, clientAddress: Array("h:1".utf8), leading: leading),
            .relayedRequest(group: GroupID(3), from: Self.node2, requestID: 5, origin: origin, .write(write)),
            .relayedRequest(
                group: GroupID(3),
                from: Self.node2,
                requestID: 6,
                origin: origin,
                .read(.get(key: Array("k".utf8)))
            ),
            .relayedResult(group: GroupID(3), from: Self.node2, requestID: 5, .integer(2)),
            .relayedResult(group: GroupID(3), from: Self.node2, requestID: 6, nil),
            .relayEnded(from: Self.node2, origin: origin),
            .relayCheck(from: Self.node2, requestIDs: [5, 6, 1 << 40]),
        ]
        #expect(Self.decodeAll(stream, pieceSize: 7) == expected)
        for (kind, countOffset) in [(UInt8(6), 8 + 4 + 3), (UInt8(10), 8)] {
            var writer = ByteWriter()
            writer.write(UInt64(2))
            if kind == 6 { writer.writeLengthPrefixed(Array("h:1".utf8)) }
            writer.write(UInt32.max)
            writer.write(UInt64(1))
            #expect(writer.bytes.count == countOffset + 4 + 8)
            var decoder = PeerFrameDecoder()
            decoder.append(HostileFrameTests.frame(kind: kind, payload: writer.bytes))
            guard case .garbage = decoder.next() else {
                Issue.record("a frame of kind \(kind) with an overlong count was not garbage")
                continue
            }
        }
    }

    @Test func aFlippedBitAnywhereIsGarbageNeverAMessage() {
        for message in Self.messages {
            let frame = PeerFrame.encode(message, group: GroupID(7))
            for offset in 0..<frame.count {
                var damaged = frame
                damaged[offset] ^= 1 << UInt8(offset % 8)
                let outputs = Self.decodeAll(damaged + PeerFrame.encode(message, group: GroupID(7)), pieceSize: 1 << 20)
                guard case .garbage = outputs.first else {
                    // A flip in the length field may only make the decoder wait for more.
                    #expect(outputs.isEmpty, "offset \(offset) of \(message): \(outputs)")
                    continue
                }
            }
        }
    }

    @Test func randomBytesAreGarbageOrIncompleteNeverACrash() {
        var random = SeededGenerator(seed: 99)
        for round in 0..<2_000 {
            var bytes = (0..<random.nextIndex(below: 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round % 2 == 0 {
                bytes =
                    Array(PeerFrame.encode(Self.messages[round % Self.messages.count], group: GroupID(1)).prefix(20))
                    + bytes
            }
            for output in Self.decodeAll(bytes, pieceSize: 7) {
                if case .message = output { Issue.record("round \(round) decoded random bytes as a message") }
            }
        }
    }

    @Test func oversizedFramesAreRefusedBeforeBuffering() {
        let frame = PeerFrame.encode(Self.messages[4], group: GroupID(1))
        let payloadCount = frame.count - PeerFrame.headerCount - 4
        var decoder = PeerFrameDecoder(payloadBytesMax: 16)
        // The header alone is enough to refuse it.
        decoder.append(frame.prefix(PeerFrame.headerCount))
        #expect(decoder.next() == .garbage("peer frame of \(payloadCount) bytes over the limit 16"))
        #expect(decoder.next() == .garbage("peer frame of \(payloadCount) bytes over the limit 16"))
    }

    /// While a big append streams in, the decoder names its sender and term when its first
    /// bytes are here and again every 256 KiB, so the receiver counts the sender as alive; the
    /// message itself comes out only when all of it is here.
    @Test func aBigMessageArrivingNamesItsSenderAsItsBytesCome() {
        let entry = LogEntry(
            term: Term(7),
            index: LogIndex(1),
            payload: .command([UInt8](repeating: 5, count: 1 << 20))
        )
        let message = RaftMessage(
            from: Self.node1,
            to: Self.node2,
            term: Term(7),
            body: .append(previousIndex: .zero, previousTerm: .zero, entries: [entry], commit: .zero)
        )
        let frame = PeerFrame.encode(message, group: GroupID(4))
        var decoder = PeerFrameDecoder()
        decoder.append(frame[0..<PeerFrameDecoder.arrivalFieldsCount - 1])
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.arrival() == nil, "the sender's fields are not all here")
        let reserved = decoder.bufferCapacity
        #expect(reserved >= frame.count)
        var reports = 0
        var start = PeerFrameDecoder.arrivalFieldsCount - 1
        while start < frame.count - 1 {
            let end = min(frame.count - 1, start + (64 << 10))
            decoder.append(frame[start..<end])
            start = end
            #expect(decoder.next() == .needMoreData)
            while let arrival = decoder.arrival() {
                #expect(arrival == .arriving(group: GroupID(4), from: Self.node1, term: Term(7)))
                reports += 1
            }
        }
        // At the first piece (64 KiB), then 256 KiB later each time: 320, 576 and 832 KiB.
        #expect(reports == 4)
        decoder.append(frame[(frame.count - 1)...])
        #expect(decoder.next() == .message(group: GroupID(4), message))
        #expect(decoder.arrival() == nil, "nothing is arriving")
        #expect(decoder.bufferCapacity == reserved, "received into room reserved once, at its header")
    }

    /// The checksum runs as a frame's pieces come: a byte changed in any piece of a big frame
    /// still makes it garbage when it is complete, and an intact one still decodes.
    @Test(arguments: [0, 1, 7, 65_535, 65_536, 500_000])
    func aBigFrameIsChecksummedAsItsPiecesCome(corruptedAt offset: Int) {
        let entry = LogEntry(
            term: Term(2),
            index: LogIndex(3),
            payload: .command([UInt8](repeating: 1, count: 600_000))
        )
        let message = RaftMessage(
            from: Self.node1,
            to: Self.node2,
            term: Term(2),
            body: .append(previousIndex: LogIndex(2), previousTerm: Term(2), entries: [entry], commit: .zero)
        )
        let frame = PeerFrame.encode(message, group: GroupID(1))
        #expect(Self.decodeAll(frame, pieceSize: 65_536) == [.message(group: GroupID(1), message)])
        var corrupted = frame
        corrupted[PeerFrame.headerCount + offset] ^= 0x10
        let outputs = Self.decodeAll(corrupted, pieceSize: 65_536)
        #expect(outputs.last == .garbage("peer frame checksum mismatch"))
    }

    /// Only Raft messages are reported as arriving: a forwarded request's sender is not a
    /// leader whose silence could start an election.
    @Test func onlyARaftMessageIsReportedArriving() {
        let request = ForwardedRequest.write(
            forwardedEntry(
                .set(
                    key: [1],
                    value: [UInt8](repeating: 2, count: 4096),
                    condition: .always,
                    expiry: .none,
                    returnPrevious: false
                )
            )
        )
        let frame = PeerFrame.encodeForwarded(request, from: Self.node1, requestID: 9, group: GroupID(1))
        var decoder = PeerFrameDecoder()
        decoder.append(frame.dropLast())
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.arrival() == nil)
    }

}

/// A write as a follower forwards it: the entry with its session and request id, unstamped.
func forwardedEntry(_ command: KeyValueCommand, session: UInt64 = 0) -> KeyValueEntry {
    KeyValueEntry(
        requestID: 5,
        timeMilliseconds: 0,
        command: command,
        origin: 3,
        session: session,
        acknowledgedBelow: 4
    )
}
