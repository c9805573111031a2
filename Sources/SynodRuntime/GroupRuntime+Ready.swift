import SynodConsensus
import SynodCore

/// The Ready cycle: persist and sync, then send, then apply, then advance.
extension GroupRuntime {
    /// Takes the replica's Readys while no sync is in progress: each is handed to the shell to
    /// persist; one that needs no sync is finished at once, and one that does waits for
    /// `persisted()`. The shell calls this once the inputs queued so far have been taken in,
    /// so that they share one Ready and one sync (group commit).
    public mutating func processReady() {
        if !isStopped { askReadIndex() }
        takeWorkIndependentOfSync()
        while !isStopped && persisting == nil && replica.hasReady {
            let ready = replica.ready()
            if let load = ready.entriesToLoad { outputs.append(.loadEntries(load)) }
            receive(ready.snapshotTransfer)
            guard !isStopped else { return }
            let sync =
                settings.plantedBug == .skipHardStateSync
                ? ready.snapshot != nil || !ready.entriesToPersist.isEmpty : ready.needsSync
            outputs.append(
                .persist(
                    Persistence(
                        hardState: ready.hardState,
                        snapshotTransfer: ready.snapshotTransfer,
                        snapshot: ready.snapshot,
                        entries: ready.entriesToPersist,
                        sync: sync
                    )
                )
            )
            guard sync else {
                finish(ready, messagesSent: false)
                continue
            }
            // A leader's appends go out while its own write is in progress (see `Ready`).
            let early = ready.messagesMayPrecedePersistence || settings.plantedBug == .acknowledgeBeforeFsync
            if early {
                for message in ready.messages { outputs.append(.send(message)) }
            }
            persisting = (ready, early)
        }
    }

    /// While a sync that changed no term or vote is in progress: heartbeats and their answers
    /// go out, and reads a quorum confirmed are served once applied, without waiting for the
    /// disk (a big entry's fdatasync takes long enough for a follower's election timer).
    mutating func takeWorkIndependentOfSync() {
        guard !isStopped, let (ready, _) = persisting, !ready.changesTermOrVote else { return }
        let work = replica.takeWorkIndependentOfSync()
        guard !work.isEmpty else { return }
        for message in work.messages { outputs.append(.send(message)) }
        receive(work.readStates)
        answerReads()
    }

    /// The sync the last `.persist` asked for is done: the Ready's messages go out, its
    /// entries are applied, and the next Ready is taken.
    public mutating func persisted() {
        guard let (ready, messagesSent) = persisting else { return }
        persisting = nil
        finish(ready, messagesSent: messagesSent)
        processReady()
    }

    /// The rest of the cycle, once `ready`'s writes are durable.
    mutating func finish(_ ready: Ready<Replica.Message>, messagesSent: Bool) {
        // Only now durable: a vote or an acknowledged entry may be relied on by a peer.
        if !messagesSent {
            for message in ready.messages { outputs.append(.send(message)) }
        }
        releaseLater(ready.releasedLog)
        if let snapshot = ready.snapshot {
            let installed: State
            do {
                installed = try installedState(snapshot)
            } catch {
                // Nothing is applied to the old state: the node stops.
                return stop(because: "the snapshot from the leader cannot be installed: \(error)")
            }
            outputs.append(.release(state))
            state = installed
            statistics.snapshotsInstalled += 1
            logBytesSinceSnapshot = 0
            duties.restored()
            observer.restored(state)
            let answered = learnOutcomes(through: snapshot.index) + settleWaitsAfterSnapshot()
            settleRepliesAfterSnapshot(answered: answered)
        }
        for entry in ready.committedEntries {
            apply(entry)
            guard !isStopped else { return }
        }
        statistics.entriesApplied += UInt64(ready.committedEntries.count)
        receive(ready.readStates)
        replica.advance(ready)
        answerReads()
        compactIfDue()
        proposeDuties(.entriesApplied)
        noticeLeaderChange()
    }

    /// Rebuilds the state from the pieces of a snapshot as they arrive, so that no copy of
    /// its bytes is held; a decoding failure stops the group (the leader sent a state no
    /// replica could have).
    mutating func receive(_ transfer: [SnapshotTransferStep]) {
        for step in transfer {
            guard case .piece(let piece) = step else {
                abandonIncomingState()
                continue
            }
            if piece.offset == 0 {
                abandonIncomingState()
                incomingState = IncomingState(index: piece.index, term: piece.term)
            }
            guard var incoming = incomingState, incoming.index == piece.index, incoming.term == piece.term,
                incoming.decoder.bytesReceived == piece.offset
            else {
                return stop(because: "snapshot pieces out of order: \(piece.index)/\(piece.term) at \(piece.offset)")
            }
            incomingState = nil  // No second reference while the decoder grows.
            do {
                try incoming.decoder.feed(piece.bytes)
            } catch {
                return stop(because: "the snapshot from the leader cannot be installed: \(error)")
            }
            if piece.offset == 0 { incoming.fromFirstPiece = incoming.decoder.stateSoFar }
            incomingState = incoming
        }
    }

