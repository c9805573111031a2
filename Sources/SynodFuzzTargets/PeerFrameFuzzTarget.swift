import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRaft

/// A peer's bytes, as a node reads them: split into frames (in pieces derived from the input,
/// which must agree with all at once), each frame re-encoded to check it decodes the same, and
/// each Raft message stepped into the replicas of a small group (`FuzzCluster`).
///
/// The input is read twice: as the byte stream itself, and as frames built from it with
/// valid checksums (`frames(ofRecords:)`), so that mutations of a payload reach the message
/// decoders instead of stopping at the checksum.
enum PeerFrameFuzzTarget {
    /// Frames handled per input, bounded so one input stays fast.
    static let framesPerInputMax = 32
    static let group = GroupID(1)

    static func run(_ input: [UInt8]) {
        runStream(input)
        runStream(frames(ofRecords: input))
    }

    static func runStream(_ bytes: [UInt8]) {
        let whole = decode(bytes, pieceSizes: [])
        let inPieces = decode(bytes, pieceSizes: pieceSizes(of: bytes))
        precondition(inPieces == whole, "decoding in pieces gave other frames than at once")
        var cluster = FuzzCluster.prepared
        for output in whole {
            checkRoundTrip(output)
            if case .message(_, let message) = output { cluster.deliver(message) }
        }
    }

    /// Every frame up to the first garbage (included), fed in pieces of the given sizes.
    static func decode(_ bytes: [UInt8], pieceSizes: [Int]) -> [PeerFrameDecoder.Output] {
        var decoder = PeerFrameDecoder()
        var outputs: [PeerFrameDecoder.Output] = []
        var start = 0
        for size in pieceSizes + [bytes.count] where start < bytes.count {
            let end = min(bytes.count, start + size)
            decoder.append(bytes[start..<end])
            start = end
            while outputs.count < framesPerInputMax {
                let output = decoder.next()
                if output == .needMoreData { break }
                outputs.append(output)
                if case .garbage = output {
                    precondition(decoder.next() == output, "the decoder went on after garbage")
                    return outputs
                }
            }
        }
        return outputs
    }

    /// A decoded frame, encoded again, decodes to the same frame.
    static func checkRoundTrip(_ output: PeerFrameDecoder.Output) {
        let encoded: [UInt8]
        switch output {
        case .message(let group, let message):
            encoded = PeerFrame.encode(message, group: group)
        case .forwardedRequest(let group, let from, let requestID, let request):
            encoded = PeerFrame.encodeForwarded(request, from: from, requestID: requestID, group: group)
        case .forwardedResult(let group, let from, let requestID, .answered(let result)):
            encoded = PeerFrame.encodeForwardedResult(result, from: from, requestID: requestID, group: group)
        case .forwardedResult(let group, let from, let requestID, .refused(let refusal)):
            encoded = PeerFrame.encodeForwardedRefusal(refusal, from: from, requestID: requestID, group: group)
        case .published(let channel, let message):
            encoded = PeerFrame.encodePublish(channel: channel, message: message, group: group)
        case .announced(let from, let clientAddress, let leading):
            encoded = PeerFrame.encodeAnnouncement(from: from, clientAddress: clientAddress, leading: leading)
        case .relayedRequest(let group, let from, let requestID, let origin, let request):
            encoded = PeerFrame.encodeRelayed(request, from: from, requestID: requestID, origin: origin, group: group)
        case .relayedResult(let group, let from, let requestID, let result):
            encoded = PeerFrame.encodeRelayedResult(result, from: from, requestID: requestID, group: group)
        case .relayEnded(let from, let origin):
            encoded = PeerFrame.encodeRelayEnded(from: from, origin: origin)
        case .relayCheck(let from, let requestIDs):
            encoded = PeerFrame.encodeRelayCheck(from: from, requestIDs: requestIDs)
        case .arriving, .needMoreData, .garbage:
            return
        }
        var decoder = PeerFrameDecoder()
        decoder.append(encoded)
        precondition(decoder.next() == output, "a frame re-encoded decodes to a different frame")
        precondition(decoder.next() == .needMoreData, "a frame re-encoded decodes to more than one frame")
    }

