import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SynodCore
import SynodPeerProtocol
import SynodTestSupport
import Testing

@testable import SynodNode

/// Peer mutual TLS on real sockets, in one process: node 1's `PeerTransport` server, and
/// connecting peers the test builds from the transport's own pieces, some of them lying.
@Suite(.serialized)
struct PeerTLSTransportTests {
    static let members: Set<NodeID> = [NodeID(1), NodeID(2), NodeID(3)]

    /// Node 1 accepting peer connections with mutual TLS, and the reasons it refused some.
    final class AcceptingNode: Sendable {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory: String
        let port: Int
        let transport: PeerTransport
        let server: Channel
        let refusals = NIOLockedValueBox<[String]>([])
        let clusterID: UInt64

        /// The transport's notices are expected here; failures show in the refusals.
        static let quietLogger: Logger = {
            var logger = Logger(label: "synod.test")
            logger.logLevel = .error
            return logger
        }()

        init(tls: PeerTLS) async throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent("synod-peer-tls-\(UUID().uuidString)")
                .path
            port = try freeLoopbackPort()
            var addresses = Dictionary(uniqueKeysWithValues: members.map { ($0, HostPort(host: "127.0.0.1", port: 1)) })
            addresses[NodeID(1)] = HostPort(host: "127.0.0.1", port: port)
            let identity = try NodeIdentity(directory: directory, initialCluster: addresses)
            clusterID = identity.clusterID
            let refusals = self.refusals
            transport = PeerTransport(
                group: group,
                nodeID: NodeID(1),
                addresses: addresses,
                clusterSecret: nil,
                identity: identity,
                announcement: PeerFrame.encodeAnnouncement(from: NodeID(1), clientAddress: Array("127.0.0.1:1".utf8)),
                tls: tls,
                logger: Self.quietLogger,
                refused: { reason, _ in refusals.withLockedValue { $0.append(reason) } },
                deliver: { _ in }
            )
            server = try await transport.startServer(at: HostPort(host: "127.0.0.1", port: port))
        }

        /// Waits until a refusal containing `text` was counted.
        func refused(containing text: String) async -> Bool {
            await waitUntil(timeout: .seconds(20)) { refusals.withLockedValue { $0.contains { $0.contains(text) } } }
        }

        /// Runs `body` with node 1 accepting, and stops it however `body` ends.
        static func with(tls: PeerTLS, _ body: (AcceptingNode) async throws -> Void) async throws {
            let node = try await AcceptingNode(tls: tls)
            do {
                try await body(node)
            } catch {
                try await node.stop()
                throw error
            }
            try await node.stop()
        }

