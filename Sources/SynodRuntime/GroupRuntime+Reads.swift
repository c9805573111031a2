import SynodConsensus
import SynodCore

/// Client reads: served by the leader once its ReadIndex is applied; a follower forwards them.
extension GroupRuntime {
    struct PendingRead {
        let command: State.Read
        let recipient: Recipient
        /// The term the read was asked in; its ReadIndex can only come in that term.
        let term: Term
        /// The last index proposed here for the read's connection when it arrived
        /// (`SessionOrder`): serving no earlier keeps each connection's commands in order.
        let afterIndex: LogIndex
        var readIndex: LogIndex?
    }

    /// A read this follower forwards to the leader. While no leader is known it is held, and
    /// sent when one is; when the leader changes it is sent to the new one (a read changes
    /// nothing, so asking again is safe). It is also held while its connection has writes
    /// waiting for their answer (`writesAhead`).
    struct ForwardedRead {
        let command: State.Read
        let recipient: Recipient
        /// Its connection: the writes it waits behind, and the order it keeps if this node
        /// comes to lead before the read is answered.
        let order: SessionOrder.Key?
        var sentTo: NodeID?
        /// When it is answered TRYAGAIN if no leader answered (monotonic milliseconds).
        var deadline: Int64
    }

    /// A linearizable read from a client of this node, answered with `ticket`. `origin` names
    /// the client's connection, as for its writes: the read is served after that connection's
    /// earlier writes, and only those (0: after every write proposed here so far).
    public mutating func read(_ command: State.Read, origin: UInt64 = 0, ticket: UInt64) {
        read(command, for: .client(ticket: ticket), order: origin == 0 ? nil : .connection(origin), mayForward: true)
    }

    mutating func read(
        _ command: State.Read,
        for recipient: Recipient,
        order: SessionOrder.Key?,
        mayForward: Bool
    ) {
        guard !isStopped else { return answer(recipient, .refusal(.stopping(nil))) }
        if settings.plantedBug == .readWithoutReadIndex { return answer(recipient, serve(command)) }
        resumeAfterHandover()
        let handingOver = replica.transferTarget != nil && settings.plantedBug != .readsPastHandover
        if mayForward && (!isLeader || handingOver) {
            // While this leader hands leadership over, its clients' reads wait with their
            // writes (`routableLeader`), behind them, and go to the next leader.
            if isLeader { requestsHeldForHandover = true }
            return forward(command, for: recipient, order: order)
        }
        guard isLeader else { return answer(recipient, .refusal(notLeaderRefusal())) }
        let requestID = takeRequestID()
        readsAwaitingIndex.append(requestID)
        pendingReads[requestID] = PendingRead(
            command: command,
            recipient: recipient,
            term: replica.term,
            afterIndex: settings.plantedBug == .dropSessionOrder
                ? LogIndex(0)
                : sessionOrder.afterIndex(
                    for: order,
                    lastIndex: replica.lastIndex,
                    applied: LogIndex(state.appliedIndex)
                )
        )
        pendingReadOrder.append(requestID)
    }

    /// Asks one ReadIndex for the reads that came since the last was asked (taken after each
    /// of them arrived, so it is at least the commit index of its arrival, as ReadIndex asks).
    mutating func askReadIndex() {
        guard !readsAwaitingIndex.isEmpty else { return }
        let reads = readsAwaitingIndex
        readsAwaitingIndex.removeAll(keepingCapacity: true)
        let context = takeRequestID()
        do {
            try replica.readIndex(context: context)
        } catch {
            let refusal: GroupRefusal
            if case .notLeader = error { refusal = notLeaderRefusal() } else { refusal = .tryAgain("\(error)") }
            for id in reads {
                guard let read = pendingReads.removeValue(forKey: id) else { continue }
                answer(read.recipient, .refusal(refusal))
            }
            return
        }
        readIndexBatches[context] = reads
    }

    /// The indexes the replica confirmed, for the reads that asked.
    mutating func receive(_ readStates: [ReadState]) {
        for readState in readStates {
            for id in readIndexBatches.removeValue(forKey: readState.context) ?? [] {
                pendingReads.modifyValue(forKey: id) { $0.readIndex = readState.index }
            }
        }
    }

