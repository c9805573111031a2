import Logging
import NIOCore
import NIOSSL

/// TLS on the client port, as Redis users know it: `--tls-cert-file` and `--tls-key-file`
/// make the port speak TLS only, and `--tls-ca-cert-file` makes every client present a
/// certificate signed by that CA (Redis's `tls-auth-clients yes`).
///
/// A plaintext client on a TLS port fails the handshake and is disconnected. What runs behind
/// TLS is unchanged: protected mode and the cross-protocol check see the same remote address
/// and the same decrypted bytes as on a plaintext port.
public struct ClientTLS: Sendable {
    /// The server side's context: this node's certificate and key, and the CA client
    /// certificates must chain to, if any.
    let context: NIOSSLContext
    /// Clients must present a certificate signed by `--tls-ca-cert-file`.
    public let requiresClientCertificates: Bool

    /// For the startup log: "on", or "on, client certificates required".
    var mode: String { requiresClientCertificates ? "on, client certificates required" : "on" }

    /// How long a client has to finish the TLS handshake before it is disconnected.
    static let handshakeTimeout = TimeAmount.seconds(10)

    /// Reads the files the options name; nil when TLS is off (no option given), a failure
    /// naming the option or file when they cannot work together.
    public static func load(
        certificateFile: String?,
        keyFile: String?,
        clientCertificateAuthorityFile: String?
    ) throws(TLSFiles.Failure) -> ClientTLS? {
        switch (certificateFile, keyFile) {
        case (nil, nil):
            guard clientCertificateAuthorityFile == nil else {
                throw TLSFiles.Failure("--tls-ca-cert-file needs --tls-cert-file and --tls-key-file")
            }
            return nil
        case (.some, nil):
            throw TLSFiles.Failure("--tls-cert-file needs --tls-key-file")
        case (nil, .some):
            throw TLSFiles.Failure("--tls-key-file needs --tls-cert-file")
        case (.some(let certificateFile), .some(let keyFile)):
            let chain = try TLSFiles.certificates(at: certificateFile, option: "--tls-cert-file")
            let key = try TLSFiles.privateKey(at: keyFile, option: "--tls-key-file")
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
            if let clientCertificateAuthorityFile {
                let roots = try TLSFiles.certificates(
                    at: clientCertificateAuthorityFile,
                    option: "--tls-ca-cert-file"
                )
                configuration.trustRoots = .certificates(roots)
                configuration.certificateVerification = .noHostnameVerification
            }
            let context = try TLSFiles.context(
                configuration,
                certificateOption: "--tls-cert-file",
                keyOption: "--tls-key-file"
            )
            return ClientTLS(context: context, requiresClientCertificates: clientCertificateAuthorityFile != nil)
        }
    }

    /// The handlers a client connection starts with, in front of its `RESPConnectionHandler`.
    /// A failed handshake (a plaintext client, an unknown certificate) is the client's problem,
    /// not the node's: it is logged at debug level only.
    func makeHandlers(logger: Logger) -> [ChannelHandler] {
        let gate = TLSHandshakeGate(timeout: Self.handshakeTimeout) { reason, remote in
            logger.debug(
                "client TLS handshake failed",
                metadata: ["reason": "\(reason)", "client.address": "\(ClientContext.describe(remote))"]
            )
        }
        return [NIOSSLServerHandler(context: context), gate]
    }
}
