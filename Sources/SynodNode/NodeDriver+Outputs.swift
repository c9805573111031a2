import CSynodHeap
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPOSIXStorage
import SynodPeerProtocol
import SynodRaft
import SynodRuntime
import SynodStorage

/// What the runtime asks for, done with real storage, threads and sockets.
///
/// Replies to clients are written after everything else of the same round (a sync that
/// began, messages, frames), so that the disk and the network work at the same time.
extension NodeDriver {
    /// Carries out every group's outputs until none has more; then the Readys they staged
    /// share one sync.
    func carryOutOutputs() {
        var more = true
        while more {
            more = false
            for (position, group) in groups.enumerated() where !runtimes.isQuiet(position) {
                let outputs = runtimes[position: position].takeOutputs()
                guard !outputs.isEmpty else { continue }
                more = true
                carryOut(outputs, of: group)
            }
        }
        releaseReplacedStates()
        beginSyncIfIdle()
    }

    /// `carryOutOutputs` after an input to one group only (a peer's message), which only that
    /// group's runtime can have answered with outputs: with many groups, a walk over all of
    /// them for each message was a quarter of an idle node's time. Carrying them out stops
    /// every group only when the log fails; the walk over all of them then follows.
    func carryOutOutputs(ofPosition position: Int) {
        while true {
            let outputs = runtimes[position: position].takeOutputs()
            guard !outputs.isEmpty else { break }
            carryOut(outputs, of: groups[position])
        }
        guard !stopped, !runtimes[position: position].isStopped else { return carryOutOutputs() }
        releaseReplacedStates()
        beginSyncIfIdle()
    }

    /// Frees the states snapshots replaced on the background thread: a state of millions of
    /// keys takes up to seconds to free. Called once no output holds them, so the box is their
    /// only owner and the thread that empties it frees them. Not `syncThreads`: a sync must
    /// not wait behind this.
    func releaseReplacedStates() {
        guard !replacedStates.isEmpty else { return }
        let box = NIOLockedValueBox(replacedStates)
        replacedStates = []
        backgroundThread.submit { _ in
            box.withLockedValue { $0 = [] }
            synod_heap_trim()
        }
    }

    func carryOut(_ outputs: [GroupOutput<RaftMessage, KeyValueStore>], of group: GroupID) {
        var replies: [(UInt64, KeyValueResult)] = []
        for output in outputs {
            switch output {
            case .persist(let persistence):
                write(.persist(persistence), of: group)
            case .send(let message):
                send(message, group)
            case .forward(let request, let requestID, let leader):
                metrics.forwardedRequests.increment()
                sendFrame(
                    PeerFrame.encodeForwarded(request, from: configuration.nodeID, requestID: requestID, group: group),
                    leader,
                    .data
                )
            case .answerForwarded(let outcome, let requestID, let follower):
                let frame = Self.outcomeFrame(outcome, from: configuration.nodeID, requestID: requestID, group: group)
                sendFrame(frame, follower, PeerLane(ofResultBytes: frame.count))
            case .reply(let ticket, let result):
                replies.append((ticket, result))
            case .takeSnapshot(let job):
                writeSnapshot(job, of: group)
            case .compact(let snapshot):
                write(.compact(snapshot), of: group)
            case .loadEntries(let load):
                write(.load(load), of: group)
            case .release(let replaced):
                replacedStates.append(replaced)
            case .stopped(let reason):
                guard !stopped else { break }
                stopped = true
                onFatalError(groups.count == 1 ? reason : "group \(group.rawValue): \(reason)")
            }
        }
        for (ticket, result) in replies { waitingClients.removeValue(forKey: ticket)?.deliver(result) }
    }

    /// The log failed: it is shared, so every group stops (a failed write or fsync is never
    /// retried).
    func storageFailed(_ reason: String) {
        for group in groups { runtimes[group].stop(because: reason) }
    }

    /// What a group asks of the shared log.
    enum LogWrite {
        /// Stage a Ready (and, if it says so, make it durable with the next sync).
        case persist(Persistence)
        /// Drop the entries a snapshot covers (its file is durable: `writeSnapshot`).
        case compact(Snapshot)
        /// Read back entries the group let go of (not a write, but the log reads nothing
        /// while a sync runs either).
        case load(EntryLoad)
    }

