import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodRuntime

/// The frames nodes exchange: one consensus message of one group each, versioned and
/// checksummed.
///
/// ```
/// offset  size  field
///      0     4  magic "SYNP"
///      4     1  version (1)
///      5     1  kind (1: a Raft message, 2: a forwarded client request, 3: its result,
///                4: a PUBLISH for the peer's own subscribers, 5: a forwarded request refused,
///                6: the sender's client address and the shards it leads, sent first on each
///                connection it opens and then every half election timeout, 7: a client request
///                relayed to a node that holds its shard, 8: its result, 9: a relaying node's
///                client connection closed, 10: a relaying node asks which of its requests are
///                still held)
///      6     2  zero
///      8     8  group id
///     16     4  payload length
///     20     n  payload (RaftMessage.encode; for a forwarded request the sender's node id,
///                the request id and the request; for a result or a refusal the sender's node
///                id, the request id and the result or the refusal's message; for a publish the
///                channel and the message, each length-prefixed; for an announcement the sender's
///                node id, its client address, length-prefixed, and a count and that many group
///                ids and terms; for a relayed request the sender's node id, the request id, the
///                client connection's origin and the request; for its result the sender's node
///                id, the request id, 1 and the result, or 0 when the request is not held there;
///                for an ended connection the sender's node id and the origin; for a check the
///                sender's node id, a count and that many request ids)
///   20+n     4  CRC-32C of bytes 0..<20+n
/// ```
public enum PeerFrame {
    static let magic: UInt32 = 0x504E_5953
    static let version: UInt8 = 1
    static let raftMessageKind: UInt8 = 1
    static let forwardedRequestKind: UInt8 = 2
    static let forwardedResultKind: UInt8 = 3
    static let publishKind: UInt8 = 4
    static let forwardedRefusalKind: UInt8 = 5
    static let announcementKind: UInt8 = 6
    static let relayedRequestKind: UInt8 = 7
    static let relayedResultKind: UInt8 = 8
    static let relayEndedKind: UInt8 = 9
    static let relayCheckKind: UInt8 = 10
    /// The most shards an announcement says its sender leads, and request ids a check names.
    public static let listCountMax = 1 << 16
    /// The longest client address an announcement carries (`HOST:PORT`).
    public static let clientAddressBytesMax = 300
    static let headerCount = 20

    /// The bytes of one frame carrying a Raft message.
    public static func encode(_ message: RaftMessage, group: GroupID) -> [UInt8] {
        frame(kind: raftMessageKind, group: group, capacity: message.encodedByteCountHint) { message.encode(to: &$0) }
    }

    /// A client request a follower forwards to the leader.
    public static func encodeForwarded(
        _ request: ForwardedRequest,
        from node: NodeID,
        requestID: UInt64,
        group: GroupID
    ) -> [UInt8] {
        // A write's entry is encoded once, and the frame reserved for it.
        switch request {
        case .write(let entry):
            let encoded = entry.encoded
            return frame(kind: forwardedRequestKind, group: group, capacity: encoded.count + 32) {
                $0.write(node.rawValue)
                $0.write(requestID)
                ForwardingEncoding.writeEncodedWrite(encoded, to: &$0)
            }
        case .read:
            return frame(kind: forwardedRequestKind, group: group) {
                $0.write(node.rawValue)
                $0.write(requestID)
                ForwardingEncoding.write(request, to: &$0)
            }
        }
    }

    /// The leader's result for a forwarded request.
    public static func encodeForwardedResult(
        _ result: KeyValueResult,
        from node: NodeID,
        requestID: UInt64,
        group: GroupID
    ) -> [UInt8] {
        frame(kind: forwardedResultKind, group: group) {
            $0.write(node.rawValue)
            $0.write(requestID)
            ForwardingEncoding.write(result, to: &$0)
        }
    }

