import NIOCore
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPOSIXStorage
import SynodRaft
import SynodStorage

/// The Ready cycle: persist and sync, then send, then apply, then advance.
///
/// The fdatasync runs on `syncThreads` while the loop goes on serving connections and taking
/// in requests and messages (they join the replica's log, not storage); the next Ready is
/// taken only when the sync is done, so every message leaves after what it depends on is
/// durable, except a leader's appends, which `Ready.messagesMayPrecedePersistence` lets go
/// while its own write runs. A Ready whose only durable change is a new commit index is staged
/// without a sync. Replies to clients are written after the next sync has begun, so that the
/// disk and the network work at the same time.
extension NodeDriver {
    func processReady() {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        while !stopped && syncInProgress == nil && replica.hasReady {
            let ready = replica.ready()
            let pending: WriteAheadLog<POSIXFileSystem>.PendingSync?
            do {
                try storage.stage(
                    group: Self.group,
                    hardState: ready.hardState,
                    snapshot: ready.snapshot,
                    entries: ready.entriesToPersist
                )
                // A new commit index alone stays staged: it rides with the next sync.
                pending = ready.needsSync ? try storage.beginSync() : nil
            } catch {
                stop(because: "\(error)")
                break
            }
            guard let pending else {
                finish(ready, messagesSent: false)
                continue
            }
            syncInProgress = pending
            // A leader's appends go out while its own write is in progress (see `Ready`).
            let messagesSent = ready.messagesMayPrecedePersistence
            if messagesSent {
                for message in ready.messages { send(message) }
            }
            let files = storage.files
            syncThreads.runIfActive(eventLoop: loop) {
                var files = files  // Stateless: a copy syncs the same descriptor.
                try files.synchronize(pending.file)
            }.whenComplete { result in
                self.syncFinished(pending, ready: ready, messagesSent: messagesSent, result: result)
            }
        }
        deliverReplies()
    }