    /// Serializes a snapshot and makes its file durable on `backgroundThread`, while the loop
    /// goes on serving; then hands it to the group, which asks for the log it covers to be
    /// dropped (`compact`). One snapshot is written at a time; other groups' wait in line.
    func writeSnapshot(_ job: SnapshotJob<KeyValueStore>, of group: GroupID) {
        guard !snapshotBeingWritten else { return snapshotsWaiting.append((group, job)) }
        snapshotBeingWritten = true
        let directory = storage.directory
        let files = storage.files
        let index = job.index
        // Only the thread's closure holds the frozen state, so it is freed there when the file
        // is written: the nodes the live state no longer shares with it (most of a big state,
        // after a write to every bucket) are released off the loop.
        backgroundThread.runIfActive(eventLoop: loop) { () throws -> Snapshot in
            var files = files  // Stateless: a copy opens and syncs the same files.
            // The state streams into the file as it is serialized; the group then reads the
            // snapshot back from the file a chunk at a time for followers that need it.
            return try DurableStorage.writeSnapshotFile(
                of: group,
                index: job.index,
                term: job.term,
                membership: job.membership,
                directory: directory,
                files: &files
            ) { (append) throws(FileSystemError) in try job.state.writeSnapshot(to: append) }
        }.whenComplete { result in
            // A stopping node leaves the log alone: at the next start the snapshot file, if it
            // was written, is adopted and its marker written then.
            guard !self.stopped else { return }
            switch result {
            case .success(let snapshot): self.runtimes[group].snapshotWritten(snapshot)
            case .failure(let error): self.storageFailed("writing the snapshot at \(index): \(error)")
            }
            self.snapshotBeingWritten = false
            self.backgroundThread.submit { _ in synod_heap_trim() }
            if !self.snapshotsWaiting.isEmpty {
                let (next, job) = self.snapshotsWaiting.removeFirst()
                self.writeSnapshot(job, of: next)
            }
            self.carryOutOutputs()
            self.recordProgress()
        }
    }

    /// Does `write` now, or, while a sync runs (the log takes nothing then), when it ends, in
    /// the order the groups asked. A group waits for its own sync, so only other groups'
    /// writes wait here.
    func write(_ write: LogWrite, of group: GroupID) {
        guard syncInProgress == nil else { return writesAwaitingSync.append((group, write)) }
        do {
            switch write {
            case .persist(let persistence):
                let stored = try storage.stage(
                    group: group,
                    hardState: persistence.hardState,
                    snapshotTransfer: persistence.snapshotTransfer,
                    snapshot: persistence.snapshot,
                    entries: persistence.entries
                )
                if let stored { runtimes[group].receivedSnapshotStored(stored) }
                // The next sync makes it durable (`beginSyncIfIdle`, once the round is done).
                if persistence.sync { groupsAwaitingSync.append(group) }
            case .compact(let snapshot):
                try storage.compact(group: group, toWritten: snapshot)
            case .load(let load):
                runtimes[group].entriesLoaded(try storage.entries(of: group, load))
                queueReadyProcessing()
            }
        } catch {
            storageFailed("\(error)")
        }
    }

    /// Begins the write and fdatasync (on `syncThreads`) that make the waiting groups' Readys
    /// durable.
    func beginSyncIfIdle() {
        guard syncInProgress == nil, !groupsAwaitingSync.isEmpty else { return }
        let groups = groupsAwaitingSync
        groupsAwaitingSync = []
        let pending: WriteAheadLog<POSIXFileSystem>.PendingSync?
        do {
            pending = try storage.beginSync()
        } catch {
            return storageFailed("\(error)")
        }
        guard let pending else {
            // Nothing was left to write: durable already.
            return loop.execute {
                for group in groups { self.runtimes[group].persisted() }
                self.carryOutOutputs()
            }
        }
        syncInProgress = pending
        syncingGroups = groups
        let files = storage.files
        // The staged bytes are written and fdatasynced there, off the loop: a big entry's
        // write into the page cache costs the loop nothing.
        syncThreads.runIfActive(eventLoop: loop) {
            var files = files  // Stateless: a copy writes and syncs the same descriptor.
            return try pending.carryOut(with: &files)
        }.whenComplete { result in
            self.syncFinished(pending, result: result)
        }
    }