    /// Drops the state being rebuilt from a snapshot's pieces (the transfer was abandoned, or
    /// a newer snapshot replaced it): the shell frees it off the consensus thread, like a
    /// state a snapshot replaced. Half of a state of ten million keys held the node's loop
    /// for 334 ms when it was freed here.
    mutating func abandonIncomingState() {
        guard let incoming = incomingState else { return }
        incomingState = nil
        // The copy shares the rebuilt keys; the decoder's own reference goes here, cheaply.
        outputs.append(.release(incoming.decoder.stateSoFar))
    }

    /// The state a snapshot a Ready installs holds: the one rebuilt from its pieces, or, for a
    /// snapshot whose bytes are readable here, the one decoded from them.
    mutating func installedState(_ snapshot: Snapshot) throws -> State {
        guard var incoming = incomingState else { return try Self.restoredState(snapshot) }
        incomingState = nil
        guard incoming.index == snapshot.index, incoming.term == snapshot.term,
            incoming.decoder.bytesReceived == snapshot.data.count
        else {
            throw RuntimeFailure(description: "the pieces received do not make \(snapshot)")
        }
        if settings.plantedBug == .installHalfBuiltSnapshot, let partial = incoming.fromFirstPiece,
            partial.appliedIndex == snapshot.index.rawValue
        {
            return partial
        }
        let installed: State
        do {
            installed = try incoming.decoder.finish()
        } catch {
            throw RuntimeFailure(description: "snapshot \(snapshot.term)/\(snapshot.index) is undecodable: \(error)")
        }
        try Self.checkRestored(installed, from: snapshot)
        return installed
    }

    /// The shell read back the entries a `.loadEntries` asked for (none if storage no longer
    /// holds them): the replica sends them to the followers that need them, with its next
    /// Ready.
    public mutating func entriesLoaded(_ entries: [LogEntry]) {
        guard !isStopped else { return }
        replica.entriesLoaded(entries)
    }

    /// The shell stored the snapshot a Ready installed (from its pieces): the replica reads
    /// its bytes from there when a follower needs them.
    public mutating func receivedSnapshotStored(_ snapshot: Snapshot) {
        replica.snapshotStored(snapshot)
    }

    mutating func apply(_ entry: LogEntry) {
        logBytesSinceSnapshot += entry.sizeBytes
        let proposed = takeProposal(at: entry.index.rawValue)
        var appliedKey: RequestKey?
        if case .command(let bytes) = entry.payload {
            let decoded: State.Entry
            do {
                decoded = try State.decodeEntry(bytes)
            } catch {
                // Skipping it would lose a committed write: stop, and say where.
                return stop(
                    because: "the committed log entry at index \(entry.index.rawValue) (term \(entry.term.rawValue)) "
                        + "cannot be decoded: \(error); this node cannot apply its log"
                )
            }
            let applied = state.apply(decoded, at: entry.index.rawValue)
            // Whether a client waits here for each held reply of its own identity, before the
            // answers below let go of them.
            var identityWaiting: [RequestKey: Bool] = [:]
            for key in applied.heldReplies { identityWaiting[key] = clientWaitsHere(for: key) }
            if let key = applied.answered {
                appliedKey = key
                deliverApplied(key, applied.result)
                if key.session == session { settlementApplied(requestID: key.requestID) }
            }
            for (requestID, result) in applied.settledWaits {
                if let recipient = pendingWaits.removeValue(forKey: requestID) { answer(recipient, result) }
            }
            if !applied.heldReplies.isEmpty { noteHeldReplies(applied.heldReplies, identityWaiting: identityWaiting) }
            // Requests of this session answered now without a hold need no mark any more.
            forgetUnreached(applied.settledWaits.map { $0.requestID })
            if let key = applied.answered, key.session == session, !applied.result.isWaiting {
                forgetUnreached([key.requestID])
            }
            duties.applied(applied, state: state, time: now(), random: &random)
            observer.applied(entry, decoded, applied, state: state)
        } else {
            state.skip(index: entry.index.rawValue)
            observer.applied(entry, nil, nil, state: state)
        }
        if let proposed, proposed != appliedKey {
            proposalLost(proposed, "the write was lost in a leader change")
        }
    }

