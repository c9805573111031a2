import NIOCore
import SynodCore
import SynodKeyValue
import SynodPeerProtocol

/// Client writes, applied exactly once.
///
/// Every write of this node's clients carries this process's client session and a request id
/// (`KeyValueEntry.session`), and stays outstanding here until its answer is known: the
/// result from applying it (in this node's own state machine, or from the leader that served
/// it), or a refusal that proves no copy of it can commit. When the leader changes, the writes
/// sent to the old one are sent again, in order, to the new one: the state machine applies a
/// session's request once and answers copies with the first result (`ClientSessions`), so a
/// client never sees TRYAGAIN for a write that may have been applied. Only a write whose fate
/// stays unknown past its deadline is answered UNCERTAIN.
extension NodeDriver {
    /// Identifies a write across nodes and leaders: the session that sent it and its id there.
    struct RequestKey: Hashable {
        let session: UInt64
        let requestID: UInt64
    }

    /// A write a follower forwarded to this leader: who to answer, and the copies proposed
    /// here that are neither applied nor known lost.
    struct ServedWrite {
        let follower: NodeID
        var copies = 0
    }

    /// A write of this node's clients, until its answer is known.
    struct OutstandingWrite {
        let command: KeyValueCommand
        let origin: UInt64
        let promise: EventLoopPromise<KeyValueResult>
        /// The copies each leader (this node included) may have put in its log: one per send,
        /// less one per refusal from it. While any may exist, the write's outcome is open.
        var copies: [NodeID: Int] = [:]
        /// The leader it was last sent to; nil while it waits to be sent again.
        var sentTo: NodeID?
        /// When the node looks at it again; while a leader is known the wait is extended, up
        /// to `giveUpAt`.
        var deadline: NIODeadline
        let giveUpAt: NIODeadline
    }

