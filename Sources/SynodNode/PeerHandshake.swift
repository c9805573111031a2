import Crypto
import SynodCore

/// How a peer connection proves who is at each end, before any frame is trusted.
///
/// The accepting node sends a challenge (its id, its cluster's id and a fresh nonce); the
/// connecting node answers with its own id, the cluster id, the incarnation of its data
/// (`NodeIdentity`), a nonce of its own, and an HMAC-SHA256 under the cluster secret over all
/// of it; the accepting node checks it and answers with its own HMAC over the same, which the
/// connecting node checks in turn. Each end refuses a peer of another cluster. Both ends then know the other
/// holds the secret, and the accepting end has bound the connection to the connecting node's
/// id: every frame on it must come from that id. Without a secret the ids are only claimed, so
/// a node without one accepts peer connections from loopback only.
///
/// With peer mutual TLS (`PeerTLS`) the handshake runs inside the TLS connection, and each end
/// also checks that the id the other claims is the one its verified certificate names
/// (`PeerCertificateName`). The certificate then authenticates the claim, with or without a
/// secret, so loopback is no longer required; the handshake still carries the cluster id and
/// the incarnation, which no certificate does.
///
/// Every message has a fixed size, so a reader waits for exactly that many bytes and checks
/// magic, version and kind before anything else.
struct PeerHandshake: Sendable {
    static let magic: UInt32 = 0x484E_5953  // "SYNH"
    static let version: UInt8 = 3
    static let nonceCount = 32
    static let macCount = 32
    static let challengeCount = 6 + 8 + 8 + nonceCount
    static let responseCount = 6 + 8 + 8 + 8 + 8 + nonceCount + macCount
    static let proofCount = 6 + macCount

    enum Kind: UInt8 {
        case challenge = 1
        case response = 2
        case proof = 3
        /// Sent instead of the proof when the accepting node refuses a peer that proved it
        /// holds the secret, so that the refused node can log why (same size as a proof).
        case refusal = 4
    }

    /// Why an authenticated peer is refused, as a refusal message carries it.
    enum RefusalReason: UInt64 {
        /// The peer's data is not the data this node knew it by: it lost or replaced it.
        case dataLost = 1

        var explanation: String {
            switch self {
            case .dataLost:
                "this node's data directory is not the one the cluster knew (it was lost or replaced): "
                    + "it cannot rejoin as the same member; remove it and add it back as a new member"
            }
        }
    }

    /// The message that refuses a peer for `reason`.
    static func refusal(_ reason: RefusalReason) -> [UInt8] {
        var writer = header(.refusal)
        writer.write(reason.rawValue)
        writer.writeRaw([UInt8](repeating: 0, count: proofCount - 6 - 8))
        return writer.bytes
    }

    /// Whether `bytes` (a proof's worth) is a refusal, and why; nil when it is not one (or
    /// names a reason this node does not know, which the proof's check then refuses).
    static func refusalReason(in bytes: ArraySlice<UInt8>) -> RefusalReason? {
        guard bytes.count == proofCount, bytes[bytes.startIndex + 5] == Kind.refusal.rawValue,
            let fields = try? Fields(bytes, .refusal, count: proofCount)
        else { return nil }
        return RefusalReason(rawValue: fields.uint64(at: 6))
    }

    /// The cluster secret; nil for a cluster that trusts loopback.
    let key: SymmetricKey?
    /// This node's cluster (`NodeIdentity.clusterID`): a peer of another is refused.
    let clusterID: UInt64
    /// Peers use mutual TLS: the id each end claims must be the one its certificate names.
    let certificatesNameNodes: Bool

    init(secret: [UInt8]?, clusterID: UInt64, certificatesNameNodes: Bool = false) {
        key = secret.map { SymmetricKey(data: $0) }
        self.clusterID = clusterID
        self.certificatesNameNodes = certificatesNameNodes
    }

    /// Nothing proves a claimed id (no secret, no certificate): only loopback peers are trusted.
    var requiresLoopback: Bool { key == nil && !certificatesNameNodes }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - The accepting side

    func challenge(from server: NodeID, nonce: [UInt8]) -> [UInt8] {
        precondition(nonce.count == Self.nonceCount, "a nonce of \(nonce.count) bytes")
        var writer = Self.header(.challenge)
        writer.write(server.rawValue)
        writer.write(clusterID)
        writer.writeRaw(nonce)
        return writer.bytes
    }

