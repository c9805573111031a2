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

    /// A read this follower forwards to the leader. While no leader is known it is held, and
    /// sent when one is; when the leader changes it is sent to the new one (a read changes
    /// nothing, so asking again is safe).
    struct ForwardedRead {
        let command: ReadCommand
        let promise: EventLoopPromise<KeyValueResult>
        var sentTo: NodeID?
    }

    /// Hands a read to the leader, or holds it until one is known; answers TRYAGAIN if no
    /// leader answers within `forwardTimeout`.
    func forward(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>) {
        // Requests sent to an earlier leader go to the new one before this one.
        noticeLeaderChange()
        let requestID = nextRequestID
        nextRequestID += 1
        pendingForwards[requestID] = ForwardedRead(command: command, promise: promise)
        if let leader = replica.leader { send(read: requestID, to: leader) }
        loop.scheduleTask(in: Self.forwardTimeout) {
            guard let read = self.pendingForwards.removeValue(forKey: requestID) else { return }
            let why =
                read.sentTo.map { "the leader (node \($0.rawValue)) did not answer in time" } ?? "no leader elected"
            read.promise.succeed(.error("TRYAGAIN \(why); retry"))
            self.deliverReplies()
        }
    }

    /// Sends a held or forwarded read to `leader` (served here when this node leads now).
    func send(read requestID: UInt64, to leader: NodeID) {
        guard var read = pendingForwards[requestID] else { return }
        guard leader != configuration.nodeID else {
            pendingForwards[requestID] = nil
            return self.read(read.command, promise: read.promise, mayForward: false)
        }
        metrics.forwardedRequests.increment()
        read.sentTo = leader
        pendingForwards[requestID] = read
        sendFrame(
            PeerFrame.encodeForwarded(
                .read(read.command),
                from: configuration.nodeID,
                requestID: requestID,
                group: Self.group
            ),
            leader
        )
    }

    /// The leader changed: the reads and writes sent to another leader, and those held while
    /// none was known, go to this one in the order their clients sent them (a connection's
    /// read must not overtake its earlier write).
    func resend(to leader: NodeID?) {
        guard !outstandingWrites.isEmpty || !pendingForwards.isEmpty else { return }
        let requests = (Array(outstandingWrites.keys) + Array(pendingForwards.keys)).sorted()
        for requestID in requests {
            if pendingForwards[requestID] != nil {
                guard pendingForwards[requestID]?.sentTo != leader else { continue }
                pendingForwards[requestID]?.sentTo = nil
                if let leader { send(read: requestID, to: leader) }
            } else {
                resendWrite(requestID, to: leader)
            }
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