    /// Hands a read to the leader, or holds it until one is known.
    mutating func forward(_ command: State.Read, for recipient: Recipient, order: SessionOrder.Key?) {
        // Requests sent to an earlier leader go to the new one before this one.
        noticeLeaderChange()
        let requestID = takeRequestID()
        forwardedReads[requestID] = ForwardedRead(
            command: command,
            recipient: recipient,
            order: order,
            deadline: now().monotonicMilliseconds + settings.forwardedReadWaitMilliseconds
        )
        if let leader = routableLeader { send(read: requestID, to: leader) }
    }

    /// Once a handover this leader began has ended (leadership moved, or the transfer was
    /// abandoned), the writes and reads its clients sent meanwhile go to the leader, the
    /// writes first: a read leaves only once the writes of its connection before it are
    /// answered (`writesAhead`). Cheap when nothing was held.
    mutating func resumeAfterHandover() {
        guard requestsHeldForHandover, replica.transferTarget == nil, let leader = routableLeader else { return }
        requestsHeldForHandover = false
        retryUnsentWrites()
        for requestID in forwardedReads.keys.sorted() {
            guard let read = forwardedReads[requestID], read.sentTo == nil, writesAhead(of: read) == nil else {
                continue
            }
            send(read: requestID, to: leader)
        }
    }

    /// Sends a held or forwarded read to `leader` (served here when this node leads now).
    mutating func send(read requestID: UInt64, to leader: NodeID) {
        guard var read = forwardedReads[requestID] else { return }
        if let origin = writesAhead(of: read) {
            return readsHeldBehindWrites[origin, default: []].append(requestID)
        }
        guard leader != settings.nodeID else {
            forwardedReads[requestID] = nil
            return self.read(read.command, for: read.recipient, order: read.order, mayForward: false)
        }
        statistics.forwardedRequests += 1
        read.sentTo = leader
        forwardedReads[requestID] = read
        outputs.append(.forward(.read(read.command), requestID: requestID, to: leader))
    }

    /// The connection whose unanswered writes `read` waits behind before it goes to a leader,
    /// or nil. The link to the leader keeps order, but a write and a later read of one
    /// connection need not reach the same leader in that order: the write's frame may be lost
    /// with a broken connection and the write sent again, after a leader change, behind the
    /// read. So a forwarded read leaves only once the writes before it are answered (applied,
    /// or known not to be); runs of writes and runs of reads still pipeline.
    func writesAhead(of read: ForwardedRead) -> UInt64? {
        guard settings.plantedBug != .forwardReadsPastWrites, case .connection(let origin)? = read.order,
            unansweredWrites[origin] != nil
        else { return nil }
        return origin
    }

    /// The last unanswered write of connection `origin` was answered: its held reads go to the
    /// leader, in the order they came, each with its full wait from now.
    mutating func releaseReads(behindWritesOf origin: UInt64) {
        guard let held = readsHeldBehindWrites.removeValue(forKey: origin) else { return }
        let deadline = now().monotonicMilliseconds + settings.forwardedReadWaitMilliseconds
        for requestID in Set(held).sorted() {
            // Answered meanwhile (its node stopped), or already sent.
            guard let read = forwardedReads[requestID], read.sentTo == nil else { continue }
            forwardedReads[requestID]!.deadline = deadline
            if let leader = replica.leader { send(read: requestID, to: leader) }
        }
    }

    /// The writes that wait with no copy sent anywhere (the leader refused them, or handed
    /// leadership over) go to the leader this node knows now, oldest first.
    mutating func retryUnsentWrites() {
        guard let leader = routableLeader, outstandingWrites.values.contains(where: { $0.sentTo == nil }) else {
            return
        }
        for localID in outstandingWrites.keys.sorted() where outstandingWrites[localID]?.sentTo == nil {
            resendWrite(localID, to: leader)
        }
    }

    /// The leader changed: the reads and writes sent to another leader, and those held while
    /// none was known, go to this one in the order their clients sent them (a connection's
    /// read must not overtake its earlier write).
    mutating func resend(to leader: NodeID?) {
        guard !outstandingWrites.isEmpty || !forwardedReads.isEmpty else { return }
        let requests = (Array(outstandingWrites.keys) + Array(forwardedReads.keys)).sorted()
        for requestID in requests {
            if let read = forwardedReads[requestID] {
                guard read.sentTo != leader else { continue }
                forwardedReads.modifyValue(forKey: requestID) { $0.sentTo = nil }
                if let leader { send(read: requestID, to: leader) }
            } else {
                resendWrite(requestID, to: leader)
            }
        }
    }

