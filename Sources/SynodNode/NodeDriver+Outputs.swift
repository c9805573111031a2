import NIOCore
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
    func carryOutOutputs() {
        var outputs = runtime.takeOutputs()
        while !outputs.isEmpty {
            var replies: [(UInt64, KeyValueResult)] = []
            for output in outputs {
                switch output {
                case .persist(let persistence):
                    persist(persistence)
                case .send(let message):
                    send(message)
                case .forward(let request, let requestID, let leader):
                    metrics.forwardedRequests.increment()
                    sendFrame(
                        PeerFrame.encodeForwarded(
                            request,
                            from: configuration.nodeID,
                            requestID: requestID,
                            group: Self.group
                        ),
                        leader
                    )
                case .answerForwarded(let outcome, let requestID, let follower):
                    sendFrame(Self.outcomeFrame(outcome, from: configuration.nodeID, requestID: requestID), follower)
                case .reply(let ticket, let result):
                    replies.append((ticket, result))
                case .compact(let snapshot):
                    do {
                        try storage.compact(group: Self.group, to: snapshot)
                    } catch {
                        runtime.stop(because: "\(error)")
                    }
                case .stopped(let reason):
                    guard !stopped else { break }
                    stopped = true
                    onFatalError(reason)
                }
            }
            for (ticket, result) in replies { waitingClients.removeValue(forKey: ticket)?.succeed(result) }
            outputs = runtime.takeOutputs()
        }
    }

    /// Stages a Ready's changes; when it needs a sync, begins one (fdatasync on `syncThreads`).
    func persist(_ persistence: Persistence) {
        let pending: WriteAheadLog<POSIXFileSystem>.PendingSync?
        do {
            try storage.stage(
                group: Self.group,
                hardState: persistence.hardState,
                snapshot: persistence.snapshot,
                entries: persistence.entries
            )
            guard persistence.sync else { return }
            pending = try storage.beginSync()
        } catch {
            return runtime.stop(because: "\(error)")
        }
        guard let pending else {
            // Nothing was left to write: durable already.
            return loop.execute {
                self.runtime.persisted()
                self.carryOutOutputs()
            }
        }
        syncInProgress = pending
        let files = storage.files
        syncThreads.runIfActive(eventLoop: loop) {
            var files = files  // Stateless: a copy syncs the same descriptor.
            try files.synchronize(pending.file)
        }.whenComplete { result in
            self.syncFinished(pending, result: result)
        }
    }

    /// The fdatasync of the runtime's Ready returned.
    func syncFinished(_ pending: WriteAheadLog<POSIXFileSystem>.PendingSync, result: Result<Void, Error>) {
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
            metrics.fsyncs.increment()
            metrics.bytesWritten.increment(by: Int64(storage.log.statistics.bytesWritten - bytesBefore))
            runtime.persisted()
        } catch {
            runtime.stop(because: "\(error)")
        }
        carryOutOutputs()
        recordProgress()
        for waiter in syncWaiters { waiter.succeed(()) }
        syncWaiters = []
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

    /// Brings the metrics up to date with the runtime (once per round, not per request).
    func recordProgress() {
        let statistics = runtime.statistics
        if statistics.entriesApplied > reportedStatistics.entriesApplied {
            metrics.entriesApplied.increment(by: Int64(statistics.entriesApplied - reportedStatistics.entriesApplied))
        }
        reportedStatistics = statistics
        if isLeader && !ledLastRound { metrics.electionsWon.increment() }
        ledLastRound = isLeader
        metrics.term.record(Int64(replica.hardState.term.rawValue))
        metrics.commitIndex.record(Int64(replica.commitIndex.rawValue))
    }

    /// The frame that answers a follower's request; a result too large for a frame becomes an
    /// error.
    static func outcomeFrame(_ outcome: ForwardedOutcome, from node: NodeID, requestID: UInt64) -> [UInt8] {
        switch outcome {
        case .answered(let result):
            let frame = PeerFrame.encodeForwardedResult(result, from: node, requestID: requestID, group: group)
            guard frame.count > SizeLimits.frameBytesMax else { return frame }
            let error = KeyValueResult.error("ERR the reply is larger than a peer frame carries; ask the leader")
            return PeerFrame.encodeForwardedResult(error, from: node, requestID: requestID, group: group)
        case .refused(let message):
            return PeerFrame.encodeForwardedRefusal(message, from: node, requestID: requestID, group: group)
        }
    }
}

/// Feeds what the state machine applies to this node's watches, client tracking and keyspace
/// notifications.
struct NodeObserver: GroupObserver {
    let watches: WatchHub
    let tracking: TrackingHub
    let pubsub: PubSubHub
    var keyspaceEvents = KeyspaceEvents()

    mutating func applied(
        _ entry: LogEntry,
        _ command: KeyValueEntry?,
        _ report: KeyValueStore.Applied?,
        store: KeyValueStore
    ) {
        guard let applied = report else { return }
        watches.record(revision: applied.revision, changes: applied.keyChanges)
        if !applied.keyChanges.isEmpty { tracking.changed(applied.keyChanges.map(\.key), origin: applied.origin) }
        guard !keyspaceEvents.isEmpty else { return }
        for change in applied.keyChanges {
            for notification in keyspaceEvents.notifications(for: change) {
                pubsub.publish(notification.channel, notification.message)
            }
        }
    }

    mutating func restored(_ store: KeyValueStore) {
        watches.restart(after: store.revision)
    }
}