    /// The leader's refusal of a forwarded request (see `ForwardedOutcome.refused`).
    public static func encodeForwardedRefusal(
        _ refusal: GroupRefusal,
        from node: NodeID,
        requestID: UInt64,
        group: GroupID
    ) -> [UInt8] {
        frame(kind: forwardedRefusalKind, group: group) {
            $0.write(node.rawValue)
            $0.write(requestID)
            refusal.write(to: &$0)
        }
    }

    /// A message PUBLISHed on another node, for this node's subscribers.
    public static func encodePublish(channel: [UInt8], message: [UInt8], group: GroupID) -> [UInt8] {
        frame(kind: publishKind, group: group) {
            $0.writeLengthPrefixed(channel)
            $0.writeLengthPrefixed(message)
        }
    }

    /// The sender's client address (where Redis clients reach it), which its peers name in
    /// CLUSTER SLOTS and MOVED, and the groups it leads, with their terms, which its peers
    /// route the shards they do not hold to: sent first on every connection the sender opens,
    /// and then every half election timeout.
    public static func encodeAnnouncement(
        from node: NodeID,
        clientAddress: [UInt8],
        leading: [ShardLeadership] = []
    ) -> [UInt8] {
        precondition(clientAddress.count <= clientAddressBytesMax, "a client address of \(clientAddress.count) bytes")
        precondition(leading.count <= listCountMax, "an announcement of \(leading.count) leaderships")
        return frame(kind: announcementKind, group: GroupID(0), capacity: 64 + 16 * leading.count) {
            $0.write(node.rawValue)
            $0.writeLengthPrefixed(clientAddress)
            $0.write(UInt32(leading.count))
            for leadership in leading {
                $0.write(leadership.group.rawValue)
                $0.write(leadership.term.rawValue)
            }
        }
    }

    /// A request of a client of `node` (connection `origin`) relayed to a node that holds
    /// `group`, which serves it as its own client's.
    public static func encodeRelayed(
        _ request: ForwardedRequest,
        from node: NodeID,
        requestID: UInt64,
        origin: UInt64,
        group: GroupID
    ) -> [UInt8] {
        // A write's entry is encoded once, and its frame reserves room for it.
        var encodedWrite: [UInt8]?
        if case .write(let entry) = request { encodedWrite = entry.encoded }
        return frame(kind: relayedRequestKind, group: group, capacity: (encodedWrite?.count ?? 0) + 40) {
            $0.write(node.rawValue)
            $0.write(requestID)
            $0.write(origin)
            if let encodedWrite {
                ForwardingEncoding.writeEncodedWrite(encodedWrite, to: &$0)
            } else {
                ForwardingEncoding.write(request, to: &$0)
            }
        }
    }

    /// The result of a relayed request; nil when the request is not held here (the answer to
    /// a check that names it: it never came, or it was answered and the answer lost).
    public static func encodeRelayedResult(
        _ result: KeyValueResult?,
        from node: NodeID,
        requestID: UInt64,
        group: GroupID
    ) -> [UInt8] {
        frame(kind: relayedResultKind, group: group) {
            $0.write(node.rawValue)
            $0.write(requestID)
            if let result {
                $0.write(UInt8(1))
                ForwardingEncoding.write(result, to: &$0)
            } else {
                $0.write(UInt8(0))
            }
        }
    }

    /// The client connection `origin` of `node` closed: its waits there end.
    public static func encodeRelayEnded(from node: NodeID, origin: UInt64) -> [UInt8] {
        frame(kind: relayEndedKind, group: GroupID(0)) {
            $0.write(node.rawValue)
            $0.write(origin)
        }
    }

    /// `node` asks which of these requests it relayed are still held: the others are answered
    /// as not held.
    public static func encodeRelayCheck(from node: NodeID, requestIDs: [UInt64]) -> [UInt8] {
        precondition(requestIDs.count <= listCountMax, "a check of \(requestIDs.count) requests")
        return frame(kind: relayCheckKind, group: GroupID(0), capacity: 16 + 8 * requestIDs.count) {
            $0.write(node.rawValue)
            $0.write(UInt32(requestIDs.count))
            for id in requestIDs { $0.write(id) }
        }
    }

