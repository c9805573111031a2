import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft

/// The node runtime as the simulator plays it: the Ready cycle with a disk that takes time,
/// a network that loses, duplicates and delays, and a state machine with client replies.
extension Simulator {
    /// Takes the next Ready if no write is in progress: persists it (taking disk time), then
    /// sends, applies and advances.
    mutating func processReady(_ position: Int) {
        // The replica is mutated in place: a copy would duplicate its log.
        guard nodes[position].writeInProgress == nil, nodes[position].replica?.hasReady == true else { return }
        let ready = nodes[position].replica!.ready()
        // A new commit index alone is staged but not synced (`Ready.changesTermOrVote`).
        let needsWrite =
            options.mutation == .skipHardStateSync
            ? ready.snapshot != nil || !ready.entriesToPersist.isEmpty : ready.needsSync
        guard needsWrite else {
            if ready.hardState != nil { stageWrite(ready, on: position) }
            finish(ready, on: position, messagesAlreadySent: false, durable: false)
            return
        }
        nodes[position].writeInProgress = ready
        stageWrite(ready, on: position)
        let incarnation = nodes[position].incarnation
        queue.schedule(
            .diskWriteDone(node: position, incarnation: incarnation),
            at: now + draw(options.diskLatencyMicroseconds)
        )
        // A leader's appends may go while its own write is in progress.
        let early = ready.messagesMayPrecedePersistence || options.mutation == .acknowledgeBeforeFsync
        nodes[position].messagesSentEarly = early
        if early {
            for message in ready.messages { send(message) }
        }
    }

    /// The write of `ready` is durable: send its messages, apply, advance, and go on.
    mutating func finish(_ ready: Ready<RaftMessage>, on position: Int, messagesAlreadySent: Bool, durable: Bool = true)
    {
        let id = nodes[position].id
        if durable && (ready.hardState != nil || ready.snapshot != nil || !ready.entriesToPersist.isEmpty) {
            nodes[position].persist(ready)
            checker.recordDurable(nodes[position].durable, on: id)
        }
        if !messagesAlreadySent {
            for message in ready.messages { send(message) }
        }
        if let snapshot = ready.snapshot {
            nodes[position].store = restoreStore(from: snapshot, on: position)
            nodes[position].lockWaits = LockWaitChecker(store: nodes[position].store)
            for (requestID, client) in nodes[position].pendingWaits {
                // The snapshot covers the entry that settled the wait.
                let standing = nodes[position].store.standing(ofTicket: requestID)
                guard standing != .waiting else { continue }
                nodes[position].pendingWaits[requestID] = nil
                if case .integer(let token) = standing {
                    reply(.applied(.acquired(token: UInt64(token))), to: client, requestID: requestID)
                } else {
                    reply(.applied(.acquired(token: nil)), to: client, requestID: requestID)
                }
            }
            statistics.snapshotsInstalled += 1
            record("n\(id.rawValue) installs snapshot \(snapshot.term)/\(snapshot.index)")
        }
        for entry in ready.committedEntries { apply(entry, on: position) }
        for readState in ready.readStates {
            nodes[position].pendingReads[readState.context]?.readIndex = readState.index
        }
        answerReads(on: position)
        nodes[position].replica!.advance(ready)
        compactIfDue(position)
        observe(position)
        processReady(position)
    }

    private mutating func apply(_ entry: LogEntry, on position: Int) {
        checker.recordApplied(entry, on: nodes[position].id)
        fold(0xA991, UInt64(position), entry.index.rawValue, entry.term.rawValue)
        guard case .command(let bytes) = entry.payload else {
            nodes[position].store.skip(index: entry.index.rawValue)
            return
        }
        let decoded: KeyValueEntry
        do {
            decoded = try KeyValueEntry(decoding: bytes)
        } catch {
            preconditionFailure("n\(position + 1) applied an entry the simulation did not write: \(error)")
        }
        let applied = nodes[position].store.applyReporting(decoded, at: entry.index.rawValue)
        if let violation = nodes[position].lockWaits.observe(decoded, applied, store: nodes[position].store) {
            checker.fail("lock-waits", "n\(position + 1) at \(entry.index): \(violation)")
        }
        // A copy of a write its client already had answered (or gave up) is answered to nobody;
        // any other copy answers the first result (a FENCED refusal included).
        let acknowledgedCopy = applied.isCopy && applied.result == ClientSessions.acknowledgedCopy
        if let client = nodes[position].pendingWrites.removeValue(forKey: decoded.requestID), !acknowledgedCopy {
            if applied.result == .waiting {
                nodes[position].pendingWaits[decoded.requestID] = client
            } else {
                reply(
                    .applied(SimulatedCommand.outcome(of: decoded.command, applied.result)),
                    to: client,
                    requestID: decoded.requestID
                )
            }
        }
        for event in applied.events {
            switch event {
            case .granted(let ticket, let token):
                if let client = nodes[position].pendingWaits.removeValue(forKey: ticket) {
                    reply(.applied(.acquired(token: token)), to: client, requestID: ticket)
                }
            case .gaveUp(let ticket):
                if let client = nodes[position].pendingWaits.removeValue(forKey: ticket) {
                    reply(.applied(.acquired(token: nil)), to: client, requestID: ticket)
                }
            }
        }
    }