    /// The fdatasync of `ready`'s writes returned.
    func syncFinished(
        _ pending: WriteAheadLog<POSIXFileSystem>.PendingSync,
        ready: Ready<RaftMessage>,
        messagesSent: Bool,
        result: Result<Void, Error>
    ) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        syncInProgress = nil
        let bytesBefore = storage.log.statistics.bytesWritten
        do {
            var failure: FileSystemError?
            if case .failure(let error) = result {
                failure =
                    error as? FileSystemError
                    ?? FileSystemError(.inputOutput("\(error)"), operation: "fdatasync", path: storage.directory)
            }
            try storage.finishSync(pending, failure: failure)
        } catch {
            stop(because: "\(error)")
            deliverReplies()
            return
        }
        metrics.fsyncs.increment()
        metrics.bytesWritten.increment(by: Int64(storage.log.statistics.bytesWritten - bytesBefore))
        finish(ready, messagesSent: messagesSent)
        for waiter in syncWaiters { waiter.succeed(()) }
        syncWaiters = []
        processReady()
    }

    /// The rest of the cycle, once `ready`'s writes are durable.
    func finish(_ ready: Ready<RaftMessage>, messagesSent: Bool) {
        // Only now durable: a vote or an acknowledged entry may be relied on by a peer.
        if !messagesSent {
            for message in ready.messages { send(message) }
        }
        if let snapshot = ready.snapshot {
            restore(snapshot)
            // A snapshot that cannot be read stops the node: nothing is applied to the old state.
            guard !stopped else { return }
            watches.restart(after: store.revision)
            learnOutcomes(through: snapshot.index)
            settleWaitsAfterSnapshot()
        }
        for entry in ready.committedEntries {
            apply(entry)
            guard !stopped else { return }
        }
        for readState in ready.readStates { pendingReads[readState.context]?.readIndex = readState.index }
        replica.advance(ready)
        answerReads()
        compactIfDue()
        proposeEvictionIfNeeded()
        recordProgress(appliedCount: ready.committedEntries.count)
    }

    /// Answers the clients whose requests completed.
    func deliverReplies() {
        guard !repliesToDeliver.isEmpty else { return }
        let replies = repliesToDeliver
        repliesToDeliver = []
        for (promise, result) in replies { promise.succeed(result) }
    }

    /// Completes once no sync is in progress: a stopping node waits for it, so that what it
    /// wrote is answered before the process exits.
    func waitForSync() -> EventLoopFuture<Void> {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard syncInProgress != nil else { return loop.makeSucceededVoidFuture() }
        let waiter = loop.makePromise(of: Void.self)
        syncWaiters.append(waiter)
        return waiter.futureResult
    }

    func recordProgress(appliedCount: Int) {
        noticeLeaderChange()
        if appliedCount > 0 { metrics.entriesApplied.increment(by: Int64(appliedCount)) }
        if isLeader && !ledLastRound { metrics.electionsWon.increment() }
        ledLastRound = isLeader
        metrics.term.record(Int64(replica.hardState.term.rawValue))
        metrics.commitIndex.record(Int64(replica.commitIndex.rawValue))
    }

    /// Storage failed: nothing more is acknowledged, every waiting client gets an error, and
    /// the node stops (a failed fsync is never retried).
    func stop(because reason: String) {
        guard !stopped else { return }
        stopped = true
        for write in outstandingWrites.values {
            write.promise.succeed(Self.unanswered(write, "the node stopped (\(reason))"))
        }
        for read in pendingReads.values { read.promise.succeed(.error("ERR node stopping: \(reason)")) }
        for promise in pendingWaits.values { promise.succeed(.error("ERR node stopping: \(reason)")) }
        pendingWaits = [:]
        outstandingWrites = [:]
        servedWrites = [:]
        proposedAt = [:]
        pendingReads = [:]
        onFatalError(reason)
    }

    func restore(_ snapshot: Snapshot) {
        let restored: KeyValueStore
        do {
            restored = try KeyValueStore(snapshotBytes: snapshot.data)
        } catch {
            return stop(because: "snapshot \(snapshot.term)/\(snapshot.index) from the leader is undecodable: \(error)")
        }
        // The state must be the one at the snapshot's index, or every later entry would apply
        // to the wrong state (the store refuses to apply out of order).
        guard restored.appliedIndex == snapshot.index.rawValue else {
            return stop(
                because: "snapshot \(snapshot.term)/\(snapshot.index) holds the state at index "
                    + "\(restored.appliedIndex), not at its own"
            )
        }
        store = restored
    }

    func apply(_ entry: LogEntry) {
        let proposed = proposedAt.removeValue(forKey: entry.index.rawValue)
        var appliedKey: RequestKey?
        if case .command(let bytes) = entry.payload {
            let decoded: KeyValueEntry
            do {
                decoded = try KeyValueEntry(decoding: bytes)
            } catch {
                // Skipping it would lose a committed write: stop, and say where.
                return stop(
                    because: "the committed log entry at index \(entry.index.rawValue) (term \(entry.term.rawValue)) "
                        + "cannot be decoded: \(error); this node cannot apply its log"
                )
            }
            let applied = store.applyReporting(decoded, at: entry.index.rawValue)
            if applied.session != 0, let requestID = applied.requestID {
                let key = RequestKey(session: applied.session, requestID: requestID)
                appliedKey = key
                deliverApplied(key, applied.result)
            }
            for event in applied.events { settle(event) }
            watches.record(revision: applied.revision, changes: applied.keyChanges)
            evictions.applied(applied.keyChanges)
            if !applied.keyChanges.isEmpty { tracking.changed(applied.keyChanges.map(\.key), origin: applied.origin) }
            if !keyspaceEvents.isEmpty {
                for change in applied.keyChanges {
                    for notification in keyspaceEvents.notifications(for: change) {
                        pubsub.publish(notification.channel, notification.message)
                    }
                }
            }
        } else {
            store.skip(index: entry.index.rawValue)
        }
        if let proposed, proposed != appliedKey {
            proposalLost(proposed, "the write was lost in a leader change")
        }
    }

    /// A request waiting in a lock's line is granted, or gives up (nil, as Redis answers a
    /// lock not taken).
    func settle(_ event: CoordinationEvent) {
        switch event {
        case .granted(let ticket, let token):
            if let promise = pendingWaits.removeValue(forKey: ticket) {
                repliesToDeliver.append((promise, .integer(Int64(token))))
            }
        case .gaveUp(let ticket):
            if let promise = pendingWaits.removeValue(forKey: ticket) { repliesToDeliver.append((promise, .null)) }
        }
    }

    /// After a snapshot: the waits whose grant or end the snapshot covered.
    func settleWaitsAfterSnapshot() {
        for (ticket, promise) in pendingWaits {
            let standing = store.standing(ofTicket: ticket)
            guard standing != .waiting else { continue }
            pendingWaits[ticket] = nil
            repliesToDeliver.append((promise, standing))
        }
    }

    /// A snapshot from the leader replaced the log up to `index`: the sessions it holds tell
    /// which waiting writes it applied (their results) and which copies proposed here at the
    /// indexes it covers were lost.
    func learnOutcomes(through index: LogIndex) {
        for requestID in outstandingWrites.keys.sorted() {
            if let result = store.sessions.duplicateResult(session: session, requestID: requestID) {
                answer(requestID, with: result)
            }
        }
        for (key, _) in servedWrites {
            if let result = store.sessions.duplicateResult(session: key.session, requestID: key.requestID) {
                deliverApplied(key, result)
            }
        }
        for (proposedIndex, key) in proposedAt where proposedIndex <= index.rawValue {
            proposedAt[proposedIndex] = nil
            proposalLost(key, "the write was lost in a leader change")
        }
    }

    /// Serves the reads whose ReadIndex the state machine has reached.
    func answerReads() {
        let applied = LogIndex(store.appliedIndex)
        for (id, read) in pendingReads {
            guard let index = read.readIndex, index <= applied, read.afterIndex <= applied else { continue }
            pendingReads[id] = nil
            repliesToDeliver.append((read.promise, serve(read.command)))
        }
    }

    /// Takes a snapshot when enough entries were applied since the last one.
    func compactIfDue() {
        let applied = LogIndex(store.appliedIndex)
        guard applied.rawValue >= replica.snapshotIndex.rawValue + UInt64(configuration.snapshotIntervalEntries),
            let membership = replica.snapshotMembership(at: applied),
            let term = replica.term(at: applied)
        else { return }
        let snapshot = Snapshot(index: applied, term: term, membership: membership, data: store.snapshotBytes)
        replica.snapshotTaken(snapshot)
        do {
            try storage.compact(group: Self.group, to: snapshot)
        } catch {
            stop(because: "\(error)")
        }
    }
}
