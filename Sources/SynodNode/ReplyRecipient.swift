import NIOCore
import SynodKeyValue

/// Where the driver sends the result of a request it took from a client of this node.
enum ReplyRecipient {
    /// A caller that waits on a future: the connection commands that need more than one
    /// answer (WATCH, EXEC, CONFIG), the node's own requests, tests.
    case promise(EventLoopPromise<KeyValueResult>)
    /// A reply slot of a client connection: the common request path, with no promise or
    /// future per request. Written into at once when the connection runs on the driver's loop
    /// (the default, `--io-threads 0`), and from the connection's own loop otherwise.
    case connection(ConnectionReplySlot)
    /// A peer that relayed its client's request here (`NodeDriver+Relay`): delivered on the
    /// driver's loop.
    case relayed(RelayedReply)

    func deliver(_ result: KeyValueResult) {
        switch self {
        case .promise(let promise): promise.succeed(result)
        case .connection(let slot): slot.deliver(result)
        case .relayed(let reply): reply.deliver(result)
        }
    }
}

/// A connection's reply slot, as the driver holds it until the request is answered.
struct ConnectionReplySlot: Sendable {
    let connection: NIOLoopBound<RESPConnectionHandler>
    /// The request's number on its connection (replies go out in this order).
    let slot: Int
    let isRead: Bool
    /// When the request was taken, for the request-duration histogram.
    let started: NIODeadline

    func deliver(_ result: KeyValueResult) {
        let connection = connection
        if connection.eventLoop.inEventLoop {
            connection.value.receive(result, for: self)
        } else {
            connection.eventLoop.execute { connection.value.receive(result, for: self) }
        }
    }
}
