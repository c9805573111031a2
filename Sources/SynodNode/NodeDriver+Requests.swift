import NIOCore
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRaft

/// Client requests: writes go through the log, reads wait for a ReadIndex.
extension NodeDriver {
    /// Why a request cannot be served here.
    func notLeaderError() -> KeyValueResult {
        guard let leader = replica.leader else { return .error("TRYAGAIN no leader elected yet") }
        let address = configuration.initialCluster[leader].map { " (peer address \($0))" } ?? ""
        return .error("NOTLEADER node \(leader.rawValue) leads\(address); send requests to it")
    }

    /// How long a follower waits for the leader to answer a forwarded read.
    static let forwardTimeout = TimeAmount.seconds(5)

    func read(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>, mayForward: Bool = true) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        if mayForward && !isLeader { return forward(command, promise: promise) }
        let requestID = nextRequestID
        nextRequestID += 1
        do {
            try replica.readIndex(context: requestID)
        } catch {
            if case .notLeader = error { return promise.succeed(notLeaderError()) }
            return promise.succeed(.error("TRYAGAIN \(error)"))
        }
        pendingReads[requestID] = PendingRead(
            command: command,
            promise: promise,
            term: replica.term,
            afterIndex: replica.lastIndex
        )
        queueReadyProcessing()
    }

    /// Hands a read to the leader; answers TRYAGAIN if there is none, if the leader changes,
    /// or if it does not answer in time (a read changed nothing: TRYAGAIN is always honest).
    func forward(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>) {
        guard let leader = replica.leader, leader != configuration.nodeID else {
            return promise.succeed(.error("TRYAGAIN no leader elected yet"))
        }
        let requestID = nextRequestID
        nextRequestID += 1
        metrics.forwardedRequests.increment()
        pendingForwards[requestID] = promise
        sendFrame(
            PeerFrame.encodeForwarded(
                .read(command),
                from: configuration.nodeID,
                requestID: requestID,
                group: Self.group
            ),
            leader
        )
        loop.scheduleTask(in: Self.forwardTimeout) {
            self.pendingForwards.removeValue(forKey: requestID)?.succeed(
                .error("TRYAGAIN the leader (node \(leader.rawValue)) did not answer in time; retry")
            )
        }
    }

    /// A request a follower forwarded: served here if this node still leads (never forwarded
    /// again), and the result sent back.
    func serveForwarded(_ request: ForwardedRequest, from follower: NodeID, requestID: UInt64) {
        if let refusal = request.refusal {
            metrics.refusedForwards.increment()
            return refuseForwarded(requestID, to: follower, .error(refusal))
        }
        switch request {
        case .write(let entry):
            serveForwardedWrite(entry, from: follower, requestID: requestID)
        case .read(let command):
            let promise = loop.makePromise(of: KeyValueResult.self)
            let sendFrame = self.sendFrame
            let node = configuration.nodeID
            promise.futureResult.whenSuccess { result in
                sendFrame(Self.resultFrame(result, from: node, requestID: requestID), follower)
            }
            read(command, promise: promise, mayForward: false)
        }
        deliverReplies()
    }

    /// A read a READONLY connection asked for: served from this replica's state as it is,
    /// without asking the leader (it may miss the newest writes).
    func serveLocally(_ command: ReadCommand) -> KeyValueResult {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        return stopped ? .error("ERR node stopping") : serve(command)
    }

    /// Answers a read from the state machine, at this node's clock.
    func serve(_ command: ReadCommand) -> KeyValueResult {
        switch command {
        case .get(let key): evictions.read([key])
        case .multiGet(let keys): evictions.read(keys)
        case .redis(let words) where words.count > 1: evictions.read([words[1]])
        default: break
        }
        return store.read(command, at: Self.wallClockMilliseconds(), randomIndex: { Int.random(in: 0..<$0) })
    }
}
