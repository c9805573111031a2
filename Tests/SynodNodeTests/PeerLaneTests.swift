import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SynodConsensus
import SynodCore
import SynodPeerProtocol
import SynodRaft
import SynodTestSupport
import Testing

@testable import SynodNode

/// The transport's two lanes: the messages that keep a leader in place never wait on a TCP
/// stream behind a big append.
@Suite(.serialized)
struct PeerLaneTests {
    static func message(_ body: RaftMessage.Body) -> RaftMessage {
        RaftMessage(from: NodeID(1), to: NodeID(2), term: Term(1), body: body)
    }

    static func append(entryBytes: Int) -> RaftMessage {
        let entry = LogEntry(
            term: Term(1),
            index: LogIndex(1),
            payload: .command([UInt8](repeating: 7, count: entryBytes))
        )
        return message(.append(previousIndex: .zero, previousTerm: .zero, entries: [entry], commit: .zero))
    }

    static func heartbeat(readRound: UInt64) -> RaftMessage {
        message(.heartbeat(commit: .zero, leaderTick: 1, readRound: readRound))
    }

    @Test func dataGoesOnItsOwnLaneAndEverythingElseOnTheControlLane() {
        #expect(PeerLane(of: Self.append(entryBytes: 10)) == .data)
        #expect(
            PeerLane(
                of: Self.message(.append(previousIndex: .zero, previousTerm: .zero, entries: [], commit: .zero))
            ) == .control
        )
        #expect(PeerLane(of: Self.heartbeat(readRound: 1)) == .control)
        #expect(
            PeerLane(of: Self.message(.vote(lastIndex: .zero, lastTerm: .zero, leadershipTransfer: false)))
                == .control
        )
        #expect(PeerLane(of: Self.message(.appendResponse(.accepted(matchIndex: .zero)))) == .control)
        let chunk = SnapshotChunk(
            index: LogIndex(1),
            term: Term(1),
            membership: Membership(voters: [NodeID(1)]),
            offset: 0,
            data: [1],
            isLast: true
        )
        #expect(PeerLane(of: Self.message(.snapshotChunk(chunk))) == .data)
    }

    /// A forwarded request's result goes on the control lane when small (a GET through a
    /// follower need not wait behind an append to it) and on the data lane when big (a big
    /// value read must not delay a heartbeat).
    @Test func smallResultsGoOnTheControlLaneAndBigOnesOnTheDataLane() {
        func result(valueBytes: Int) -> [UInt8] {
            NodeDriver.outcomeFrame(
                .answered(.value([UInt8](repeating: 7, count: valueBytes))),
                from: NodeID(1),
                requestID: 9,
                group: GroupID(0)
            )
        }
        #expect(PeerLane(ofResultBytes: result(valueBytes: 100).count) == .control)
        #expect(PeerLane(ofResultBytes: result(valueBytes: 15 << 10).count) == .control)
        #expect(PeerLane(ofResultBytes: result(valueBytes: 17 << 10).count) == .data)
        #expect(PeerLane(ofResultBytes: result(valueBytes: 20 << 20).count) == .data)
    }

    /// Node 1 sends node 2 a heartbeat, an append of 24 MB, then another heartbeat: the second
    /// heartbeat is delivered before the append, which on one connection it could not be.
    @Test func aHeartbeatSentAfterABigAppendArrivesBeforeIt() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var logger = Logger(label: "synod.test")
        logger.logLevel = .error
        let ports = [try freeLoopbackPort(), try freeLoopbackPort()]
        let addresses = [
            NodeID(1): HostPort(host: "127.0.0.1", port: ports[0]),
            NodeID(2): HostPort(host: "127.0.0.1", port: ports[1]),
        ]
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("synod-lanes-\(UUID().uuidString)")
            .path
        let delivered = NIOLockedValueBox<[String]>([])
        func transport(
            _ node: NodeID,
            deliver: @escaping @Sendable (PeerFrameDecoder.Output) -> Void
        ) throws -> PeerTransport {
            PeerTransport(
                group: group,
                nodeID: node,
                addresses: addresses,
                clusterSecret: nil,
                identity: try NodeIdentity(directory: "\(base)/\(node.rawValue)", initialCluster: addresses),
                announcement: PeerFrame.encodeAnnouncement(from: node, clientAddress: Array("127.0.0.1:1".utf8)),
                logger: logger,
                refused: { _, _ in },
                deliver: deliver
            )
        }
        let sender = try transport(NodeID(1)) { _ in }
        let receiver = try transport(NodeID(2)) { output in
            guard case .message(_, let message) = output else { return }
            let name: String =
                switch message.body {
                case .append(_, _, let entries, _): "append \(entries.first?.sizeBytes ?? 0)"
                case .heartbeat(_, _, let readRound): "heartbeat \(readRound ?? 0)"
                default: "other"
                }
            delivered.withLockedValue { $0.append(name) }
        }
        let server = try await receiver.startServer(at: addresses[NodeID(2)]!)
        defer { try? FileManager.default.removeItem(atPath: base) }  // Best effort: /tmp is cleaned anyway.
        sender.send(Self.heartbeat(readRound: 1), group: GroupID(1))
        let controlUp = await waitUntil(timeout: .seconds(20)) {
            delivered.withLockedValue { $0 == ["heartbeat 1"] }
        }
        #expect(controlUp)
        let big = Self.append(entryBytes: 24 << 20)
        sender.send(big, group: GroupID(1))
        sender.send(Self.heartbeat(readRound: 2), group: GroupID(1))
        let bothArrived = await waitUntil(timeout: .seconds(60)) { delivered.withLockedValue { $0.count == 3 } }
        #expect(bothArrived)
        #expect(
            delivered.withLockedValue { $0 } == [
                "heartbeat 1", "heartbeat 2", "append \(big.encodedByteCountHint - 256)",
            ]
        )
        try await server.close()
        try await sender.close()
        try await receiver.close()
        try await group.shutdownGracefully()
    }
}