    /// The log's write and fdatasync returned.
    func syncFinished(
        _ pending: WriteAheadLog<POSIXFileSystem>.PendingSync,
        result: Result<WriteAheadLog<POSIXFileSystem>.PendingSync.Outcome, Error>
    ) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        syncInProgress = nil
        let synced = syncingGroups
        syncingGroups = []
        let bytesBefore = storage.log.statistics.bytesWritten
        do {
            try storage.finishSync(
                pending,
                result.mapError { error in
                    error as? FileSystemError
                        ?? FileSystemError(.inputOutput("\(error)"), operation: "fdatasync", path: storage.directory)
                }
            )
            metrics.fsyncs.increment()
            metrics.bytesWritten.increment(by: Int64(storage.log.statistics.bytesWritten - bytesBefore))
        } catch {
            storageFailed("\(error)")
        }
        // What other groups asked while it ran came first; it goes to the log before anything
        // the synced groups ask next.
        let waiting = writesAwaitingSync
        writesAwaitingSync = []
        for (group, write) in waiting { self.write(write, of: group) }
        for group in synced { runtimes[group].persisted() }
        carryOutOutputs()
        recordProgress()
        if syncInProgress == nil {
            for waiter in syncWaiters { waiter.succeed(()) }
            syncWaiters = []
        }
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

    /// Brings the metrics up to date with the runtimes (once per round, not per request): the
    /// counters of every group, the term and commit index of the first hosted group.
    func recordProgress() {
        for (position, group) in groups.enumerated() where !runtimes.isQuiet(position) {
            // Field by field: a copy of the runtime would retain and release all it holds.
            let statistics = runtimes[position: position].statistics
            let now = RoleInTerm(
                role: runtimes[position: position].replica.role,
                term: runtimes[position: position].replica.hardState.term
            )
            let reported = reportedStatistics[position].entriesApplied
            if statistics.entriesApplied > reported {
                metrics.entriesApplied.increment(by: Int64(statistics.entriesApplied - reported))
            }
            reportedStatistics[position] = statistics
            if now != lastRoles[position] {
                if now.role == .leader { metrics.electionsWon.increment() }
                lastRoles[position] = now
                onRoleChange(group, now)
            }
        }
        metrics.term.record(Int64(runtimes[position: 0].replica.hardState.term.rawValue))
        metrics.commitIndex.record(Int64(runtimes[position: 0].replica.commitIndex.rawValue))
    }

    /// The frame that answers a follower's request; a result too large for a frame becomes an
    /// error.
    static func outcomeFrame(
        _ outcome: ForwardedOutcome,
        from node: NodeID,
        requestID: UInt64,
        group: GroupID
    ) -> [UInt8] {
        switch outcome {
        case .answered(let result):
            let frame = PeerFrame.encodeForwardedResult(result, from: node, requestID: requestID, group: group)
            guard frame.count > SizeLimits.frameBytesMax else { return frame }
            let error = KeyValueResult.error(
                KeyValueError(.replyTooLarge, "ERR the reply is larger than a peer frame carries; ask the leader")
            )
            return PeerFrame.encodeForwardedResult(error, from: node, requestID: requestID, group: group)
        case .refused(let refusal):
            return PeerFrame.encodeForwardedRefusal(refusal, from: node, requestID: requestID, group: group)
        }
    }
}

/// Feeds what the state machine applies to this node's watches, client tracking and keyspace
/// notifications.
struct NodeObserver: GroupObserver {
    /// nil on a node of several shards: a revision watch follows one shard's revisions, and
    /// the node refuses them there (`ShardRoute.revisionWatchRefusal`).
    let watches: WatchHub?
    let tracking: TrackingHub
    let pubsub: PubSubHub
    var keyspaceEvents = KeyspaceEvents()

    mutating func applied(
        _ entry: LogEntry,
        _ command: KeyValueEntry?,
        _ report: KeyValueStore.Applied?,
        state: KeyValueStore
    ) {
        guard let applied = report else { return }
        watches?.record(revision: applied.revision, changes: applied.keyChanges)
        if !applied.keyChanges.isEmpty, tracking.isInUse {
            tracking.changed(applied.keyChanges.map(\.key), origin: applied.origin)
        }
        guard !keyspaceEvents.isEmpty else { return }
        for change in applied.keyChanges {
            for notification in keyspaceEvents.notifications(for: change) {
                pubsub.publish(notification.channel, notification.message)
            }
        }
    }

    mutating func restored(_ state: KeyValueStore) {
        watches?.restart(after: state.revision)
    }
}
