import SynodConsensus
import SynodCore

/// Identifies a write across nodes and leaders: the session that sent it and its id there.
public struct RequestKey: Hashable, Comparable, Sendable {
    public let session: UInt64
    public let requestID: UInt64

    public init(session: UInt64, requestID: UInt64) {
        self.session = session
        self.requestID = requestID
    }

    public static func < (left: RequestKey, right: RequestKey) -> Bool {
        (left.session, left.requestID) < (right.session, right.requestID)
    }
}

/// A client's own identity for a write (a client that keeps sessions itself, like the
/// simulator's): every copy of the write it sends, through any node, carries it.
public struct ClientIdentity: Hashable, Sendable {
    public let session: UInt64
    public let requestID: UInt64
    /// Every request of the session below this was answered: their results may be forgotten.
    public let acknowledgedBelow: UInt64

    public init(session: UInt64, requestID: UInt64, acknowledgedBelow: UInt64) {
        self.session = session
        self.requestID = requestID
        self.acknowledgedBelow = acknowledgedBelow
    }
}

/// Client writes, applied exactly once.
///
/// Every write carries a client session and a request id (`GroupEntry.session`): this
/// runtime's session, or the client's own identity. It stays outstanding here until its
/// answer is known: the result from applying it (in this node's own state machine, or from
/// the leader that served it), or a refusal that proves no copy of it can commit. When the
/// leader changes, the writes sent to the old one are sent again, in order, to the new one:
/// the state machine applies a session's request once and answers copies with the first
/// result (`ClientSessions`), so a client never sees TRYAGAIN for a write that may have been
/// applied. Only a write whose fate stays unknown past its deadline is answered UNCERTAIN.
extension GroupRuntime {
    /// A write followers forwarded to this leader: who sent each copy it received (a follower
    /// counts the copies it sent, and each gets its answer or its refusal).
    struct ServedWrite {
        var senders = InlineFirstList<(follower: NodeID, requestID: UInt64)>()
    }

    /// A write of this node's clients, until its answer is known.
    struct OutstandingWrite {
        let command: State.Command
        let origin: UInt64
        /// Who waits for its answer: the client that sent it, and the later attempts of a
        /// client that sent it again with its identity through this node.
        var recipients: Recipients
        /// The identity its entries carry.
        let key: RequestKey
        /// The client's own acknowledgement point; nil for writes of this runtime's session.
        let acknowledgedBelow: UInt64?
        /// The copies each leader (this node included) may have put in its log: one per send,
        /// less one per refusal from it. While any may exist, the write's outcome is open.
        var copies = CopiesByLeader()
        /// The leader it was last sent to; nil while it waits to be sent again.
        var sentTo: NodeID?
        /// When the runtime looks at it again; while a leader is known the wait is extended,
        /// up to `giveUpAt` (monotonic milliseconds).
        var deadline: Int64
        var giveUpAt: Int64
    }

    /// A write from a client of this node, answered with `ticket`: proposed here when this
    /// node leads, forwarded to the leader otherwise, held while no leader is known. `origin`
    /// names the client connection (for CLIENT TRACKING's NOLOOP); `identity` is the client's
    /// own, when it keeps one.
    public mutating func write(
        _ command: State.Command,
        origin: UInt64 = 0,
        ticket: UInt64,
        identity: ClientIdentity? = nil
    ) {
        submit(command, origin: origin, recipient: .client(ticket: ticket), identity: identity)
    }

    /// The client connection `origin` went away: the requests of its that still wait in a line
    /// (a blocked list command, a lock wait) are answered to nobody now, and the state machine
    /// is asked to end them (`GroupStateMachine.abandonment`), so that nothing is served to a
    /// client that is gone.
    ///
    /// Writes of the connection still on their way are remembered: one that starts waiting
    /// later ends at once.
    public mutating func abandonWaits(ofOrigin origin: UInt64) {
        guard origin != 0 else { return }
        if unansweredWrites[origin] != nil { goneOrigins.insert(origin) }
        guard !waitOrigins.isEmpty else { return }
        var abandoned: [UInt64] = []
        for (requestID, waitOrigin) in waitOrigins where waitOrigin == origin {
            if pendingWaits.removeValue(forKey: requestID) != nil {
                abandoned.append(requestID)
                noteUnreached(requestID)
            }
        }
        waitOrigins = waitOrigins.filter { $0.value != origin && pendingWaits[$0.key] != nil }
        abandon(abandoned.sorted())
    }

