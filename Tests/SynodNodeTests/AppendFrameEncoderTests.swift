import NIOCore
import SynodConsensus
import SynodCore
import SynodPeerProtocol
import SynodRaft
import Testing

@testable import SynodNode

/// A big append's entries are encoded and checksummed once for all the followers they go to,
/// and each follower's frame is, byte for byte, what `PeerFrame.encode` gives.
struct AppendFrameEncoderTests {
    static func append(to follower: UInt64, entries: [LogEntry], commit: UInt64) -> RaftMessage {
        RaftMessage(
            from: NodeID(1),
            to: NodeID(follower),
            term: Term(4),
            body: .append(
                previousIndex: LogIndex(6),
                previousTerm: Term(3),
                entries: entries,
                commit: LogIndex(commit)
            )
        )
    }

    static func joined(_ parts: [ByteBuffer]) -> [UInt8] {
        parts.flatMap { Array($0.readableBytesView) }
    }

    static let bigEntries = [
        LogEntry(term: Term(4), index: LogIndex(7), payload: .noop),
        LogEntry(term: Term(4), index: LogIndex(8), payload: .command([UInt8](repeating: 7, count: 300_000))),
        LogEntry(term: Term(4), index: LogIndex(9), payload: .configurationChange(.addLearner(NodeID(5)))),
        LogEntry(term: Term(4), index: LogIndex(10), payload: .command([1, 2, 3])),
    ]

    @Test func followersShareABigAppendsEntriesAndGetTheSameBytesAsOneFrame() throws {
        let encoder = AppendFrameEncoder()
        let group = GroupID(3)
        let toTwo = Self.append(to: 2, entries: Self.bigEntries, commit: 6)
        let toThree = Self.append(to: 3, entries: Self.bigEntries, commit: 5)
        let framesToTwo = encoder.frame(of: toTwo, group: group)
        let framesToThree = encoder.frame(of: toThree, group: group)
        #expect(Self.joined(framesToTwo) == PeerFrame.encode(toTwo, group: group))
        #expect(Self.joined(framesToThree) == PeerFrame.encode(toThree, group: group))
        #expect(framesToTwo.count == 3 && framesToThree.count == 3)
        let sharedStorage = framesToTwo[1].withUnsafeReadableBytes { two in
            framesToThree[1].withUnsafeReadableBytes { three in two.baseAddress == three.baseAddress }
        }
        #expect(sharedStorage, "the entries are encoded once for both followers")
        // And the receiver decodes it.
        var decoder = PeerFrameDecoder()
        decoder.append(Self.joined(framesToThree))
        #expect(decoder.next() == .message(group: group, toThree))
    }

    @Test func otherEntriesAreEncodedAfresh() {
        let encoder = AppendFrameEncoder()
        let group = GroupID(1)
        let first = Self.append(to: 2, entries: Self.bigEntries, commit: 6)
        let later = Array(Self.bigEntries.dropFirst())
        let second = Self.append(to: 3, entries: later, commit: 6)
        _ = encoder.frame(of: first, group: group)
        #expect(Self.joined(encoder.frame(of: second, group: group)) == PeerFrame.encode(second, group: group))
        let otherGroup = encoder.frame(of: first, group: GroupID(2))
        #expect(Self.joined(otherGroup) == PeerFrame.encode(first, group: GroupID(2)))
    }

    @Test func smallMessagesAreOneFrameAsBefore() {
        let encoder = AppendFrameEncoder()
        let small = Self.append(
            to: 2,
            entries: [LogEntry(term: Term(4), index: LogIndex(7), payload: .noop)],
            commit: 6
        )
        let heartbeat = RaftMessage(
            from: NodeID(1),
            to: NodeID(2),
            term: Term(4),
            body: .heartbeat(commit: LogIndex(6), leaderTick: 9, readRound: nil)
        )
        for message in [small, heartbeat] {
            let parts = encoder.frame(of: message, group: GroupID(1))
            #expect(parts.count == 1)
            #expect(Self.joined(parts) == PeerFrame.encode(message, group: GroupID(1)))
        }
    }
}