    /// The first part of the frame of `message`, an append whose entries the caller sends
    /// after it (`entriesByteCount` bytes: each entry's `ConsensusEncoding.writeHead` and its
    /// command), followed by the frame's checksum, the CRC-32C of the head and the entries
    /// (`CRC32C.combine` of theirs): the same bytes as `encode(_:group:)`, for entries that go
    /// to every follower and so are encoded and checksummed once.
    public static func encodeHead(_ message: RaftMessage, group: GroupID, entriesByteCount: Int) -> [UInt8] {
        var writer = head(kind: raftMessageKind, group: group, capacity: 128)
        _ = message.encodeHead(to: &writer)
        writer.overwrite(UInt32(writer.bytes.count - headerCount + entriesByteCount), at: 16)
        return writer.bytes
    }

    /// A frame whose payload `payload` writes; `capacity` is about how many bytes it takes.
    static func frame(
        kind: UInt8,
        group: GroupID,
        capacity: Int = 64,
        payload: (inout ByteWriter) -> Void
    ) -> [UInt8] {
        var writer = head(kind: kind, group: group, capacity: capacity + 4)
        payload(&writer)
        writer.overwrite(UInt32(writer.bytes.count - headerCount), at: 16)
        writer.write(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// A frame's header, its payload's length still 0, with room for `capacity` more bytes.
    private static func head(kind: UInt8, group: GroupID, capacity: Int) -> ByteWriter {
        var writer = ByteWriter(reservingCapacity: headerCount + capacity)
        writer.write(magic)
        writer.write(version)
        writer.write(kind)
        writer.writeRaw([0, 0])
        writer.write(group.rawValue)
        writer.write(UInt32(0))
        return writer
    }
}

/// Splits a peer's byte stream into frames. Anything that is not a valid frame ends the
/// stream: the caller logs the reason and closes the connection (a peer speaking garbage is
/// disconnected, never trusted and never a crash).
public struct PeerFrameDecoder: Sendable {
    public enum Output: Equatable, Sendable {
        case message(group: GroupID, RaftMessage)
        case forwardedRequest(group: GroupID, from: NodeID, requestID: UInt64, ForwardedRequest)
        case forwardedResult(group: GroupID, from: NodeID, requestID: UInt64, ForwardedOutcome)
        case published(channel: [UInt8], message: [UInt8])
        /// Node `from` is reached by Redis clients at `clientAddress` (unchecked bytes), and
        /// leads these groups.
        case announced(from: NodeID, clientAddress: [UInt8], leading: [ShardLeadership])
        case relayedRequest(group: GroupID, from: NodeID, requestID: UInt64, origin: UInt64, ForwardedRequest)
        /// nil: the request is not held there.
        case relayedResult(group: GroupID, from: NodeID, requestID: UInt64, KeyValueResult?)
        case relayEnded(from: NodeID, origin: UInt64)
        case relayCheck(from: NodeID, requestIDs: [UInt64])
        /// A Raft message from `from` in `term` is arriving and not all here yet: reported by
        /// `arrival()` (never by `next()`), so that a big append's receiver can count its
        /// sender as alive while the bytes stream in.
        case arriving(group: GroupID, from: NodeID, term: Term)
        case needMoreData
        /// Not a valid frame; the stream cannot be trusted after it.
        case garbage(String)
    }

    /// The largest payload accepted (a snapshot chunk or a batch of entries).
    public let payloadBytesMax: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: String?
    /// How many bytes of the frame being received are checksummed, and their checksum.
    private var checked: (count: Int, checksum: UInt32) = (0, 0)
    /// How many bytes of the incomplete frame were here when `arrival()` last reported it.
    private var arrivalReportedAt: Int?
    /// `arrival()` reports a frame again once this many more of its bytes came.
    static let arrivalReportBytes = 256 << 10
    /// The bytes of a Raft message's frame that name its sender and term.
    static let arrivalFieldsCount = PeerFrame.headerCount + 24

    public init(payloadBytesMax: Int = SizeLimits.frameBytesMax) { self.payloadBytesMax = payloadBytesMax }

    /// The bytes the receive buffer has room for.
    var bufferCapacity: Int { buffer.capacity }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0 && (readIndex >= buffer.count || readIndex > 1 << 16) {
            buffer.removeSubrange(..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() -> Output {
        if let failure { return .garbage(failure) }
        let output = decodeFrame()
        if case .garbage(let reason) = output { failure = reason }
        return output
    }

    private func field32(_ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(buffer[readIndex + offset + $1]) << (8 * $1) }
    }

    private func field64(_ offset: Int) -> UInt64 {
        UInt64(field32(offset)) | UInt64(field32(offset + 4)) << 32
    }

    /// After `next()` asked for more data: the sender and term of the Raft message whose frame
    /// has begun to arrive, when its first bytes came and then again each
    /// `arrivalReportBytes` more; nil otherwise. Read from an unchecked frame, so only as
    /// trustworthy as the connection it came on; a frame that turns out garbage still ends
    /// the stream when it is complete.
    public mutating func arrival() -> Output? {
        let available = buffer.count - readIndex
        guard failure == nil, available >= Self.arrivalFieldsCount, field32(0) == PeerFrame.magic,
            buffer[readIndex + 5] == PeerFrame.raftMessageKind,
            available >= (arrivalReportedAt ?? -Self.arrivalReportBytes) + Self.arrivalReportBytes
        else { return nil }
        let from = field64(PeerFrame.headerCount)
        guard from != 0 else { return nil }
        arrivalReportedAt = available
        return .arriving(
            group: GroupID(field64(8)),
            from: NodeID(from),
            term: Term(field64(PeerFrame.headerCount + 16))
        )
    }

    private mutating func decodeFrame() -> Output {
        let available = buffer.count - readIndex
        guard available >= PeerFrame.headerCount else { return .needMoreData }
        guard field32(0) == PeerFrame.magic else { return .garbage("not a Synod peer frame") }
        guard buffer[readIndex + 4] == PeerFrame.version else {
            return .garbage("peer frame version \(buffer[readIndex + 4]), expected \(PeerFrame.version)")
        }
        let kind = buffer[readIndex + 5]
        guard (PeerFrame.raftMessageKind...PeerFrame.relayCheckKind).contains(kind), buffer[readIndex + 6] == 0,
            buffer[readIndex + 7] == 0
        else { return .garbage("unknown peer frame kind") }
        let payloadCount = Int(field32(16))
        guard payloadCount <= payloadBytesMax else {
            return .garbage("peer frame of \(payloadCount) bytes over the limit \(payloadBytesMax)")
        }
        let frameCount = PeerFrame.headerCount + payloadCount + 4
        // The checksum runs as the bytes come (up to the checksum field), so a big frame's
        // pass over all of it is not left for the moment it is complete.
        let checkedEnd = min(available, frameCount - 4)
        if checkedEnd > checked.count {
            checked = (
                checkedEnd,
                CRC32C.checksum(
                    buffer[(readIndex + checked.count)..<(readIndex + checkedEnd)],
                    continuing: checked.checksum
                )
            )
        }
        guard available >= frameCount else {
            // A big frame is received into room reserved once, not regrown (and so copied)
            // again and again as its bytes come.
            buffer.reserveCapacity(readIndex + frameCount)
            return .needMoreData
        }
        let frame = buffer[readIndex..<readIndex + frameCount]
        guard checked.checksum == field32(frameCount - 4) else {
            return .garbage("peer frame checksum mismatch")
        }
        var groupReader = ByteReader(frame[(readIndex + 8)..<(readIndex + 16)])
        var reader = ByteReader(frame[(readIndex + PeerFrame.headerCount)..<(readIndex + frameCount - 4)])
        do {
            let group = GroupID(try groupReader.readUInt64())
            let output: Output
            switch kind {
            case PeerFrame.raftMessageKind:
                output = .message(group: group, try RaftMessage(decoding: &reader))
            case PeerFrame.forwardedRequestKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("a forwarded request from node 0") }
                let requestID = try reader.readUInt64()
                let request = try ForwardingEncoding.readRequest(from: &reader)
                output = .forwardedRequest(group: group, from: NodeID(rawNode), requestID: requestID, request)
            case PeerFrame.publishKind:
                let channel = try reader.readLengthPrefixed(maximumCount: payloadBytesMax)
                output = .published(
                    channel: channel,
                    message: try reader.readLengthPrefixed(maximumCount: payloadBytesMax)
                )
            case PeerFrame.announcementKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("an announcement from node 0") }
                let address = try reader.readLengthPrefixed(maximumCount: PeerFrame.clientAddressBytesMax)
                let count = Int(try reader.readUInt32())
                guard count <= PeerFrame.listCountMax, count * 16 <= reader.remainingCount else {
                    return .garbage("an announcement of \(count) leaderships")
                }
                var leading: [ShardLeadership] = []
                leading.reserveCapacity(count)
                for _ in 0..<count {
                    let leadingGroup = GroupID(try reader.readUInt64())
                    leading.append(ShardLeadership(group: leadingGroup, term: Term(try reader.readUInt64())))
                }
                output = .announced(from: NodeID(rawNode), clientAddress: address, leading: leading)
            case PeerFrame.relayedRequestKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("a relayed request from node 0") }
                let requestID = try reader.readUInt64()
                let origin = try reader.readUInt64()
                let request = try ForwardingEncoding.readRequest(from: &reader)
                output = .relayedRequest(
                    group: group,
                    from: NodeID(rawNode),
                    requestID: requestID,
                    origin: origin,
                    request
                )
            case PeerFrame.relayedResultKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("a relayed result from node 0") }
                let requestID = try reader.readUInt64()
                let result: KeyValueResult?
                switch try reader.readUInt8() {
                case 0: result = nil
                case 1: result = try ForwardingEncoding.readResult(from: &reader)
                case let flag: return .garbage("a relayed result flagged \(flag)")
                }
                output = .relayedResult(group: group, from: NodeID(rawNode), requestID: requestID, result)
            case PeerFrame.relayEndedKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("an ended relay from node 0") }
                output = .relayEnded(from: NodeID(rawNode), origin: try reader.readUInt64())
            case PeerFrame.relayCheckKind:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("a relay check from node 0") }
                let count = Int(try reader.readUInt32())
                guard count <= PeerFrame.listCountMax, count * 8 <= reader.remainingCount else {
                    return .garbage("a relay check of \(count) requests")
                }
                output = .relayCheck(
                    from: NodeID(rawNode),
                    requestIDs: try (0..<count).map { _ in try reader.readUInt64() }
                )
            default:
                let rawNode = try reader.readUInt64()
                guard rawNode != 0 else { return .garbage("a forwarded result from node 0") }
                let requestID = try reader.readUInt64()
                let outcome: ForwardedOutcome =
                    kind == PeerFrame.forwardedResultKind
                    ? .answered(try ForwardingEncoding.readResult(from: &reader))
                    : .refused(try GroupRefusal(reading: &reader))
                output = .forwardedResult(group: group, from: NodeID(rawNode), requestID: requestID, outcome)
            }
            guard reader.isAtEnd else { return .garbage("\(reader.remainingCount) bytes after a message") }
            readIndex += frameCount
            arrivalReportedAt = nil
            checked = (0, 0)
            return output
        } catch {
            return .garbage("undecodable message: \(error)")
        }
    }
}

/// A node leads `group` in `term`, as its announcement says.
public struct ShardLeadership: Equatable, Sendable {
    public let group: GroupID
    public let term: Term

    public init(group: GroupID, term: Term) {
        self.group = group
        self.term = term
    }
}