    /// Proposes the end of these waits of this node's session, answered to nobody.
    private mutating func abandon(_ requestIDs: [UInt64]) {
        guard !requestIDs.isEmpty, let command = State.abandonment(ofWaits: requestIDs) else { return }
        submit(command, origin: 0, recipient: .nobody, identity: nil)
    }

    /// While clients of this node wait in lines and its session sends nothing else, a
    /// keep-alive entry goes every `sessionKeepAliveMilliseconds`: the state forgets a silent
    /// session, and ends its waits, as those of a node that is gone.
    mutating func keepSessionAlive() {
        let time = now().monotonicMilliseconds
        // A closure, not a key path: in this generic type a key path is built at run time at
        // every call, which on every tick of every idle group was a quarter of an idle node's
        // time.
        guard !pendingWaits.isEmpty, time - lastSessionWriteMilliseconds >= settings.sessionKeepAliveMilliseconds,
            pendingWaits.values.contains(where: { $0.isClient }), let command = State.sessionKeepAlive
        else { return }
        submit(command, origin: 0, recipient: .nobody, identity: nil)
    }

    /// Sends a write on its way; returns its local id, or nil when it was answered at once.
    @discardableResult
    mutating func submit(
        _ command: State.Command,
        origin: UInt64,
        recipient: Recipient,
        identity: ClientIdentity?
    ) -> UInt64? {
        guard !isStopped else {
            answer(recipient, .refusal(.stopping(nil)))
            return nil
        }
        // Requests sent to an earlier leader go to the new one before this one.
        noticeLeaderChange()
        resumeAfterHandover()
        let leader = routableLeader
        if leader == nil, isLeader { requestsHeldForHandover = true }
        if leader == settings.nodeID, let refusal = leaderNotReady() {
            answer(recipient, .refusal(refusal))
            return nil
        }
        let key = identity.map { RequestKey(session: $0.session, requestID: $0.requestID) }
        let time = now().monotonicMilliseconds
        if let key, let localID = localIDs[key], outstandingWrites[localID]?.origin == origin {
            writeAgain(localID, for: recipient, at: time, leader: leader)
            return localID
        }
        let localID = takeRequestID()
        if let key { localIDs[key] = localID } else { lastSessionWriteMilliseconds = time }
        if origin != 0 { unansweredWrites[origin, default: 0] += 1 }
        outstandingWrites[localID] = OutstandingWrite(
            command: command,
            origin: origin,
            recipients: Recipients(recipient),
            key: key ?? RequestKey(session: session, requestID: localID),
            acknowledgedBelow: identity?.acknowledgedBelow,
            deadline: time + settings.writeWaitMilliseconds,
            giveUpAt: time + settings.writeWaitMaxMilliseconds
        )
        // Without a known leader (an election, or a follower that missed heartbeats under
        // load) it is held, and sent when one is known (`resend`).
        guard let leader else { return localID }
        if let refusal = send(localID, to: leader) {
            forgetWrite(localID)
            answer(recipient, .refusal(refusal))
            return nil
        }
        return localID
    }

    /// A client sent a write again, with its identity, through the connection whose earlier
    /// attempt still waits here: the attempt joins the waiting write and gets its answer. No
    /// second copy is proposed or forwarded while the first may still commit; the write goes
    /// out again only if it waits for a leader (`sentTo` nil), and it may wait as long again.
    mutating func writeAgain(_ localID: UInt64, for recipient: Recipient, at time: Int64, leader: NodeID?) {
        guard var write = outstandingWrites[localID] else { return }
        write.recipients.append(recipient)
        write.deadline = max(write.deadline, time + settings.writeWaitMilliseconds)
        write.giveUpAt = max(write.giveUpAt, time + settings.writeWaitMaxMilliseconds)
        outstandingWrites[localID] = write
        if write.sentTo == nil { resendWrite(localID, to: leader) }
    }