    /// The state machine as a snapshot has it (a damaged one is a simulator bug: snapshots are
    /// checksummed on disk and come whole from the leader).
    func restoreStore(from snapshot: Snapshot, on position: Int) -> KeyValueStore {
        do {
            return try KeyValueStore(snapshotBytes: snapshot.data)
        } catch {
            preconditionFailure("n\(position + 1) cannot restore snapshot \(snapshot.term)/\(snapshot.index): \(error)")
        }
    }

    /// Serves reads whose ReadIndex the state machine has reached.
    mutating func answerReads(on position: Int) {
        let applied = nodes[position].store.appliedIndex
        for requestID in nodes[position].pendingReads.keys.sorted() {
            let read = nodes[position].pendingReads[requestID]!
            guard let index = read.readIndex, index.rawValue <= applied else { continue }
            nodes[position].pendingReads[requestID] = nil
            let value = nodes[position].store.value(of: read.key, at: clockMilliseconds(position))
            reply(.value(SimulatedCommand.number(value)), to: read.clientID, requestID: requestID)
        }
    }

    /// Takes a snapshot when enough entries were applied since the last one (unless a
    /// membership change is committed but not yet applied: see `snapshotMembership`).
    private mutating func compactIfDue(_ position: Int) {
        guard let snapshot = dueSnapshot(position) else { return }
        let applied = snapshot.index
        nodes[position].replica!.snapshotTaken(snapshot)
        // Written to a temporary file, fsynced and renamed: durable at once, atomically.
        compactStorage(position, to: snapshot)
        nodes[position].durable.snapshot = snapshot
        nodes[position].durable.entries.removeAll { $0.index <= applied }
        checker.recordDurable(nodes[position].durable, on: nodes[position].id)
        statistics.snapshotsTaken += 1
        record("n\(position + 1) snapshot at \(snapshot.term)/\(applied)")
    }

    private func dueSnapshot(_ position: Int) -> Snapshot? {
        guard let replica = nodes[position].replica else { return nil }
        let applied = LogIndex(nodes[position].store.appliedIndex)
        guard applied.rawValue >= replica.snapshotIndex.rawValue + UInt64(options.snapshotIntervalEntries),
            let membership = replica.snapshotMembership(at: applied),
            let term = replica.term(at: applied)
        else { return nil }
        return Snapshot(
            index: applied,
            term: term,
            membership: membership,
            data: nodes[position].store.snapshotBytes
        )
    }

    // MARK: - Network

    /// Puts a message on the wire: it may be lost, duplicated, and arrives after a latency.
    mutating func send(_ message: RaftMessage) {
        checker.observeSent(message)
        let (drop, duplicate) = currentLossRates
        if random.nextBool(probability: drop) {
            statistics.messagesDropped += 1
            return
        }
        queue.schedule(.deliver(message), at: now + draw(options.networkLatencyMicroseconds))
        if random.nextBool(probability: duplicate) {
            queue.schedule(.deliver(message), at: now + draw(options.networkLatencyMicroseconds))
        }
    }

    var currentLossRates: (drop: Double, duplicate: Double) {
        inLivenessPhase ? (0, 0) : (options.dropProbability, options.duplicateProbability)
    }

    mutating func deliver(_ message: RaftMessage) {
        let position = Int(message.to.rawValue) - 1
        guard position < nodes.count, nodes[position].isUp,
            !blockedLinks.contains(Link(from: message.from, to: message.to))
        else {
            statistics.messagesDropped += 1
            return
        }
        statistics.messagesDelivered += 1
        fold(message.from.rawValue, message.to.rawValue, message.term.rawValue, Self.bodyCode(message.body))
        record("deliver \(message)")
        nodes[position].replica!.step(message)
        afterInput(position)
    }

    static func bodyCode(_ body: RaftMessage.Body) -> UInt64 {
        switch body {
        case .preVote: 1
        case .preVoteResponse(let granted): granted ? 2 : 3
        case .vote: 4
        case .voteResponse(let granted): granted ? 5 : 6
        case .append(let previousIndex, _, let entries, let commit):
            7 &+ previousIndex.rawValue << 8 &+ UInt64(entries.count) << 32 &+ commit.rawValue << 40
        case .appendResponse(.accepted(let matchIndex)): 8 &+ matchIndex.rawValue << 8
        case .appendResponse(.rejected(let rejectedIndex, _, _)): 9 &+ rejectedIndex.rawValue << 8
        case .heartbeat: 10
        case .heartbeatResponse: 11
        case .snapshotChunk(let chunk): 12 &+ UInt64(chunk.offset) << 8
        case .snapshotResponse: 13
        case .timeoutNow: 14
        }
    }
}