    /// A write from a client of this node: proposed here when this node leads, forwarded to
    /// the leader otherwise, held while no leader is known.
    func write(_ command: KeyValueCommand, promise: EventLoopPromise<KeyValueResult>, origin: UInt64 = 0) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        // Requests sent to an earlier leader go to the new one before this one.
        noticeLeaderChange()
        let leader = replica.leader
        if leader == configuration.nodeID, let refusal = leaderNotReady() {
            return promise.succeed(refusal)
        }
        let requestID = nextRequestID
        nextRequestID += 1
        let now = NIODeadline.now()
        outstandingWrites[requestID] = OutstandingWrite(
            command: command,
            origin: origin,
            promise: promise,
            deadline: now + configuration.writeWait,
            giveUpAt: now + configuration.writeWaitMax
        )
        // Without a known leader (an election, or a follower that missed heartbeats under
        // load) it is held, and sent when one is known (`resend`).
        guard let leader else { return }
        if let refusal = send(requestID, to: leader) {
            outstandingWrites[requestID] = nil
            promise.succeed(refusal)
        }
    }

    /// Why this leader cannot propose a client write yet, or nil. No client write comes before
    /// the new leader's `extendLeases` in its term: at that write's time a lease that fell due
    /// during the election would end.
    func leaderNotReady() -> KeyValueResult? {
        extendLeasesIfNewLeader()
        guard leasesExtendedInTerm == replica.term else {
            return .error("TRYAGAIN the new leader is not ready yet; retry")
        }
        return nil
    }

    /// Proposes the outstanding write `requestID` here, or forwards it to `leader`; returns the
    /// refusal when this node leads and cannot propose it.
    func send(_ requestID: UInt64, to leader: NodeID) -> KeyValueResult? {
        guard var write = outstandingWrites[requestID] else { return nil }
        let entry = KeyValueEntry(
            requestID: requestID,
            timeMilliseconds: 0,
            command: write.command,
            origin: write.origin,
            session: session,
            acknowledgedBelow: acknowledgedBelow()
        )
        if leader == configuration.nodeID {
            if let refusal = propose(entry, for: RequestKey(session: session, requestID: requestID)) { return refusal }
        } else {
            metrics.forwardedRequests.increment()
            let request = ForwardedRequest.write(entry)
            sendFrame(
                PeerFrame.encodeForwarded(request, from: configuration.nodeID, requestID: requestID, group: Self.group),
                leader
            )
        }
        write.copies[leader, default: 0] += 1
        write.sentTo = leader
        outstandingWrites[requestID] = write
        return nil
    }

    /// Proposes a session's write as this leader; returns the refusal if it cannot.
    func propose(_ entry: KeyValueEntry, for key: RequestKey) -> KeyValueResult? {
        do {
            try replica.propose(entry.stamped(at: Self.wallClockMilliseconds()).encoded)
        } catch {
            if case .notLeader = error { return notLeaderError() }
            return .error("TRYAGAIN \(error)")
        }
        proposedAt[replica.lastIndex.rawValue] = key
        queueReadyProcessing()
        return nil
    }

    /// The lowest request id whose answer this node still waits for: the state machine may
    /// forget the results below it.
    func acknowledgedBelow() -> UInt64 {
        while lowestUnanswered < nextRequestID, outstandingWrites[lowestUnanswered] == nil { lowestUnanswered += 1 }
        return lowestUnanswered
    }

    /// The leader changed: a write sent to another leader (or held while none was known) goes
    /// to this one, keeping its identity (`resend` calls this oldest first).
    func resendWrite(_ requestID: UInt64, to leader: NodeID?) {
        guard let write = outstandingWrites[requestID], write.sentTo != leader else { return }
        outstandingWrites[requestID]?.sentTo = nil
        guard let leader else { return }
        if leader == configuration.nodeID, leaderNotReady() != nil { return }
        // A refusal here leaves it to the copies already sent (or to its deadline).
        _ = send(requestID, to: leader)
    }

    /// The answer to an outstanding write is known.
    func answer(_ requestID: UInt64, with result: KeyValueResult) {
        if let write = outstandingWrites.removeValue(forKey: requestID) {
            if result == .waiting {
                pendingWaits[requestID] = write.promise
            } else {
                repliesToDeliver.append((write.promise, result))
            }
        } else if result != .waiting, let promise = pendingWaits.removeValue(forKey: requestID) {
            // A lock acquisition applied here as waiting, granted by the leader first.
            repliesToDeliver.append((promise, result))
        }
    }

    /// `leader` did not propose one copy of the write, or its copy can never commit: when no
    /// copy may be left anywhere, the write certainly did not apply and the refusal is its
    /// answer.
    func refused(_ requestID: UInt64, by leader: NodeID, _ message: String) {
        guard var write = outstandingWrites[requestID] else { return }
        let left = (write.copies[leader] ?? 1) - 1
        write.copies[leader] = left > 0 ? left : nil
        guard write.copies.isEmpty else {
            outstandingWrites[requestID] = write
            return
        }
        outstandingWrites[requestID] = nil
        repliesToDeliver.append((write.promise, .error(message)))
    }

    /// Writes past their deadline: still waiting on a known leader, they wait longer (up to
    /// `NodeConfiguration.writeWaitMax`); otherwise they end, UNCERTAIN if a copy may have been proposed.
    func endOverdueWrites(now: NIODeadline) {
        guard now >= nextWriteDeadlineCheck else { return }
        nextWriteDeadlineCheck = now + .milliseconds(100)
        for (requestID, write) in outstandingWrites where write.deadline <= now {
            if replica.leader != nil, write.sentTo == replica.leader, now < write.giveUpAt {
                outstandingWrites[requestID]?.deadline = min(now + configuration.writeWait, write.giveUpAt)
                continue
            }
            outstandingWrites[requestID] = nil
            let why = replica.leader == nil ? "no leader elected" : "no leader answered in time"
            repliesToDeliver.append((write.promise, Self.unanswered(write, why)))
        }
    }

    /// The answer for a write whose outcome cannot be known here: TRYAGAIN only when no copy
    /// was ever sent (TRYAGAIN means "not applied"; a retried INCR must not apply twice).
    static func unanswered(_ write: OutstandingWrite, _ why: String) -> KeyValueResult {
        write.copies.isEmpty
            ? .error("TRYAGAIN \(why); retry")
            : .error("UNCERTAIN \(why); the write may or may not have been applied: read before retrying")
    }

    /// A write a follower forwarded: proposed here if this node still leads, and answered when
    /// applied (or refused at once). Every copy proposed here is refused if it is lost, until
    /// one is applied: the follower counts copies to know when none is left.
    func serveForwardedWrite(_ entry: KeyValueEntry, from follower: NodeID, requestID: UInt64) {
        let key = RequestKey(session: entry.session, requestID: requestID)
        guard isLeader else { return refuseForwarded(requestID, to: follower, notLeaderError()) }
        if let refusal = leaderNotReady() ?? propose(entry, for: key) {
            return refuseForwarded(requestID, to: follower, refusal)
        }
        servedWrites[key, default: ServedWrite(follower: follower)].copies += 1
    }

    func refuseForwarded(_ requestID: UInt64, to follower: NodeID, _ refusal: KeyValueResult) {
        guard case .error(let message) = refusal else { return }
        sendFrame(
            PeerFrame.encodeForwardedRefusal(
                message,
                from: configuration.nodeID,
                requestID: requestID,
                group: Self.group
            ),
            follower
        )
    }

    /// A result frame from `node` for a follower; one too large for a frame becomes an error.
    static func resultFrame(_ result: KeyValueResult, from node: NodeID, requestID: UInt64) -> [UInt8] {
        let frame = PeerFrame.encodeForwardedResult(result, from: node, requestID: requestID, group: group)
        guard frame.count > SizeLimits.frameBytesMax else { return frame }
        let error = KeyValueResult.error("ERR the reply is larger than a peer frame carries; ask the leader")
        return PeerFrame.encodeForwardedResult(error, from: node, requestID: requestID, group: group)
    }

    /// An applied entry of a session: its result goes to whoever waits for it here.
    func deliverApplied(_ key: RequestKey, _ result: KeyValueResult) {
        if key.session == session { return answer(key.requestID, with: result) }
        guard let served = servedWrites.removeValue(forKey: key) else { return }
        let requestID = key.requestID
        let node = configuration.nodeID
        guard result == .waiting else {
            return sendFrame(Self.resultFrame(result, from: node, requestID: requestID), served.follower)
        }
        // Queued in a lock's line: the follower hears when a later entry grants it or its
        // wait ends (and hears it from its own state machine too).
        let promise = loop.makePromise(of: KeyValueResult.self)
        let sendFrame = self.sendFrame
        promise.futureResult.whenSuccess {
            sendFrame(Self.resultFrame($0, from: node, requestID: requestID), served.follower)
        }
        pendingWaits[requestID] = promise
    }

    /// The copy proposed here at some index can never commit (another entry took its place,
    /// or a snapshot covered it without applying it).
    func proposalLost(_ key: RequestKey, _ why: String) {
        if key.session == session { return refused(key.requestID, by: configuration.nodeID, "TRYAGAIN \(why); retry") }
        guard var served = servedWrites[key] else { return }
        served.copies -= 1
        servedWrites[key] = served.copies > 0 ? served : nil
        refuseForwarded(key.requestID, to: served.follower, .error("TRYAGAIN \(why); retry"))
    }
}