    /// Why this leader cannot propose a client write yet, or nil. No client write comes before
    /// the new leader's opening entry in its term (for the key-value store, `extendLeases`: at
    /// that write's time a lease that fell due during the election would end).
    mutating func leaderNotReady() -> GroupRefusal? {
        openTermIfNewLeader()
        guard openedTerm == replica.term else { return .tryAgain("the new leader is not ready yet; retry") }
        return nil
    }

    /// Proposes the outstanding write `localID` here, or forwards it to `leader`; returns the
    /// refusal when this node leads and cannot propose it.
    mutating func send(_ localID: UInt64, to leader: NodeID) -> GroupRefusal? {
        guard var write = outstandingWrites[localID] else { return nil }
        if leader == settings.nodeID, copiesInLog[write.key] != nil {
            // A copy is in this leader's log already (a follower forwarded it, or this node
            // proposed it before): its outcome is this write's, and the connection's later
            // reads wait for it as for a write of their own.
            if write.origin != 0, let index = proposedAt.filter({ $0.value == write.key }).keys.max() {
                sessionOrder.joined(
                    LogIndex(index),
                    by: .connection(write.origin),
                    applied: LogIndex(state.appliedIndex)
                )
            }
            write.copies[leader] = max(write.copies[leader] ?? 0, 1)
            write.sentTo = leader
            outstandingWrites[localID] = write
            return nil
        }
        let identity = EntryIdentity(
            session: write.key.session,
            requestID: write.key.requestID,
            origin: write.origin,
            acknowledgedBelow: write.acknowledgedBelow ?? acknowledgedBelow()
        )
        let entry = State.entry(for: write.command, identity: identity)
        if leader == settings.nodeID {
            let order = write.origin == 0 ? nil : SessionOrder.Key.connection(write.origin)
            if let refusal = propose(entry, for: write.key, order: order) { return refusal }
            if settings.plantedBug == .replyBeforeApply, let early = State.plantedEarlyAnswer(to: write.command) {
                // The planted bug: answered as if applied, before it even commits.
                for recipient in write.recipients { answer(recipient, early) }
                forgetWrite(localID)
                return nil
            }
        } else {
            statistics.forwardedRequests += 1
            outputs.append(.forward(.write(entry), requestID: localID, to: leader))
        }
        write.copies[leader] = (write.copies[leader] ?? 0) + 1
        write.sentTo = leader
        outstandingWrites[localID] = write
        return nil
    }

    /// Proposes a session's write as this leader; returns the refusal if it cannot. The later
    /// reads of `order` wait for it.
    mutating func propose(_ entry: State.Entry, for key: RequestKey, order: SessionOrder.Key?) -> GroupRefusal? {
        do {
            try replica.propose(entry.stamped(at: now().wallMilliseconds).encoded)
        } catch {
            if case .notLeader = error { return notLeaderRefusal() }
            return .tryAgain("\(error)")
        }
        proposedAt[replica.lastIndex.rawValue] = key
        copiesInLog[key, default: 0] += 1
        sessionOrder.proposed(replica.lastIndex, by: order, applied: LogIndex(state.appliedIndex))
        return nil
    }

    /// The lowest request id whose answer this runtime still waits for: the state machine may
    /// forget the results below it.
    mutating func acknowledgedBelow() -> UInt64 {
        while lowestUnanswered < nextRequestID, outstandingWrites[lowestUnanswered] == nil { lowestUnanswered += 1 }
        return lowestUnanswered
    }

    /// The leader changed: a write sent to another leader (or held while none was known) goes
    /// to this one, keeping its identity (`resend` calls this oldest first).
    mutating func resendWrite(_ localID: UInt64, to leader: NodeID?) {
        guard let write = outstandingWrites[localID], write.sentTo != leader else { return }
        outstandingWrites.modifyValue(forKey: localID) { $0.sentTo = nil }
        guard let leader else { return }
        if leader == settings.nodeID, leaderNotReady() != nil { return }
        // A refusal here leaves it to the copies already sent (or to its deadline).
        _ = send(localID, to: leader)
    }

