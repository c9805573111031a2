import Logging
import NIOCore
import NIOPosix
import SynodCore
import SynodPeerProtocol
import SynodRaft

/// Raft messages between nodes over TCP: one outgoing connection per peer, made on demand,
/// re-made after a failure with a growing backoff; an incoming server whose connections are
/// decoded frame by frame. A peer that sends garbage is logged and disconnected.
///
/// Never blocks the driver: a message to a peer that is not connected waits in a bounded queue
/// and is dropped when it is full or the connection fails (Raft resends what matters).
final class PeerTransport: @unchecked Sendable {
    // @unchecked Sendable: `peers` is only touched on `loop` (checked by preconditions).
    static let queuedMessagesMax = 4096
    static let backoffMilliseconds = (minimum: 50, maximum: 2_000)

    let loop: EventLoop
    let group: EventLoopGroup
    let nodeID: NodeID
    let addresses: [NodeID: HostPort]
    let logger: Logger
    /// Hands a received frame (a Raft message, a forwarded request or its result) to the driver.
    let deliver: @Sendable (PeerFrameDecoder.Output) -> Void

    enum PeerState {
        case idle(retryAfter: NIODeadline, backoffMilliseconds: Int)
        case connecting(queue: [ByteBuffer], backoffMilliseconds: Int)
        case connected(Channel)
    }

    var peers: [NodeID: PeerState] = [:]
    /// Channels written to since the last flush; flushed together once the messages queued
    /// on the loop have been written (one syscall per peer per batch, not per message).
    var unflushed: [ObjectIdentifier: Channel] = [:]

    init(
        group: EventLoopGroup,
        nodeID: NodeID,
        addresses: [NodeID: HostPort],
        logger: Logger,
        deliver: @escaping @Sendable (PeerFrameDecoder.Output) -> Void
    ) {
        self.group = group
        self.loop = group.next()
        self.nodeID = nodeID
        self.addresses = addresses
        self.logger = logger
        self.deliver = deliver
    }

    /// Sends a message to its destination; callable from any thread.
    func send(_ message: RaftMessage, group: GroupID) {
        send(frame: PeerFrame.encode(message, group: group), to: message.to)
    }

    /// Sends an encoded frame to `peer`; callable from any thread.
    func send(frame: [UInt8], to peer: NodeID) {
        loop.execute { self.enqueue(frame, to: peer) }
    }

    private func enqueue(_ frame: [UInt8], to peer: NodeID) {
        precondition(loop.inEventLoop, "peer state is confined to its loop")
        guard let address = addresses[peer], peer != nodeID else { return }
        let buffer = ByteBuffer(bytes: frame)
        switch peers[peer] ?? .idle(retryAfter: .now(), backoffMilliseconds: Self.backoffMilliseconds.minimum) {
        case .connected(let channel):
            // Backpressure: a peer that does not keep up loses messages instead of growing a queue.
            guard channel.isWritable else { return }
            channel.write(buffer, promise: nil)
            if unflushed.isEmpty { loop.execute { self.flushWritten() } }
            unflushed[ObjectIdentifier(channel)] = channel
        case .connecting(var queue, let backoff):
            if queue.count >= Self.queuedMessagesMax { queue.removeFirst() }
            queue.append(buffer)
            peers[peer] = .connecting(queue: queue, backoffMilliseconds: backoff)
        case .idle(let retryAfter, let backoff):
            guard NIODeadline.now() >= retryAfter else { return }
            peers[peer] = .connecting(queue: [buffer], backoffMilliseconds: backoff)
            connect(to: peer, at: address)
        }
    }

    private func flushWritten() {
        for channel in unflushed.values { channel.flush() }
        unflushed = [:]
    }

    private func connect(to peer: NodeID, at address: HostPort) {
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(1))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: address.host, port: address.port)
            .whenComplete { result in self.connectionFinished(peer, result) }
    }

    private func connectionFinished(_ peer: NodeID, _ result: Result<Channel, Error>) {
        precondition(loop.inEventLoop, "peer state is confined to its loop")
        guard case .connecting(let queue, let backoff) = peers[peer] else { return }
        switch result {
        case .success(let channel):
            peers[peer] = .connected(channel)
            for buffer in queue { channel.write(buffer, promise: nil) }
            channel.flush()
            channel.closeFuture.whenComplete { _ in
                self.loop.execute { self.disconnected(peer, channel: channel) }
            }
        case .failure(let error):
            let next = min(backoff * 2, Self.backoffMilliseconds.maximum)
            logger.debug("peer connect failed", metadata: ["peer.id": "\(peer.rawValue)", "error": "\(error)"])
            peers[peer] = .idle(retryAfter: .now() + .milliseconds(Int64(backoff)), backoffMilliseconds: next)
        }
    }

    private func disconnected(_ peer: NodeID, channel: Channel) {
        guard case .connected(let current) = peers[peer], current === channel else { return }
        peers[peer] = .idle(retryAfter: .now(), backoffMilliseconds: Self.backoffMilliseconds.minimum)
    }

    /// Listens for other nodes' connections.
    func startServer(at address: HostPort) async throws -> Channel {
        let deliver = self.deliver
        let logger = self.logger
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PeerInboundHandler(deliver: deliver, logger: logger))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }

    /// Closes every outgoing connection.
    func close() async throws {
        let channels: [Channel] = try await loop.submit {
            let open = self.peers.values.compactMap { state -> Channel? in
                if case .connected(let channel) = state { return channel }
                return nil
            }
            self.peers = [:]
            return open
        }.get()
        for channel in channels { try? await channel.close() }  // Already closed is fine.
    }
}

/// Decodes the frames of one incoming peer connection.
final class PeerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    var decoder = PeerFrameDecoder()
    let deliver: @Sendable (PeerFrameDecoder.Output) -> Void
    let logger: Logger

    init(deliver: @escaping @Sendable (PeerFrameDecoder.Output) -> Void, logger: Logger) {
        self.deliver = deliver
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        decoder.append(buffer.readableBytesView)
        while true {
            let output = decoder.next()
            switch output {
            case .message, .forwardedRequest, .forwardedResult, .published:
                deliver(output)
            case .needMoreData:
                return
            case .garbage(let reason):
                logger.warning(
                    "closing a peer connection that sent garbage",
                    metadata: ["peer.remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "reason": "\(reason)"]
                )
                context.close(promise: nil)
                return
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