    /// Checks the connecting node's response to `challenge`; returns its id, the incarnation
    /// of its data and the proof to send back. `certifiedClient` is the node the connecting
    /// end's TLS certificate names, when `certificatesNameNodes`.
    func acceptResponse(
        _ bytes: ArraySlice<UInt8>,
        server: NodeID,
        serverNonce: [UInt8],
        members: Set<NodeID>,
        certifiedClient: NodeID? = nil
    ) throws(Refusal) -> (client: NodeID, incarnation: UInt64, proof: [UInt8]) {
        let fields = try Fields(bytes, .response, count: Self.responseCount)
        let clientRaw = fields.uint64(at: 6)
        let addressedRaw = fields.uint64(at: 14)
        guard addressedRaw == server.rawValue else { throw Refusal("the peer addressed node \(addressedRaw)") }
        guard clientRaw != 0, clientRaw != server.rawValue, members.contains(NodeID(clientRaw)) else {
            throw Refusal("node \(clientRaw) is not another member of this cluster")
        }
        let client = NodeID(clientRaw)
        try checkCertified(certifiedClient, claimed: client)
        let clientCluster = fields.uint64(at: 22)
        let incarnation = fields.uint64(at: 30)
        let clientNonce = fields.raw(at: 38, count: Self.nonceCount)
        let mac = fields.raw(at: 38 + Self.nonceCount, count: Self.macCount)
        let transcript = transcript(serverNonce, clientNonce, client: client, server: server, incarnation: incarnation)
        if let key {
            guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: [0x43] + transcript, using: key) else {
                throw Refusal("node \(client.rawValue) does not hold the cluster secret")
            }
        }
        guard clientCluster == clusterID else {
            throw Refusal("node \(client.rawValue) belongs to another cluster (\(String(clientCluster, radix: 16)))")
        }
        var writer = Self.header(.proof)
        writer.writeRaw(authenticationCode([0x53] + transcript))
        return (client, incarnation, writer.bytes)
    }

    // MARK: - The connecting side

    /// Answers the accepting node's challenge; returns the response and what its proof must
    /// verify. `certifiedServer` is the node the accepting end's TLS certificate names, when
    /// `certificatesNameNodes`.
    func respond(
        to bytes: ArraySlice<UInt8>,
        client: NodeID,
        incarnation: UInt64,
        expectedServer: NodeID,
        nonce: [UInt8],
        certifiedServer: NodeID? = nil
    ) throws(Refusal) -> (response: [UInt8], transcript: [UInt8]) {
        precondition(nonce.count == Self.nonceCount, "a nonce of \(nonce.count) bytes")
        let fields = try Fields(bytes, .challenge, count: Self.challengeCount)
        let serverRaw = fields.uint64(at: 6)
        let serverCluster = fields.uint64(at: 14)
        let serverNonce = fields.raw(at: 22, count: Self.nonceCount)
        guard serverRaw == expectedServer.rawValue else {
            throw Refusal("node \(expectedServer.rawValue)'s address is served by node \(serverRaw)")
        }
        try checkCertified(certifiedServer, claimed: expectedServer)
        guard serverCluster == clusterID else {
            throw Refusal("node \(serverRaw) belongs to another cluster (\(String(serverCluster, radix: 16)))")
        }
        let server = expectedServer
        let transcript = transcript(serverNonce, nonce, client: client, server: server, incarnation: incarnation)
        var writer = Self.header(.response)
        writer.write(client.rawValue)
        writer.write(server.rawValue)
        writer.write(clusterID)
        writer.write(incarnation)
        writer.writeRaw(nonce)
        writer.writeRaw(authenticationCode([0x43] + transcript))
        return (writer.bytes, transcript)
    }

    /// Checks the accepting node's proof that it holds the secret too.
    func verifyProof(_ bytes: ArraySlice<UInt8>, transcript: [UInt8]) throws(Refusal) {
        let mac = try Fields(bytes, .proof, count: Self.proofCount).raw(at: 6, count: Self.macCount)
        guard let key else { return }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: [0x53] + transcript, using: key) else {
            throw Refusal("the node at this address does not hold the cluster secret")
        }
    }

    /// With mutual TLS, refuses a peer whose claimed id is not the one its certificate names.
    private func checkCertified(_ certified: NodeID?, claimed: NodeID) throws(Refusal) {
        guard certificatesNameNodes else { return }
        guard let certified else { throw Refusal("node \(claimed.rawValue) presented no certificate") }
        guard certified == claimed else {
            throw Refusal("a peer claims node \(claimed.rawValue) but its certificate names node \(certified.rawValue)")
        }
    }

    // MARK: - Encoding

    /// HMAC-SHA256 of `data` under the secret; zeros without one.
    private func authenticationCode(_ data: [UInt8]) -> [UInt8] {
        guard let key else { return [UInt8](repeating: 0, count: Self.macCount) }
        return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
    }

    /// What both MACs cover: everything either side sent.
    private func transcript(
        _ serverNonce: [UInt8],
        _ clientNonce: [UInt8],
        client: NodeID,
        server: NodeID,
        incarnation: UInt64
    ) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 128)
        writer.writeRaw(Array("synod peer handshake v2".utf8))
        writer.writeRaw(serverNonce)
        writer.writeRaw(clientNonce)
        writer.write(client.rawValue)
        writer.write(server.rawValue)
        writer.write(clusterID)
        writer.write(incarnation)
        return writer.bytes
    }

    private static func header(_ kind: Kind) -> ByteWriter {
        var writer = ByteWriter(reservingCapacity: responseCount)
        writer.write(magic)
        writer.write(version)
        writer.write(kind.rawValue)
        return writer
    }

    /// A received message checked for size, magic, version and kind; its fields by offset.
    private struct Fields {
        let bytes: [UInt8]

        init(_ bytes: ArraySlice<UInt8>, _ kind: Kind, count: Int) throws(Refusal) {
            guard bytes.count == count else { throw Refusal("a handshake message of \(bytes.count) bytes") }
            self.bytes = Array(bytes)
            guard uint32(at: 0) == PeerHandshake.magic else { throw Refusal("not a Synod peer (no handshake)") }
            guard self.bytes[4] == PeerHandshake.version else { throw Refusal("handshake version \(self.bytes[4])") }
            guard self.bytes[5] == kind.rawValue else {
                throw Refusal("handshake message \(self.bytes[5]), expected \(kind.rawValue)")
            }
        }

        func uint32(at offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }

        func uint64(at offset: Int) -> UInt64 {
            bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }

        func raw(at offset: Int, count: Int) -> [UInt8] { Array(bytes[offset..<offset + count]) }
    }
}
