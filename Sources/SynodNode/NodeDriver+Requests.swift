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

    /// How long a follower waits for the leader to answer a forwarded request.
    static let forwardTimeout = TimeAmount.seconds(5)

    /// A write from a client of this node: proposed here when this node leads, forwarded to
    /// the leader otherwise (`mayForward` is false for requests that were forwarded already).
    func write(
        _ command: KeyValueCommand,
        promise: EventLoopPromise<KeyValueResult>,
        mayForward: Bool = true,
        origin: UInt64 = 0
    ) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        if mayForward && !isLeader { return forward(.write(command, origin: origin), promise: promise) }
        // No client write comes before the new leader's `extendLeases` in its term: at that
        // write's time a lease that fell due during the election would end.
        if isLeader {
            extendLeasesIfNewLeader()
            guard leasesExtendedInTerm == replica.term else {
                return promise.succeed(.error("TRYAGAIN the new leader is not ready yet; retry"))
            }
        }
        let requestID = nextRequestID
        nextRequestID += 1
        let entry = KeyValueEntry(
            requestID: requestID,
            timeMilliseconds: Self.wallClockMilliseconds(),
            command: command,
            origin: origin
        )
        do {
            try replica.propose(entry.encoded)
        } catch {
            if case .notLeader = error { return promise.succeed(notLeaderError()) }
            return promise.succeed(.error("TRYAGAIN \(error)"))
        }
        pendingWrites[requestID] = promise
        proposedAt[replica.lastIndex.rawValue] = requestID
        queueReadyProcessing()
    }

    func read(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>, mayForward: Bool = true) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        if mayForward && !isLeader { return forward(.read(command), promise: promise) }
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

    /// What a follower answers for a forwarded request whose answer it will never get: a read
    /// changed nothing, so TRYAGAIN; a write the leader may have replicated, and a later
    /// leader may commit, so its outcome is unknown and the client is told so (TRYAGAIN means
    /// "not applied", and a retried INCR would apply twice).
    static func unanswered(isWrite: Bool, _ why: String) -> KeyValueResult {
        isWrite
            ? .error("UNCERTAIN \(why); the write may or may not have been applied: read before retrying")
            : .error("TRYAGAIN \(why); retry")
    }

    /// Hands a request to the leader; answers TRYAGAIN if there is none, and `unanswered` if
    /// the leader changes or does not answer in time.
    func forward(_ request: ForwardedRequest, promise: EventLoopPromise<KeyValueResult>) {
        guard let leader = replica.leader, leader != configuration.nodeID else {
            return promise.succeed(.error("TRYAGAIN no leader elected yet"))
        }
        let requestID = nextRequestID
        nextRequestID += 1
        metrics.forwardedRequests.increment()
        let isWrite = if case .write = request { true } else { false }
        pendingForwards[requestID] = (promise, isWrite)
        sendFrame(
            PeerFrame.encodeForwarded(request, from: configuration.nodeID, requestID: requestID, group: Self.group),
            leader
        )
        // A lock acquisition may wait in line at the leader for as long as it asked.
        var timeout = Self.forwardTimeout
        if case .write(.acquire(_, _, _, _, let wait, _), _) = request { timeout = timeout + .milliseconds(wait) }
        loop.scheduleTask(in: timeout) {
            self.pendingForwards.removeValue(forKey: requestID)?.promise.succeed(
                Self.unanswered(isWrite: isWrite, "the leader (node \(leader.rawValue)) did not answer in time")
            )
        }
    }

    /// A request a follower forwarded: served here if this node still leads (never forwarded
    /// again), and the result sent back.
    func serveForwarded(_ request: ForwardedRequest, from follower: NodeID, requestID: UInt64) {
        let promise = loop.makePromise(of: KeyValueResult.self)
        let sendFrame = self.sendFrame
        promise.futureResult.whenSuccess { result in
            var frame = PeerFrame.encodeForwardedResult(result, requestID: requestID, group: Self.group)
            if frame.count > SizeLimits.frameBytesMax {
                let error = KeyValueResult.error("ERR the reply is larger than a peer frame carries; ask the leader")
                frame = PeerFrame.encodeForwardedResult(error, requestID: requestID, group: Self.group)
            }
            sendFrame(frame, follower)
        }
        if let refusal = request.refusal {
            metrics.refusedForwards.increment()
            return promise.succeed(.error(refusal))
        }
        switch request {
        case .write(let command, let origin): write(command, promise: promise, mayForward: false, origin: origin)
        case .read(let command): read(command, promise: promise, mayForward: false)
        }
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
