import NIOCore
import NIOPosix
import NIOSSL

/// A RESP client over TLS for tests, built on NIOSSL: trusts one CA, and presents a client
/// certificate when given one.
///
/// Used through `with(port:...)`, which closes the connection when the body returns. A
/// connection lives at most `lifetime`, so a server that never answers fails the test
/// instead of hanging it.
public final class TLSRESPConnection {
    public static let lifetime = TimeAmount.seconds(30)

    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var parser = RESPReplyParser()

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Connects to 127.0.0.1:`port` over TLS, verifying the server against `authorityPEM`
    /// (and its name against `localhost`), runs `body`, and closes the connection.
    public static func with<Result>(
        port: Int,
        authorityPEM: String,
        clientCertificate: IssuedCertificate? = nil,
        _ body: (TLSRESPConnection) async throws -> Result
    ) async throws -> Result {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(authorityPEM.utf8)))
        if let clientCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(
                Array(clientCertificate.certificatePEM.utf8)
            ).map { .certificate($0) }
            configuration.privateKey = .privateKey(
                try NIOSSLPrivateKey(bytes: Array(clientCertificate.keyPEM.utf8), format: .pem)
            )
        }
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost")
                    )
                    channel.eventLoop.scheduleTask(in: Self.lifetime) { channel.close(promise: nil) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(TLSRESPConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound))
        }
    }

    /// Sends one command and reads its reply; throws if the connection fails or closes first
    /// (a TLS alert from a server that refused this client, for one).
    public func command(_ words: [String]) async throws -> RESPReply {
        var request = Array("*\(words.count)\r\n".utf8)
        for word in words.map({ Array($0.utf8) }) { request += Array("$\(word.count)\r\n".utf8) + word + [13, 10] }
        try await outbound.write(ByteBuffer(bytes: request))
        while true {
            if let reply = try parser.next() { return reply }
            guard let chunk = try await inbound.next() else {
                throw RESPProtocolError(description: "connection closed by peer")
            }
            parser.append(chunk.readableBytesView)
        }
    }
}