    /// The outstanding write with this identity, if it waits here.
    func localID(of key: RequestKey) -> UInt64? {
        key.session == session ? key.requestID : localIDs[key]
    }

    /// Forgets an outstanding write, and returns it with whether its client had gone away.
    @discardableResult
    mutating func forgetWrite(_ localID: UInt64) -> (write: OutstandingWrite, clientGone: Bool)? {
        guard let write = outstandingWrites.removeValue(forKey: localID) else { return nil }
        let clientGone = goneOrigins.contains(write.origin)
        if write.key.session != session, localIDs[write.key] == localID { localIDs[write.key] = nil }
        guard write.origin != 0, let count = unansweredWrites[write.origin] else { return (write, clientGone) }
        if count > 1 {
            unansweredWrites[write.origin] = count - 1
        } else {
            unansweredWrites[write.origin] = nil
            goneOrigins.remove(write.origin)
            releaseReads(behindWritesOf: write.origin)
        }
        return (write, clientGone)
    }

    /// The answer to an outstanding write is known.
    mutating func answerWrite(_ localID: UInt64, with result: State.Reply) {
        // Taken out, not copied: a copy of the write (its command's bytes, its recipients)
        // costs retains and releases on every write.
        if let (write, clientGone) = forgetWrite(localID) {
            if clientGone, write.key.session == session { noteUnreached(write.key.requestID) }
            if result.isWaiting && clientGone {
                // Its client went away while it was on its way: its wait ends at once.
                abandon([write.key.requestID])
            } else if result.isWaiting {
                // Its latest attempt hears how the wait ends.
                pendingWaits[write.key.requestID] = write.recipients.last!
                if write.origin != 0 { waitOrigins[write.key.requestID] = write.origin }
            } else {
                for recipient in write.recipients { answer(recipient, result) }
            }
        }
    }

    /// `leader` did not propose one copy of the write, or its copy can never commit: when no
    /// copy may be left anywhere, the write certainly did not apply and the refusal is its
    /// answer.
    mutating func refused(_ localID: UInt64, by leader: NodeID, _ refusal: GroupRefusal) {
        guard var write = outstandingWrites[localID] else { return }
        let left = (write.copies[leader] ?? 1) - 1
        write.copies[leader] = left > 0 ? left : nil
        guard write.copies.isEmpty else {
            outstandingWrites[localID] = write
            return
        }
        if refusal.meansAnotherLeader, write.sentTo == leader {
            // That node hands leadership over, or no longer leads: the write waits, as one held
            // while no leader is known, and goes to the next leader (`resend`,
            // `retryUnsentWrites`) before its deadline. Its client does not see the change.
            write.sentTo = nil
            outstandingWrites[localID] = write
            writesHeldAfterRefusal = true
            return
        }
        forgetWrite(localID)
        for recipient in write.recipients { answer(recipient, .refusal(refusal)) }
    }

    /// The answer for a write whose outcome cannot be known here: TRYAGAIN only when no copy
    /// was ever sent (TRYAGAIN means "not applied"; a retried INCR must not apply twice).
    static func unanswered(_ write: OutstandingWrite, _ why: String) -> State.Reply {
        .refusal(
            write.copies.isEmpty ? .tryAgain("\(why); retry") : .uncertain(why)
        )
    }

    /// A write a follower forwarded: proposed here if this node still leads, and answered when
    /// applied (or refused at once). A copy of a write already in this leader's log, not yet
    /// applied (forwarded before, or sent by a client of this node), is not proposed again: it
    /// waits for that one (clients that send a write again faster than it commits would
    /// otherwise fill the log with copies). When the copies proposed here are all lost, every
    /// copy received is refused: the follower counts copies to know when none is left.
    mutating func serveForwardedWrite(_ entry: State.Entry, from follower: NodeID, requestID: UInt64) {
        let key = RequestKey(session: entry.session, requestID: entry.requestID)
        guard isLeader else { return refuseForwarded(requestID, to: follower, notLeaderRefusal()) }
        var served = servedWrites[key] ?? ServedWrite()
        if copiesInLog[key] == nil {
            if let successor = replica.transferTarget {
                return refuseForwarded(requestID, to: follower, .handingOver(to: successor))
            }
            if let refusal = leaderNotReady() ?? propose(entry, for: key, order: .follower(follower)) {
                return refuseForwarded(requestID, to: follower, refusal)
            }
        }
        served.senders.append((follower, requestID))
        servedWrites[key] = served
    }