    /// Frames read from `input`: each is a kind byte, a 2-byte little-endian payload length,
    /// and that many bytes of payload (fewer at the end), framed with a valid checksum.
    static func frames(ofRecords input: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = []
        var offset = 0
        while offset + 3 <= input.count {
            let count = Int(input[offset + 1]) | Int(input[offset + 2]) << 8
            let end = min(input.count, offset + 3 + count)
            stream += frame(kind: input[offset], payload: input[(offset + 3)..<end])
            offset = end
        }
        return stream
    }

    /// A frame with a valid header and checksum around `payload` (the layout in `PeerFrame`).
    static func frame(kind: UInt8, payload: ArraySlice<UInt8>) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: payload.count + 24)
        writer.write(UInt32(0x504E_5953))  // "SYNP"
        writer.write(UInt8(1))  // version
        writer.write(kind)
        writer.writeRaw([0, 0])
        writer.write(group.rawValue)
        writer.write(UInt32(payload.count))
        writer.writeRaw(payload)
        writer.write(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }
}

extension PeerFrameFuzzTarget {
    /// One frame of each kind and of each Raft message, as the prepared group would exchange
    /// them: each alone, each in the form `frames(ofRecords:)` reads, and each form all in one
    /// stream.
    static var seeds: [FuzzSeed] {
        let leader = FuzzCluster.prepared.nodes[0].replica
        let (term, last) = (leader.term, leader.lastIndex)
        let (n1, n2, n4) = (NodeID(1), NodeID(2), NodeID(4))
        let command = FuzzFixtures.entry(.increment(key: FuzzFixtures.word("counter"), by: 1), requestID: 9).encoded
        let store = FuzzFixtures.store
        let chunk = SnapshotChunk(
            index: LogIndex(store.appliedIndex),
            term: term,
            membership: Membership(voters: FuzzCluster.voters),
            offset: 0,
            data: store.snapshotBytes,
            isLast: true
        )
        let messages: [(String, RaftMessage)] = [
            (
                "pre-vote",
                RaftMessage(from: n2, to: n1, term: term.next, body: .preVote(lastIndex: last, lastTerm: term))
            ),
            (
                "vote",
                RaftMessage(
                    from: n2,
                    to: n1,
                    term: term.next,
                    body: .vote(lastIndex: last, lastTerm: term, leadershipTransfer: false)
                )
            ),
            ("vote-response", RaftMessage(from: n2, to: n1, term: term, body: .voteResponse(granted: true))),
            (
                "append",
                RaftMessage(
                    from: n1,
                    to: n2,
                    term: term,
                    body: .append(
                        previousIndex: last,
                        previousTerm: term,
                        entries: [LogEntry(term: term, index: last.next, payload: .command(command))],
                        commit: last.next
                    )
                )
            ),
            (
                "append-response",
                RaftMessage(from: n2, to: n1, term: term, body: .appendResponse(.accepted(matchIndex: last)))
            ),
            (
                "append-rejected",
                RaftMessage(
                    from: n2,
                    to: n1,
                    term: term,
                    body: .appendResponse(.rejected(rejectedIndex: last, hintIndex: LogIndex(2), hintTerm: Term(1)))
                )
            ),
            (
                "heartbeat",
                RaftMessage(from: n1, to: n2, term: term, body: .heartbeat(commit: last, leaderTick: 7, readRound: 1))
            ),
            ("hibernate", RaftMessage(from: n1, to: n2, term: term, body: .hibernate(commit: last))),
            (
                "heartbeat-response",
                RaftMessage(from: n2, to: n1, term: term, body: .heartbeatResponse(leaderTick: 7, readRound: 1))
            ),
            ("snapshot-chunk", RaftMessage(from: n1, to: n4, term: term, body: .snapshotChunk(chunk))),
            (
                "snapshot-response",
                RaftMessage(from: n4, to: n1, term: term, body: .snapshotResponse(.installed(matchIndex: chunk.index)))
            ),
            ("timeout-now", RaftMessage(from: n1, to: n2, term: term, body: .timeoutNow)),
        ]
        var frames = messages.map { name, message in FuzzSeed("raft-" + name, PeerFrame.encode(message, group: group)) }
        let write = KeyValueCommand.set(
            key: FuzzFixtures.word("k"),
            value: FuzzFixtures.word("v"),
            condition: .always,
            expiry: .none,
            returnPrevious: false
        )
        frames += [
            FuzzSeed(
                "forwarded-write",
                PeerFrame.encodeForwarded(
                    .write(KeyValueEntry(requestID: 3, timeMilliseconds: 0, command: write, origin: 5, session: 9)),
                    from: n2,
                    requestID: 3,
                    group: group
                )
            ),
            FuzzSeed(
                "forwarded-read",
                PeerFrame.encodeForwarded(
                    .read(.multiGet(keys: [FuzzFixtures.word("k")])),
                    from: n2,
                    requestID: 4,
                    group: group
                )
            ),
            FuzzSeed(
                "forwarded-typed-read",
                PeerFrame.encodeForwarded(
                    .read(.hash(.multiGet(key: FuzzFixtures.word("h"), fields: [FuzzFixtures.word("f")]))),
                    from: n2,
                    requestID: 5,
                    group: group
                )
            ),
            FuzzSeed(
                "forwarded-result",
                PeerFrame.encodeForwardedResult(
                    .array([
                        .integer(1), .value([0, 1]), .error(KeyValueError(.notLeader, "NOTLEADER no", leader: n2)),
                    ]),
                    from: n2,
                    requestID: 3,
                    group: group
                )
            ),
            FuzzSeed(
                "forwarded-refusal",
                PeerFrame.encodeForwardedRefusal(
                    .notLeader(n2, peerAddress: "a:1"),
                    from: n2,
                    requestID: 3,
                    group: group
                )
            ),
            FuzzSeed(
                "publish",
                PeerFrame.encodePublish(channel: FuzzFixtures.word("news"), message: [1, 2, 3], group: group)
            ),
            FuzzSeed(
                "announcement",
                PeerFrame.encodeAnnouncement(
                    from: n2,
                    clientAddress: FuzzFixtures.word("127.0.0.1:7002"),
                    leading: [ShardLeadership(group: group, term: Term(3))]
                )
            ),
            FuzzSeed(
                "relayed-write",
                PeerFrame.encodeRelayed(
                    .write(
                        KeyValueEntry(
                            requestID: 0,
                            timeMilliseconds: 0,
                            command: .increment(key: FuzzFixtures.word("k"), by: 1)
                        )
                    ),
                    from: n2,
                    requestID: 4,
                    origin: 2 << 32 | 9,
                    group: group
                )
            ),
            FuzzSeed(
                "relayed-read",
                PeerFrame.encodeRelayed(
                    .read(.get(key: FuzzFixtures.word("k"))),
                    from: n2,
                    requestID: 5,
                    origin: 2 << 32 | 9,
                    group: group
                )
            ),
            FuzzSeed(
                "relayed-result",
                PeerFrame.encodeRelayedResult(.integer(7), from: n2, requestID: 4, group: group)
            ),
            FuzzSeed("relayed-unknown", PeerFrame.encodeRelayedResult(nil, from: n2, requestID: 5, group: group)),
            FuzzSeed("relay-ended", PeerFrame.encodeRelayEnded(from: n2, origin: 2 << 32 | 9)),
            FuzzSeed("relay-check", PeerFrame.encodeRelayCheck(from: n2, requestIDs: [4, 5])),
        ]
        // The kind byte, the payload's length and the payload: what `frames(ofRecords:)` reads.
        let built = frames.map { seed in
            let payload = seed.bytes[20..<(seed.bytes.count - 4)]
            return FuzzSeed(
                "built-" + seed.name,
                [seed.bytes[5], UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)] + payload
            )
        }
        return frames + built + [
            FuzzSeed("stream", frames.flatMap(\.bytes)), FuzzSeed("built-stream", built.flatMap(\.bytes)),
        ]
    }
}
