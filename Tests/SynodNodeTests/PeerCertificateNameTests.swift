import NIOSSL
import SynodCore
import SynodTestSupport
import Testing

@testable import SynodNode

/// The naming convention of peer certificates (`node-<id>.synod`), and the handshake's check
/// that the id a peer claims is the one its certificate names.
struct PeerCertificateNameTests {
    @Test(arguments: [
        ("node-1.synod", UInt64(1)), ("node-42.synod", 42), ("node-18446744073709551615.synod", .max),
    ])
    func aNodeNameGivesItsID(name: String, id: UInt64) {
        #expect(PeerCertificateName.node(fromDNSName: name) == NodeID(id))
        #expect(PeerCertificateName.dnsName(of: NodeID(id)) == name)
    }

    @Test(arguments: [
        "node-0.synod", "node-01.synod", "node-.synod", "node--1.synod", "node-+1.synod", "node-1.synod.example",
        "xnode-1.synod", "node-1x.synod", "node-18446744073709551616.synod", "node-١.synod", "localhost", "",
    ])
    func anyOtherNameGivesNone(name: String) {
        #expect(PeerCertificateName.node(fromDNSName: name) == nil)
    }

    static func certificate(dnsNames: [String]) throws -> NIOSSLCertificate {
        let issued = try TestCertificateAuthority(name: "Synod name test CA").issue(commonName: "x", dnsNames: dnsNames)
        return try NIOSSLCertificate(bytes: Array(issued.certificatePEM.utf8), format: .pem)
    }

    @Test func aCertificateNamesExactlyOneNode() throws {
        #expect(
            try PeerCertificateName.node(of: Self.certificate(dnsNames: ["node-3.synod", "localhost"])) == NodeID(3)
        )
        // The same node named twice is still one node.
        #expect(
            try PeerCertificateName.node(of: Self.certificate(dnsNames: ["node-3.synod", "node-3.synod"])) == NodeID(3)
        )
        for names in [[], ["localhost"], ["node-2.synod", "node-3.synod"]] {
            let certificate = try Self.certificate(dnsNames: names)
            #expect(throws: PeerHandshake.Refusal.self, "\(names)") { try PeerCertificateName.node(of: certificate) }
        }
    }

    @Test func mutualTLSRemovesTheLoopbackRuleButNotTheHandshake() {
        #expect(PeerHandshake(secret: nil, clusterID: 7).requiresLoopback)
        #expect(!PeerHandshake(secret: nil, clusterID: 7, certificatesNameNodes: true).requiresLoopback)
        #expect(
            !PeerHandshake(secret: PeerHandshakeTests.secret, clusterID: 7, certificatesNameNodes: true)
                .requiresLoopback
        )
    }

    /// Node 2 connects to node 1; the certificates name `clientCertified` and `serverCertified`.
    static func run(
        _ handshake: PeerHandshake,
        clientCertified: NodeID?,
        serverCertified: NodeID?
    ) -> Result<NodeID, PeerHandshake.Refusal> {
        let server = handshake
        let challenge = server.challenge(from: NodeID(1), nonce: PeerHandshakeTests.serverNonce)
        do throws(PeerHandshake.Refusal) {
            let (response, transcript) = try handshake.respond(
                to: challenge[...],
                client: NodeID(2),
                incarnation: 42,
                expectedServer: NodeID(1),
                nonce: PeerHandshakeTests.clientNonce,
                certifiedServer: serverCertified
            )
            let (bound, _, proof) = try server.acceptResponse(
                response[...],
                server: NodeID(1),
                serverNonce: PeerHandshakeTests.serverNonce,
                members: PeerHandshakeTests.members,
                certifiedClient: clientCertified
            )
            try handshake.verifyProof(proof[...], transcript: transcript)
            return .success(bound)
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [nil, PeerHandshakeTests.secret])
    func theClaimedIDMustBeTheCertifiedOne(secret: [UInt8]?) throws {
        let handshake = PeerHandshake(secret: secret, clusterID: 7, certificatesNameNodes: true)
        #expect(try Self.run(handshake, clientCertified: NodeID(2), serverCertified: NodeID(1)).get() == NodeID(2))
        for (client, server) in [(NodeID(3), NodeID(1)), (nil, NodeID(1)), (NodeID(2), NodeID(3)), (NodeID(2), nil)] {
            let result = Self.run(handshake, clientCertified: client, serverCertified: server)
            #expect(throws: PeerHandshake.Refusal.self, "\(String(describing: client)) \(String(describing: server))") {
                try result.get()
            }
        }
        let refusal = Self.run(handshake, clientCertified: NodeID(3), serverCertified: NodeID(1))
        #expect(refusal.failure?.description == "a peer claims node 2 but its certificate names node 3")
    }

    @Test func withoutMutualTLSCertificatesAreNotConsulted() throws {
        let handshake = PeerHandshake(secret: PeerHandshakeTests.secret, clusterID: 7)
        #expect(try Self.run(handshake, clientCertified: nil, serverCertified: nil).get() == NodeID(2))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
