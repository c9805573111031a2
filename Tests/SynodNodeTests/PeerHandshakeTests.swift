import SynodCore
import Testing

@testable import SynodNode

/// The peer handshake between two ends, and each way it refuses.
struct PeerHandshakeTests {
    static let secret = Array("a cluster secret of some length".utf8)
    static let members: Set<NodeID> = [NodeID(1), NodeID(2), NodeID(3)]
    static let serverNonce = [UInt8](repeating: 0xA5, count: PeerHandshake.nonceCount)
    static let clientNonce = [UInt8](repeating: 0x5A, count: PeerHandshake.nonceCount)

    /// Runs the handshake between a node 2 connecting and node 1 accepting; returns the id the
    /// accepting side bound, or the refusal of the side that refused.
    static func run(
        client: PeerHandshake,
        server: PeerHandshake,
        clientID: NodeID = NodeID(2),
        expectedServer: NodeID = NodeID(1),
        tamper: (inout [UInt8]) -> Void = { _ in }
    ) -> Result<NodeID, PeerHandshake.Refusal> {
        let challenge = server.challenge(from: NodeID(1), nonce: serverNonce)
        do throws(PeerHandshake.Refusal) {
            var (response, transcript) = try client.respond(
                to: challenge[...],
                client: clientID,
                incarnation: 42,
                expectedServer: expectedServer,
                nonce: clientNonce
            )
            tamper(&response)
            let (bound, incarnation, proof) = try server.acceptResponse(
                response[...],
                server: NodeID(1),
                serverNonce: serverNonce,
                members: members
            )
            guard incarnation == 42 else { return .failure(PeerHandshake.Refusal("incarnation \(incarnation)")) }
            try client.verifyProof(proof[...], transcript: transcript)
            return .success(bound)
        } catch {
            return .failure(error)
        }
    }

    @Test func bothEndsWithTheSecretBindTheConnectionToTheConnectingNode() throws {
        let handshake = PeerHandshake(secret: Self.secret, clusterID: 7)
        #expect(try Self.run(client: handshake, server: handshake).get() == NodeID(2))
        let open = PeerHandshake(secret: nil, clusterID: 7)
        #expect(try Self.run(client: open, server: open).get() == NodeID(2))
    }

    @Test func aWrongOrMissingSecretIsRefused() {
        let server = PeerHandshake(secret: Self.secret, clusterID: 7)
        let wrong = PeerHandshake(secret: Array("another secret of some length".utf8), clusterID: 7)
        #expect(throws: PeerHandshake.Refusal.self) { try Self.run(client: wrong, server: server).get() }
        #expect(throws: PeerHandshake.Refusal.self) {
            try Self.run(client: PeerHandshake(secret: nil, clusterID: 7), server: server).get()
        }
        // The connecting side refuses an accepting node without the secret (its proof is zeros).
        #expect(throws: PeerHandshake.Refusal.self) {
            try Self.run(client: server, server: PeerHandshake(secret: nil, clusterID: 7)).get()
        }
    }

    @Test func aPeerOfAnotherClusterIsRefusedByEitherEnd() {
        let ours = PeerHandshake(secret: Self.secret, clusterID: 7)
        let theirs = PeerHandshake(secret: Self.secret, clusterID: 8)
        #expect(throws: PeerHandshake.Refusal.self) { try Self.run(client: theirs, server: ours).get() }
        #expect(throws: PeerHandshake.Refusal.self) { try Self.run(client: ours, server: theirs).get() }
        let open = PeerHandshake(secret: nil, clusterID: 7)
        #expect(throws: PeerHandshake.Refusal.self) {
            try Self.run(client: PeerHandshake(secret: nil, clusterID: 9), server: open).get()
        }
    }

    @Test func aFlippedBitAnywhereInTheResponseIsRefused() {
        let handshake = PeerHandshake(secret: Self.secret, clusterID: 7)
        for position in 0..<PeerHandshake.responseCount {
            let result = Self.run(client: handshake, server: handshake) { $0[position] ^= 0x01 }
            #expect(throws: PeerHandshake.Refusal.self, "bit flipped at \(position)") { try result.get() }
        }
    }

    @Test func idsMustBeAnotherMemberAndTheRightServer() {
        let handshake = PeerHandshake(secret: Self.secret, clusterID: 7)
        for client in [NodeID(1), NodeID(4), NodeID(.max)] {
            #expect(throws: PeerHandshake.Refusal.self) {
                try Self.run(client: handshake, server: handshake, clientID: client).get()
            }
        }
        #expect(throws: PeerHandshake.Refusal.self) {
            try Self.run(client: handshake, server: handshake, expectedServer: NodeID(3)).get()
        }
    }

    @Test func messagesOfTheWrongSizeOrKindAreRefused() {
        let handshake = PeerHandshake(secret: Self.secret, clusterID: 7)
        let challenge = handshake.challenge(from: NodeID(1), nonce: Self.serverNonce)
        for bytes in [[], Array(challenge.dropLast()), challenge + [0], Array("GET / HTTP/1.1\r\n".utf8)] {
            #expect(throws: PeerHandshake.Refusal.self) {
                _ = try handshake.respond(
                    to: bytes[...],
                    client: NodeID(2),
                    incarnation: 1,
                    expectedServer: NodeID(1),
                    nonce: Self.clientNonce
                )
            }
        }
        // A challenge where a response is due.
        var padded = challenge
        padded += [UInt8](repeating: 0, count: PeerHandshake.responseCount - challenge.count)
        #expect(throws: PeerHandshake.Refusal.self) {
            _ = try handshake.acceptResponse(
                padded[...],
                server: NodeID(1),
                serverNonce: Self.serverNonce,
                members: Self.members
            )
        }
    }
}
