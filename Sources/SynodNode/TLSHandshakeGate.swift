import NIOCore
import NIOTLS

/// Sits right behind a TLS handler and holds back `channelActive` until the TLS handshake has
/// completed, so the handler behind it starts on a connection whose other end is verified and
/// that can carry its first bytes.
///
/// Without it, a handler that answers in `channelActive` (protected mode's denial, the peer
/// handshake's challenge) would write into a handshake still in progress, and a refusal closed
/// at once would reach the client as a torn TLS connection instead of the error it explains.
/// A connection whose handshake does not finish within `timeout` is closed (a plaintext client
/// that waits for a greeting, a stalled peer), and one whose handshake fails is reported to
/// `failed` and closed. The handler behind sees neither `channelActive` nor `channelInactive`
/// for a connection that never completed its handshake.
final class TLSHandshakeGate: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum State {
        case handshaking
        case open
        case closed
    }

    var state = State.handshaking
    var deadline: Scheduled<Void>?
    let timeout: TimeAmount
    /// Told why a handshake failed (or timed out), with the remote address.
    let failed: (String, SocketAddress?) -> Void

    init(timeout: TimeAmount, failed: @escaping (String, SocketAddress?) -> Void) {
        self.timeout = timeout
        self.failed = failed
    }

    func channelActive(context: ChannelHandlerContext) {
        guard case .handshaking = state else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (gate, context) = bound.value
            gate.fail("no TLS handshake within \(gate.timeout)", context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, case .handshaking = state {
            deadline?.cancel()
            state = .open
            context.fireChannelActive()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        let wasOpen = if case .open = state { true } else { false }
        state = .closed
        if wasOpen { context.fireChannelInactive() }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard case .handshaking = state else { return context.fireErrorCaught(error) }
        fail("TLS handshake failed: \(error)", context: context)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        guard case .handshaking = state else { return }
        deadline?.cancel()
        state = .closed
        failed(reason, context.channel.remoteAddress)
        context.close(promise: nil)
    }
}