    /// After a snapshot: the waits whose grant or end the snapshot covered. Returns those of
    /// this session answered.
    mutating func settleWaitsAfterSnapshot() -> [RequestKey] {
        var answered: [RequestKey] = []
        for ticket in pendingWaits.keys.sorted() {
            let standing = state.standing(ofWait: ticket)
            guard !standing.isWaiting, let recipient = pendingWaits.removeValue(forKey: ticket) else { continue }
            answer(recipient, standing)
            answered.append(RequestKey(session: session, requestID: ticket))
        }
        return answered
    }

    /// A snapshot from the leader replaced the log up to `index`: the sessions it holds tell
    /// which waiting writes it applied (their results) and which copies proposed here at the
    /// indexes it covers were lost.
    /// Returns the writes it answered.
    mutating func learnOutcomes(through index: LogIndex) -> [RequestKey] {
        var answered: [RequestKey] = []
        for localID in outstandingWrites.keys.sorted() {
            guard let key = outstandingWrites[localID]?.key,
                let result = state.recordedResult(session: key.session, requestID: key.requestID)
            else { continue }
            answerWrite(localID, with: result)
            answered.append(key)
        }
        for key in servedWrites.keys.sorted() {
            if let result = state.recordedResult(session: key.session, requestID: key.requestID) {
                deliverApplied(key, result)
            }
        }
        for proposedIndex in proposedAt.keys.sorted() where proposedIndex <= index.rawValue {
            guard let key = takeProposal(at: proposedIndex) else { continue }
            proposalLost(key, "the write was lost in a leader change")
        }
        return answered
    }

    /// Keeps the pieces of a log the replica let go until ticks free them: freeing the hundreds
    /// of thousands of entries a snapshot covers at once held the consensus thread for up to
    /// 300 ms at 3M keys (an allocation each, long out of the cache).
    mutating func releaseLater(_ droppedLog: [[LogEntry]]) {
        droppedLogs += droppedLog.filter { !$0.isEmpty }
    }

    /// Entries of replaced logs not freed yet.
    public var droppedEntriesPending: Int { droppedLogs.reduce(0) { $0 + $1.count } }

    /// Frees at most `GroupSettings.droppedEntriesFreedPerTick` of the dropped logs' entries,
    /// from their ends (so that nothing is moved). A tick comes every 20 ms or so: that frees
    /// several times the entries any load appends.
    mutating func releaseSomeDroppedEntries() {
        var budget = settings.droppedEntriesFreedPerTick
        while budget > 0, !droppedLogs.isEmpty {
            let last = droppedLogs.count - 1
            let count = min(budget, droppedLogs[last].count)
            droppedLogs[last].removeLast(count)
            budget -= count
            if droppedLogs[last].isEmpty { droppedLogs.removeLast() }
        }
    }

    /// Asks for a snapshot when the entries applied since the last one hold enough bytes
    /// (`GroupSettings.snapshotLogPercentOfState` of the last snapshot's size), one at a time:
    /// the state is frozen here (a copy, O(1) until either side changes) and the shell
    /// serializes it off the consensus thread, then calls `snapshotWritten`.
    mutating func compactIfDue() {
        let applied = LogIndex(state.appliedIndex)
        let due = max(
            settings.snapshotLogBytesMin,
            replica.snapshotByteCount / 100 * settings.snapshotLogPercentOfState
        )
        guard snapshotInProgress == nil, logBytesSinceSnapshot >= due, applied > replica.snapshotIndex,
            let membership = replica.snapshotMembership(at: applied),
            let term = replica.term(at: applied)
        else { return }
        snapshotInProgress = applied
        logBytesSinceSnapshot = 0
        outputs.append(.takeSnapshot(SnapshotJob(index: applied, term: term, membership: membership, state: state)))
    }

    /// The shell serialized the snapshot `takeSnapshot` asked for: it becomes the group's
    /// newest, unless a newer one (installed from the leader) took its place meanwhile.
    public mutating func snapshotWritten(_ snapshot: Snapshot) {
        guard snapshotInProgress == snapshot.index else { return }
        snapshotInProgress = nil
        guard !isStopped, snapshot.index > replica.snapshotIndex,
            replica.term(at: snapshot.index) == snapshot.term
        else { return }
        releaseLater(replica.snapshotTaken(snapshot))
        statistics.snapshotsTaken += 1
        outputs.append(.compact(snapshot))
        compactIfDue()
    }
}
