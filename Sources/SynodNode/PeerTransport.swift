import Logging
import NIOCore
import NIOPosix
import SynodCore
import SynodPeerProtocol
import SynodRaft

/// Raft messages between nodes over TCP: one outgoing connection per peer, made on demand,
/// re-made after a failure with a growing backoff; an incoming server whose connections are
/// decoded frame by frame. Every connection starts with a `PeerHandshake` that binds it to
/// the connecting node's id (proved with the cluster secret when there is one; without one,
/// only loopback connections are accepted); a frame whose sender is not that node is dropped
/// and counted. A peer that sends garbage is logged and disconnected. With `PeerTLS`, every
/// connection is mutual TLS first and the handshake runs inside it, checking each claimed id
/// against the node the other end's certificate names.
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
    /// Peers' refusals of this node, logged as warnings at most every 10 s.
    let refusedByPeers = RateLimitedLog(interval: .seconds(10))
    let handshake: PeerHandshake
    let identity: NodeIdentity
    /// Mutual TLS on every peer connection; nil for plain TCP.
    let tls: PeerTLS?
    /// Frames Raft messages, a big append's entries once for every follower.
    let appendFrames = AppendFrameEncoder()
    /// This node's announcement (`PeerFrame.encodeAnnouncement`), the first frame on every
    /// connection it opens.
    let announcement: [UInt8]
    /// Hands a received frame (a Raft message, a forwarded request or its result) to the driver.
    let deliver: @Sendable (PeerFrameDecoder.Output) -> Void
    /// Counts a refused connection or a dropped frame (and logs it, at most once a second).
    let refused: @Sendable (String, SocketAddress?) -> Void

    enum PeerState {
        case idle(retryAfter: NIODeadline, backoffMilliseconds: Int)
        case connecting(queue: [Outgoing], backoffMilliseconds: Int)
        case connected(Channel)
    }

    /// One outgoing connection: a peer's lane.
    struct Link: Hashable {
        let peer: NodeID
        let lane: PeerLane
    }

    var peers: [Link: PeerState] = [:]
    /// Channels written to since the last flush; flushed together once the messages queued
    /// on the loop have been written (one syscall per peer per batch, not per message).
    var unflushed: [ObjectIdentifier: Channel] = [:]

    init(
        group: EventLoopGroup,
        nodeID: NodeID,
        addresses: [NodeID: HostPort],
        clusterSecret: [UInt8]?,
        identity: NodeIdentity,
        announcement: [UInt8],
        tls: PeerTLS? = nil,
        logger: Logger,
        refused: @escaping @Sendable (String, SocketAddress?) -> Void,
        deliver: @escaping @Sendable (PeerFrameDecoder.Output) -> Void
    ) {
        self.group = group
        self.loop = group.next()
        self.nodeID = nodeID
        self.addresses = addresses
        self.handshake = PeerHandshake(
            secret: clusterSecret,
            clusterID: identity.clusterID,
            certificatesNameNodes: tls != nil
        )
        self.identity = identity
        self.announcement = announcement
        self.tls = tls
        self.logger = logger
        self.refused = refused
        self.deliver = deliver
    }

    /// How long a connection may take to prove who is at the other end.
    static let handshakeTimeout = TimeAmount.seconds(5)

    /// Sends a message to its destination; callable from any thread. Raft messages may be
    /// dropped when the peer does not keep up (Raft resends what matters).
    func send(_ message: RaftMessage, group: GroupID) {
        let frame = appendFrames.frame(of: message, group: group)
        let link = Link(peer: message.to, lane: PeerLane(of: message))
        loop.execute { self.enqueue(Outgoing(parts: frame, droppable: true), to: link) }
    }

    /// Sends an encoded frame (a forwarded request, its result, a PUBLISH) to `peer` on `lane`;
    /// callable from any thread. These are never dropped for backpressure: their number is
    /// bounded by the clients' own (each connection pauses reading past its pending-reply
    /// limit).
    func send(frame: [UInt8], to peer: NodeID, lane: PeerLane) {
        let link = Link(peer: peer, lane: lane)
        loop.execute { self.enqueue(Outgoing(parts: [ByteBuffer(bytes: frame)], droppable: false), to: link) }
    }

    struct Outgoing {
        /// One frame, in buffers written in order (an append's entries may be shared with
        /// the frames to other followers: `AppendFrameEncoder`); never written in part.
        let parts: [ByteBuffer]
        let droppable: Bool

        func write(to channel: Channel) {
            for part in parts { channel.write(part, promise: nil) }
        }
    }

    private func enqueue(_ outgoing: Outgoing, to link: Link) {
        precondition(loop.inEventLoop, "peer state is confined to its loop")
        guard let address = addresses[link.peer], link.peer != nodeID else { return }
        switch peers[link] ?? .idle(retryAfter: .now(), backoffMilliseconds: Self.backoffMilliseconds.minimum) {
        case .connected(let channel):
            // Backpressure: a peer that does not keep up loses Raft messages instead of growing a queue.
            guard channel.isWritable || !outgoing.droppable else { return }
            outgoing.write(to: channel)
            if unflushed.isEmpty { loop.execute { self.flushWritten() } }
            unflushed[ObjectIdentifier(channel)] = channel
        case .connecting(var queue, let backoff):
            // A full queue makes room by dropping its oldest Raft message; other frames wait.
            if queue.count >= Self.queuedMessagesMax, outgoing.droppable {
                guard let oldest = queue.firstIndex(where: \.droppable) else { return }
                queue.remove(at: oldest)
            }
            queue.append(outgoing)
            peers[link] = .connecting(queue: queue, backoffMilliseconds: backoff)
        case .idle(let retryAfter, let backoff):
            guard NIODeadline.now() >= retryAfter else { return }
            peers[link] = .connecting(queue: [outgoing], backoffMilliseconds: backoff)
            connect(link, at: address)
        }
    }

    private func flushWritten() {
        for channel in unflushed.values { channel.flush() }
        unflushed = [:]
    }

    private func connect(_ link: Link, at address: HostPort) {
        let peer = link.peer
        let handshake = self.handshake
        let nodeID = self.nodeID
        let incarnation = identity.incarnation
        let tls = self.tls
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(1))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try tls.makeClientHandler()) }
                }
            }
            .connect(host: address.host, port: address.port)
            .flatMap { channel -> EventLoopFuture<Channel> in
                let proved = channel.eventLoop.makePromise(of: Void.self)
                let handler = PeerOutboundHandshakeHandler(
                    handshake: handshake,
                    client: nodeID,
                    incarnation: incarnation,
                    server: peer,
                    proved: proved
                )
                do {
                    try channel.pipeline.syncOperations.addHandler(handler)
                } catch {
                    proved.fail(error)
                }
                channel.eventLoop.scheduleTask(in: Self.handshakeTimeout) {
                    proved.fail(PeerHandshake.Refusal("no handshake within \(Self.handshakeTimeout)"))
                }
                return proved.futureResult.map { channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
            .hop(to: loop)
            .whenComplete { result in self.connectionFinished(link, result) }
    }

    private func connectionFinished(_ link: Link, _ result: Result<Channel, Error>) {
        precondition(loop.inEventLoop, "peer state is confined to its loop")
        guard case .connecting(let queue, let backoff) = peers[link] else { return }
        switch result {
        case .success(let channel):
            peers[link] = .connected(channel)
            channel.write(ByteBuffer(bytes: announcement), promise: nil)
            for outgoing in queue { outgoing.write(to: channel) }
            channel.flush()
            channel.closeFuture.whenComplete { _ in
                self.loop.execute { self.disconnected(link, channel: channel) }
            }
        case .failure(let error):
            let next = min(backoff * 2, Self.backoffMilliseconds.maximum)
            if let refusal = error as? RefusedByPeer {
                refusedByPeers.report("\(refusal)", remote: nil, logger: logger)
            } else {
                logger.debug(
                    "peer connect failed",
                    metadata: ["peer.id": "\(link.peer.rawValue)", "peer.lane": "\(link.lane)", "error": "\(error)"]
                )
            }
            peers[link] = .idle(retryAfter: .now() + .milliseconds(Int64(backoff)), backoffMilliseconds: next)
        }
    }

    private func disconnected(_ link: Link, channel: Channel) {
        guard case .connected(let current) = peers[link], current === channel else { return }
        peers[link] = .idle(retryAfter: .now(), backoffMilliseconds: Self.backoffMilliseconds.minimum)
    }

    /// Listens for other nodes' connections.
    func startServer(at address: HostPort) async throws -> Channel {
        let deliver = self.deliver
        let logger = self.logger
        let handshake = self.handshake
        let nodeID = self.nodeID
        let members = Set(addresses.keys)
        let refused = self.refused
        let identity = self.identity
        let tls = self.tls
        if handshake.requiresLoopback {
            logger.notice(
                "no --cluster-secret-file: peer connections are accepted from loopback only",
                metadata: ["peer.address": "\(address)"]
            )
        }
        if tls != nil {
            logger.info("peer connections use mutual TLS", metadata: ["peer.address": "\(address)"])
        }
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandlers(
                            tls.makeServerHandlers(timeout: Self.handshakeTimeout) { reason, remote in
                                refused("closing a peer connection: \(reason)", remote)
                            }
                        )
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        PeerInboundHandler(
                            handshake: handshake,
                            server: nodeID,
                            members: members,
                            identity: identity,
                            deliver: deliver,
                            refused: refused,
                            logger: logger
                        )
                    )
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

/// One incoming peer connection: the handshake first, then frames, each checked against the
/// node the handshake bound the connection to.
final class PeerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        case challenged(nonce: [UInt8], received: [UInt8])
        case authenticated(NodeID)
        case closed
    }

    var state = State.closed
    var decoder = PeerFrameDecoder()
    let handshake: PeerHandshake
    let server: NodeID
    let members: Set<NodeID>
    let identity: NodeIdentity
    let deliver: @Sendable (PeerFrameDecoder.Output) -> Void
    let refused: @Sendable (String, SocketAddress?) -> Void
    let logger: Logger

    init(
        handshake: PeerHandshake,
        server: NodeID,
        members: Set<NodeID>,
        identity: NodeIdentity,
        deliver: @escaping @Sendable (PeerFrameDecoder.Output) -> Void,
        refused: @escaping @Sendable (String, SocketAddress?) -> Void,
        logger: Logger
    ) {
        self.handshake = handshake
        self.server = server
        self.members = members
        self.identity = identity
        self.deliver = deliver
        self.refused = refused
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        let remote = context.channel.remoteAddress
        if handshake.requiresLoopback && remote?.isLoopback != true {
            return refuse("a peer connection from outside loopback, and no cluster secret", context: context)
        }
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<PeerHandshake.nonceCount).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        state = .challenged(nonce: nonce, received: [])
        context.writeAndFlush(
            wrapOutboundOut(ByteBuffer(bytes: handshake.challenge(from: server, nonce: nonce))),
            promise: nil
        )
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: PeerTransport.handshakeTimeout) {
            let (handler, context) = bound.value
            if case .challenged = handler.state { handler.refuse("no handshake in time", context: context) }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch state {
        case .closed:
            return
        case .challenged(let nonce, var received):
            received.append(contentsOf: buffer.readableBytesView)
            guard received.count >= PeerHandshake.responseCount else {
                state = .challenged(nonce: nonce, received: received)
                return
            }
            do {
                let pipeline = context.pipeline.syncOperations
                let certified = try PeerCertificateName.certifiedNode(for: handshake, in: pipeline)
                let (client, incarnation, proof) = try handshake.acceptResponse(
                    received[..<PeerHandshake.responseCount],
                    server: server,
                    serverNonce: nonce,
                    members: members,
                    certifiedClient: certified
                )
                if let refusal = identity.admit(client, incarnation: incarnation) {
                    // The peer proved it holds the secret: it is told why, so its log says.
                    context.writeAndFlush(
                        wrapOutboundOut(ByteBuffer(bytes: PeerHandshake.refusal(.dataLost))),
                        promise: nil
                    )
                    return refuse(refusal, context: context)
                }
                state = .authenticated(client)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: proof)), promise: nil)
                decoder.append(received[PeerHandshake.responseCount...])
            } catch {
                return refuse(error.description, context: context)
            }
        case .authenticated:
            decoder.append(buffer.readableBytesView)
        }
        decodeFrames(context: context)
    }

    private func decodeFrames(context: ChannelHandlerContext) {
        guard case .authenticated(let peer) = state else { return }
        while true {
            let output = decoder.next()
            switch output {
            case .message(_, let message) where message.from != peer:
                refused("a message from node \(message.from.rawValue) on node \(peer.rawValue)'s connection", nil)
            case .forwardedRequest(_, let from, _, _) where from != peer:
                refused("a request from node \(from.rawValue) on node \(peer.rawValue)'s connection", nil)
            case .forwardedResult(_, let from, _, _) where from != peer:
                refused("a result from node \(from.rawValue) on node \(peer.rawValue)'s connection", nil)
            case .announced(let from, _, _) where from != peer:
                refused("an announcement of node \(from.rawValue) on node \(peer.rawValue)'s connection", nil)
            case .relayedRequest(_, let from, _, _, _) where from != peer,
                .relayedResult(_, let from, _, _) where from != peer, .relayEnded(let from, _) where from != peer,
                .relayCheck(let from, _) where from != peer:
                refused("a relay frame from node \(from.rawValue) on node \(peer.rawValue)'s connection", nil)
            case .message, .forwardedRequest, .forwardedResult, .published, .announced, .arriving, .relayedRequest,
                .relayedResult, .relayEnded, .relayCheck:
                deliver(output)
            case .needMoreData:
                // A big message streaming in: its sender is alive, though the frame is not
                // all here. (One naming another sender is refused when it is complete.)
                if let arrival = decoder.arrival(), case .arriving(_, let from, _) = arrival, from == peer {
                    deliver(arrival)
                }
                return
            case .garbage(let reason):
                return refuse("garbage: \(reason)", context: context)
            }
        }
    }

    /// Counts and logs the reason, and closes the connection.
    private func refuse(_ reason: String, context: ChannelHandlerContext) {
        state = .closed
        refused("closing a peer connection: \(reason)", context.channel.remoteAddress)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// A peer refused this node's connection and said why (`PeerHandshake.RefusalReason`).
struct RefusedByPeer: Error, CustomStringConvertible {
    let peer: NodeID
    let reason: PeerHandshake.RefusalReason

    var description: String { "node \(peer.rawValue) refuses this node's peer connections: \(reason.explanation)" }
}

/// The connecting side of `PeerHandshake`: answers the challenge, checks the proof, and then
/// leaves the connection to the transport's writes (nothing more is read on it).
final class PeerOutboundHandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let handshake: PeerHandshake
    let client: NodeID
    let incarnation: UInt64
    let server: NodeID
    let proved: EventLoopPromise<Void>
    var received: [UInt8] = []

    enum State {
        case awaitingChallenge
        /// The response is sent; the proof must verify `transcript`.
        case awaitingProof(transcript: [UInt8])
        case proved
    }

    var state = State.awaitingChallenge

    init(
        handshake: PeerHandshake,
        client: NodeID,
        incarnation: UInt64,
        server: NodeID,
        proved: EventLoopPromise<Void>
    ) {
        self.handshake = handshake
        self.client = client
        self.incarnation = incarnation
        self.server = server
        self.proved = proved
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        do {
            if case .awaitingChallenge = state, received.count >= PeerHandshake.challengeCount {
                var random = SystemRandomNumberGenerator()
                let nonce = (0..<PeerHandshake.nonceCount).map { _ in UInt8.random(in: .min ... .max, using: &random) }
                let pipeline = context.pipeline.syncOperations
                let certified = try PeerCertificateName.certifiedNode(for: handshake, in: pipeline)
                let (response, transcript) = try handshake.respond(
                    to: received[..<PeerHandshake.challengeCount],
                    client: client,
                    incarnation: incarnation,
                    expectedServer: server,
                    nonce: nonce,
                    certifiedServer: certified
                )
                state = .awaitingProof(transcript: transcript)
                received.removeFirst(PeerHandshake.challengeCount)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: response)), promise: nil)
            }
            if case .awaitingProof(let transcript) = state, received.count >= PeerHandshake.proofCount {
                if let reason = PeerHandshake.refusalReason(in: received[..<PeerHandshake.proofCount]) {
                    throw RefusedByPeer(peer: server, reason: reason)
                }
                try handshake.verifyProof(received[..<PeerHandshake.proofCount], transcript: transcript)
                received.removeFirst(PeerHandshake.proofCount)
                state = .proved
                proved.succeed(())
            }
            // The accepting node sends nothing after its proof.
            if case .proved = state, !received.isEmpty {
                throw PeerHandshake.Refusal("the accepting node sent bytes after its proof")
            }
        } catch {
            proved.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        proved.fail(PeerHandshake.Refusal("the connection closed during the handshake"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        proved.fail(error)
        context.close(promise: nil)
    }
}