        func stop() async throws {
            try await server.close()
            try await transport.close()
            try await group.shutdownGracefully()
            try? FileManager.default.removeItem(atPath: directory)  // Best effort: /tmp is cleaned anyway.
        }
    }

    /// Connects to `port` as a peer would (TLS with `tls`, then the handshake claiming
    /// `client`); returns whether node 1 proved itself and accepted, or why not.
    static func connect(
        to port: Int,
        tls: PeerTLS?,
        claiming client: NodeID,
        clusterID: UInt64
    ) async throws -> Result<Void, Error> {
        // The handshake handler is in place before the connection is: the challenge may
        // arrive as soon as TLS completes.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let proved = loop.makePromise(of: Void.self)
        let handshake = PeerHandshake(secret: nil, clusterID: clusterID, certificatesNameNodes: tls != nil)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.makeClientHandler()) }
                    let handler = PeerOutboundHandshakeHandler(
                        handshake: handshake,
                        client: client,
                        incarnation: 1,
                        server: NodeID(1),
                        proved: proved
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        loop.scheduleTask(in: .seconds(20)) { proved.fail(PeerHandshake.Refusal("no proof in time")) }
        let result: Result<Void, Error>
        do {
            try await proved.futureResult.get()
            result = .success(())
        } catch {
            result = .failure(error)
        }
        try? await channel.close()  // Node 1 may have closed it already.
        return result
    }

    static func peerTLS(_ identity: TestTLSFiles.Identity, trusting files: TestTLSFiles, node: UInt64) throws -> PeerTLS
    {
        try #require(
            try PeerTLS.load(
                certificateFile: identity.certificatePath,
                keyFile: identity.keyPath,
                certificateAuthorityFile: files.authorityPath,
                nodeID: NodeID(node)
            )
        )
    }

    @Test func aPeerWithItsOwnCertificateIsAcceptedAndOneClaimingAnotherNodeIsRefused() async throws {
        let files = try TestTLSFiles(authorityName: "Synod cluster CA")
        defer { files.remove() }
        let node2 = try Self.peerTLS(try files.issuePeer(node: 2), trusting: files, node: 2)
        try await AcceptingNode.with(tls: try Self.peerTLS(try files.issuePeer(node: 1), trusting: files, node: 1)) {
            node in
            let honest = try await Self.connect(
                to: node.port,
                tls: node2,
                claiming: NodeID(2),
                clusterID: node.clusterID
            )
            #expect(throws: Never.self) { try honest.get() }

            let lying = try await Self.connect(
                to: node.port,
                tls: node2,
                claiming: NodeID(3),
                clusterID: node.clusterID
            )
            #expect(throws: (any Error).self) { try lying.get() }
            #expect(await node.refused(containing: "a peer claims node 3 but its certificate names node 2"))
        }
    }

    @Test func aPeerWithACertificateFromAnotherCAIsRefused() async throws {
        let files = try TestTLSFiles(authorityName: "Synod cluster CA")
        let rogue = try TestTLSFiles(authorityName: "Another CA")
        defer {
            files.remove()
            rogue.remove()
        }
        // A stranger that trusts the cluster's CA but whose own certificate is not from it.
        let stranger = try Self.peerTLS(try rogue.issuePeer(node: 2), trusting: files, node: 2)
        try await AcceptingNode.with(tls: try Self.peerTLS(try files.issuePeer(node: 1), trusting: files, node: 1)) {
            node in
            let result = try await Self.connect(
                to: node.port,
                tls: stranger,
                claiming: NodeID(2),
                clusterID: node.clusterID
            )
            #expect(throws: (any Error).self) { try result.get() }
            #expect(await node.refused(containing: "TLS handshake failed"))

            // And a peer without TLS at all.
            let plain = try await Self.connect(to: node.port, tls: nil, claiming: NodeID(2), clusterID: node.clusterID)
            #expect(throws: (any Error).self) { try plain.get() }
        }
    }

    @Test func aNodeRefusesToJoinAnAcceptingNodeFromAnotherCA() async throws {
        let files = try TestTLSFiles(authorityName: "Synod cluster CA")
        let rogue = try TestTLSFiles(authorityName: "Another CA")
        defer {
            files.remove()
            rogue.remove()
        }
        // An impostor at node 1's address, with a node 1 certificate from another CA.
        let node2 = try Self.peerTLS(try files.issuePeer(node: 2), trusting: files, node: 2)
        try await AcceptingNode.with(tls: try Self.peerTLS(try rogue.issuePeer(node: 1), trusting: files, node: 1)) {
            impostor in
            let result = try await Self.connect(
                to: impostor.port,
                tls: node2,
                claiming: NodeID(2),
                clusterID: impostor.clusterID
            )
            #expect(throws: (any Error).self) { try result.get() }
        }
    }

    @Test func anAcceptingNodeWhoseCertificateNamesAnotherNodeIsRefused() async throws {
        let files = try TestTLSFiles(authorityName: "Synod cluster CA")
        defer { files.remove() }
        // Node 3's certificate serving at node 1's address: the connecting side expects node 1.
        let node3 = try files.issuePeer(node: 3)
        let node2 = try Self.peerTLS(try files.issuePeer(node: 2), trusting: files, node: 2)
        try await AcceptingNode.with(tls: try Self.peerTLS(node3, trusting: files, node: 3)) { impostor in
            let result = try await Self.connect(
                to: impostor.port,
                tls: node2,
                claiming: NodeID(2),
                clusterID: impostor.clusterID
            )
            #expect(
                "\(result.failure.map { "\($0)" } ?? "accepted")"
                    == "a peer claims node 1 but its certificate names node 3"
            )
        }
    }
}
