import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOTLS
import Testing

@testable import SynodNode

/// The gate behind a TLS handler: the handler behind it starts only once the handshake is
/// done, so what it writes first (protected mode's denial, the peer challenge) is sent, not
/// torn; a handshake that fails or stalls closes the connection and is reported.
struct TLSHandshakeGateTests {
    /// Stands for `RESPConnectionHandler`: writes a greeting as soon as it is active, and
    /// records what it sees.
    final class GreetingHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var events: [String] = []

        func channelActive(context: ChannelHandlerContext) {
            events.append("active")
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "-DENIED\r\n")), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) { events.append("inactive") }
    }

    static let timeout = TimeAmount.seconds(10)

    static func makeChannel() throws -> (EmbeddedChannel, GreetingHandler, NIOLockedValueBox<[String]>) {
        let failures = NIOLockedValueBox<[String]>([])
        let greeting = GreetingHandler()
        let gate = TLSHandshakeGate(timeout: timeout) { reason, _ in failures.withLockedValue { $0.append(reason) } }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([gate, greeting])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return (channel, greeting, failures)
    }

    @Test func theHandlerBehindStartsWhenTheHandshakeCompletes() throws {
        let (channel, greeting, failures) = try Self.makeChannel()
        #expect(greeting.events.isEmpty)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(greeting.events == ["active"])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "-DENIED\r\n"))
        // The deadline no longer applies.
        channel.embeddedEventLoop.advanceTime(by: Self.timeout * 2)
        #expect(channel.isActive)
        _ = try channel.finish()
        #expect(greeting.events == ["active", "inactive"])
        #expect(failures.withLockedValue { $0 }.isEmpty)
    }

    @Test func aFailedHandshakeIsReportedAndClosedUnseenByTheHandlerBehind() throws {
        let (channel, greeting, failures) = try Self.makeChannel()
        channel.pipeline.fireErrorCaught(ChannelError.ioOnClosedChannel)
        #expect(!channel.isActive)
        #expect(greeting.events.isEmpty)
        #expect(failures.withLockedValue { $0 }.count == 1)
        #expect(failures.withLockedValue { $0 }.first?.hasPrefix("TLS handshake failed: ") == true)
    }

    @Test func aStalledHandshakeIsClosedAtTheDeadline() throws {
        let (channel, greeting, failures) = try Self.makeChannel()
        channel.embeddedEventLoop.advanceTime(by: Self.timeout - .milliseconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(greeting.events.isEmpty)
        #expect(failures.withLockedValue { $0 } == ["no TLS handshake within \(Self.timeout)"])
    }

    @Test func aClientThatLeavesDuringTheHandshakeIsNotReported() throws {
        let (channel, greeting, failures) = try Self.makeChannel()
        _ = try channel.finish()
        #expect(greeting.events.isEmpty)
        #expect(failures.withLockedValue { $0 }.isEmpty)
    }
}