    mutating func refuseForwarded(_ requestID: UInt64, to follower: NodeID, _ refusal: GroupRefusal) {
        outputs.append(.answerForwarded(.refused(refusal), requestID: requestID, to: follower))
    }

    /// An applied entry of a session: its result goes to whoever waits for it here (a client
    /// of this node, a follower that forwarded it, or both: a client that keeps its own
    /// identity may have sent it through several nodes).
    mutating func deliverApplied(_ key: RequestKey, _ result: State.Reply) {
        if let localID = localID(of: key), outstandingWrites[localID] != nil {
            answerWrite(localID, with: result)
        } else if !result.isWaiting, let recipient = pendingWaits.removeValue(forKey: key.requestID) {
            // A copy of a lock acquisition that waited in line: it answers how the wait ended.
            answer(recipient, result)
        }
        guard let served = servedWrites.removeValue(forKey: key) else { return }
        var answered: Set<Recipient> = []
        for sender in served.senders {
            let follower = Recipient.follower(sender.follower, requestID: sender.requestID)
            guard answered.insert(follower).inserted else { continue }
            // Queued in a lock's line: the last sender hears when a later entry grants it or
            // its wait ends (every follower hears it from its own state machine too).
            if result.isWaiting {
                pendingWaits[key.requestID] = follower
            } else {
                answer(follower, result)
            }
        }
    }

    /// The leader answered a request this follower forwarded.
    public mutating func receiveOutcome(_ outcome: GroupOutcome<State>, from leader: NodeID, requestID: UInt64) {
        guard !isStopped else { return }
        if let read = forwardedReads[requestID] {
            switch outcome {
            case .answered(let result):
                forwardedReads[requestID] = nil
                answer(read.recipient, result)
            case .refused:
                // Not served there (that node no longer leads, or is stopping). A read changes
                // nothing, so it goes to the leader this node knows now, or waits for one
                // (`resend`) until its deadline: the client never sees another node's
                // NOTLEADER for a request this node took.
                forwardedReads[requestID]!.sentTo = nil
                if let current = replica.leader, current != leader { send(read: requestID, to: current) }
            }
            return
        }
        switch outcome {
        case .answered(let result):
            if outstandingWrites[requestID] != nil {
                answerWrite(requestID, with: result)
            } else if !result.isWaiting, let recipient = pendingWaits.removeValue(forKey: requestID) {
                // A lock acquisition applied here as waiting, granted by the leader first.
                answer(recipient, result)
            }
        case .refused(let refusal):
            refused(requestID, by: leader, refusal)
        }
    }

    /// The copy this node proposed at `index`, no longer waiting there: applied, overwritten
    /// or covered by a snapshot.
    mutating func takeProposal(at index: UInt64) -> RequestKey? {
        guard let key = proposedAt.removeValue(forKey: index) else { return nil }
        let left = copiesInLog[key, default: 1] - 1
        copiesInLog[key] = left > 0 ? left : nil
        return key
    }

    /// The proposal copy at some index can never commit (another entry took its place, or a
    /// snapshot covered it without applying it). While another copy is in the log, everyone
    /// waits for that one; otherwise this node's client, if one sent it, and every follower
    /// that forwarded it learn it was refused here.
    mutating func proposalLost(_ key: RequestKey, _ why: String) {
        guard copiesInLog[key] == nil else { return }
        if let localID = localID(of: key), outstandingWrites[localID] != nil {
            refused(localID, by: settings.nodeID, .tryAgain("\(why); retry"))
        }
        guard let served = servedWrites.removeValue(forKey: key) else { return }
        for sender in served.senders {
            refuseForwarded(sender.requestID, to: sender.follower, .tryAgain("\(why); retry"))
        }
    }
}