    /// A request a follower forwarded (already checked by the shell): served here if this
    /// node still leads (never forwarded again), and the result sent back.
    public mutating func serveForwarded(_ request: GroupRequest<State>, from follower: NodeID, requestID: UInt64) {
        guard !isStopped else {
            return refuseForwarded(requestID, to: follower, .tryAgain("the node is stopping; retry"))
        }
        switch request {
        case .write(let entry):
            serveForwardedWrite(entry, from: follower, requestID: requestID)
        case .read(let command):
            // A follower sends its connections' requests in order over one link: the read comes
            // after every write it forwarded before it.
            read(command, for: .follower(follower, requestID: requestID), order: .follower(follower), mayForward: false)
        }
    }

    /// Serves the reads whose ReadIndex the state machine has reached.
    mutating func answerReads() {
        guard !pendingReads.isEmpty else { return pendingReadOrder.removeAll(keepingCapacity: true) }
        let applied = LogIndex(state.appliedIndex)
        var waiting = 0
        for position in pendingReadOrder.indices {
            let id = pendingReadOrder[position]
            guard let read = pendingReads[id] else { continue }
            guard let index = read.readIndex, index <= applied, read.afterIndex <= applied else {
                pendingReadOrder[waiting] = id
                waiting += 1
                continue
            }
            pendingReads[id] = nil
            answer(read.recipient, serve(read.command))
        }
        pendingReadOrder.removeLast(pendingReadOrder.count - waiting)
    }

    /// A read a READONLY connection asked for: served from this replica's state as it is,
    /// without asking the leader (it may miss the newest writes).
    public mutating func serveLocally(_ command: State.Read) -> State.Reply {
        isStopped ? .refusal(.stopping(nil)) : serve(command)
    }

    /// Answers a read from the state machine, at this node's clock.
    mutating func serve(_ command: State.Read) -> State.Reply {
        let time = now()
        if let reply = duties.served(command, state: state, time: time, random: &random) { return reply }
        let reply = state.read(command, at: time.wallMilliseconds, randomIndex: { random.nextIndex(below: $0) })
        // Not while a snapshot's frozen copy shares the state: each touch would copy a path
        // of it (Redis, likewise, does not touch keys while a child process shares memory).
        if snapshotInProgress == nil { state.noteServed(command, at: time.wallMilliseconds) }
        return reply
    }

    /// Requests past their deadline: a write still waiting on a known leader waits longer (up
    /// to `writeWaitMaxMilliseconds`); otherwise it ends, UNCERTAIN if a copy may have been
    /// proposed. A forwarded read past its deadline is answered TRYAGAIN.
    mutating func endOverdueRequests() {
        let time = now().monotonicMilliseconds
        guard time >= nextDeadlineCheck else { return }
        nextDeadlineCheck = time + 100
        resumeAfterHandover()
        if writesHeldAfterRefusal {
            // Refused again, they are held again (`refused`) and tried at the next check.
            writesHeldAfterRefusal = false
            retryUnsentWrites()
        }
        for localID in outstandingWrites.keys.sorted() {
            guard let write = outstandingWrites[localID], write.deadline <= time else { continue }
            if replica.leader != nil, write.sentTo == replica.leader, time < write.giveUpAt {
                let extended = min(time + settings.writeWaitMilliseconds, write.giveUpAt)
                outstandingWrites.modifyValue(forKey: localID) { $0.deadline = extended }
                continue
            }
            forgetWrite(localID)
            let why = replica.leader == nil ? "no leader elected" : "no leader answered in time"
            for recipient in write.recipients { answer(recipient, Self.unanswered(write, why)) }
        }
        for requestID in forwardedReads.keys.sorted() {
            // A read held behind its connection's writes ends with them (`releaseReads`).
            guard let read = forwardedReads[requestID], read.deadline <= time, writesAhead(of: read) == nil else {
                continue
            }
            forwardedReads[requestID] = nil
            let why =
                read.sentTo.map { "the leader (node \($0.rawValue)) did not answer in time" } ?? "no leader elected"
            answer(read.recipient, .refusal(.tryAgain("\(why); retry")))
        }
    }
}
