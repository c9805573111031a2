import NIOCore
import NIOSSL
import SynodCore

/// Mutual TLS between peers (`--peer-tls-cert-file`, `--peer-tls-key-file`,
/// `--peer-tls-ca-file`): both ends of every peer connection present a certificate signed by
/// the cluster's CA, and each certificate names its node (`PeerCertificateName`).
///
/// TLS only proves that the other end holds a certificate of the cluster's CA; which node it
/// is comes from the name in that certificate, which `PeerHandshake` compares with the id the
/// node claims. The hostname a node dials is not checked: peers are addressed by id, and the
/// id is what the certificate proves.
public struct PeerTLS: Sendable {
    /// Accepting side: requires and verifies the connecting node's certificate.
    let serverContext: NIOSSLContext
    /// Connecting side: presents this node's certificate and verifies the accepting node's.
    let clientContext: NIOSSLContext

    /// Reads the files the options name; nil when peer TLS is off (no option given), a failure
    /// naming the option or file when they cannot work, or when this node's own certificate
    /// does not name `nodeID`.
    public static func load(
        certificateFile: String?,
        keyFile: String?,
        certificateAuthorityFile: String?,
        nodeID: NodeID
    ) throws(TLSFiles.Failure) -> PeerTLS? {
        guard let certificateFile, let keyFile, let certificateAuthorityFile else {
            guard certificateFile == nil, keyFile == nil, certificateAuthorityFile == nil else {
                throw TLSFiles.Failure(
                    "peer TLS needs all of --peer-tls-cert-file, --peer-tls-key-file and --peer-tls-ca-file"
                )
            }
            return nil
        }
        let chain = try TLSFiles.certificates(at: certificateFile, option: "--peer-tls-cert-file")
        try checkNames(chain[0], nodeID: nodeID, file: certificateFile)
        let key = try TLSFiles.privateKey(at: keyFile, option: "--peer-tls-key-file")
        let roots = try TLSFiles.certificates(at: certificateAuthorityFile, option: "--peer-tls-ca-file")

        var server = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain.map { .certificate($0) }
        client.privateKey = .privateKey(key)
        server.trustRoots = .certificates(roots)
        server.certificateVerification = .noHostnameVerification
        client.trustRoots = .certificates(roots)
        client.certificateVerification = .noHostnameVerification
        // Both ends are Synod nodes: nothing older than TLS 1.3 needs to be spoken.
        server.minimumTLSVersion = .tlsv13
        client.minimumTLSVersion = .tlsv13
        return PeerTLS(
            serverContext: try TLSFiles.context(
                server,
                certificateOption: "--peer-tls-cert-file",
                keyOption: "--peer-tls-key-file"
            ),
            clientContext: try TLSFiles.context(
                client,
                certificateOption: "--peer-tls-cert-file",
                keyOption: "--peer-tls-key-file"
            )
        )
    }

    /// A node must present a certificate for itself; catching a swapped file at startup is
    /// kinder than every peer refusing it.
    private static func checkNames(
        _ certificate: NIOSSLCertificate,
        nodeID: NodeID,
        file: String
    ) throws(TLSFiles.Failure) {
        let named: NodeID
        do {
            named = try PeerCertificateName.node(of: certificate)
        } catch {
            throw TLSFiles.Failure("--peer-tls-cert-file \(file): \(error.description)")
        }
        guard named == nodeID else {
            throw TLSFiles.Failure(
                "--peer-tls-cert-file \(file) names node \(named.rawValue), not this node (\(nodeID.rawValue))"
            )
        }
    }

    /// The handlers an accepted peer connection starts with, in front of its `PeerInboundHandler`.
    func makeServerHandlers(timeout: TimeAmount, failed: @escaping (String, SocketAddress?) -> Void) -> [ChannelHandler]
    {
        [NIOSSLServerHandler(context: serverContext), TLSHandshakeGate(timeout: timeout, failed: failed)]
    }

    /// The handler an outgoing peer connection starts with; the accepting node's name is
    /// checked by the handshake, not here.
    func makeClientHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: clientContext, serverHostname: nil)
    }
}
