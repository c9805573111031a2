import NIOConcurrencyHelpers
import NIOCore
import SynodConsensus
import SynodCore
import SynodPeerProtocol
import SynodRaft

/// Encodes the frames of Raft messages for the peer connections. An append whose entries
/// hold `sharedEntriesBytesMin` bytes or more goes out in three buffers: its own head, the
/// entries' bytes, encoded and checksummed once and shared by every follower they go to (a
/// leader sends the same entries to each), and the checksum of both (`CRC32C.combine`). The
/// bytes on the wire are those of `PeerFrame.encode`. For a 20 MB value on three nodes this
/// takes one copy and one checksum of it off the consensus loop where there were four and two.
final class AppendFrameEncoder: Sendable {
    static let sharedEntriesBytesMin = 64 << 10

    /// Which entries: by their first and last index and term, since in one leader's log
    /// entries at the same index and term are the same entries (Log Matching, Raft §5.3).
    private struct Key: Equatable {
        let group: GroupID
        let first: LogIndex
        let firstTerm: Term
        let last: LogIndex
        let lastTerm: Term

        init(_ entries: [LogEntry], group: GroupID) {
            self.group = group
            first = entries.first!.index
            firstTerm = entries.first!.term
            last = entries.last!.index
            lastTerm = entries.last!.term
        }
    }

    private struct Shared {
        let key: Key
        let bytes: ByteBuffer
        let checksum: UInt32
    }

    /// The entries last encoded, until the next heartbeat: a leader sends the same entries to
    /// its followers in one round, and one buffer of big values is not kept longer than that.
    private let last = NIOLockedValueBox<Shared?>(nil)

    /// The frame of `message` as buffers to write in order.
    func frame(of message: RaftMessage, group: GroupID) -> [ByteBuffer] {
        if case .heartbeat = message.body { last.withLockedValue { $0 = nil } }
        guard case .append(_, _, let entries, _) = message.body,
            entries.reduce(0, { $0 + $1.sizeBytes }) >= Self.sharedEntriesBytesMin
        else { return [ByteBuffer(bytes: PeerFrame.encode(message, group: group))] }
        let shared = sharedEntries(entries, group: group)
        let head = PeerFrame.encodeHead(message, group: group, entriesByteCount: shared.bytes.readableBytes)
        var tail = ByteBuffer()
        tail.writeInteger(
            CRC32C.combine(CRC32C.checksum(head), shared.checksum, secondCount: shared.bytes.readableBytes),
            endianness: .little
        )
        return [ByteBuffer(bytes: head), shared.bytes, tail]
    }

    private func sharedEntries(_ entries: [LogEntry], group: GroupID) -> Shared {
        let key = Key(entries, group: group)
        if let shared = last.withLockedValue({ $0 }), shared.key == key { return shared }
        var bytes = ByteBuffer()
        bytes.reserveCapacity(entries.reduce(0) { $0 + $1.sizeBytes + 16 })
        for entry in entries {
            var head = ByteWriter(reservingCapacity: 32)
            let command = ConsensusEncoding.writeHead(of: entry, to: &head)
            bytes.writeBytes(head.bytes)
            if let command { bytes.writeBytes(command) }
        }
        let shared = Shared(key: key, bytes: bytes, checksum: CRC32C.checksum(bytes.readableBytesView))
        last.withLockedValue { $0 = shared }
        return shared
    }
}
