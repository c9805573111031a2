import NIOCore
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft
import SynodStorage

/// The Ready cycle: persist and sync, then send, then apply, then advance.
extension NodeDriver {
    func processReady() {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        while !stopped && replica.hasReady {
            let ready = replica.ready()
            do {
                if ready.hardState != nil || ready.snapshot != nil || !ready.entriesToPersist.isEmpty {
                    try storage.stage(
                        group: Self.group,
                        hardState: ready.hardState,
                        snapshot: ready.snapshot,
                        entries: ready.entriesToPersist
                    )
                    let bytesBefore = storage.log.statistics.bytesWritten
                    try storage.sync()
                    metrics.fsyncs.increment()
                    metrics.bytesWritten.increment(by: Int64(storage.log.statistics.bytesWritten - bytesBefore))
                }
            } catch {
                stop(because: "\(error)")
                return
            }
            // Only now durable: a vote or an acknowledged entry may be relied on by a peer.
            for message in ready.messages { send(message) }
            if let snapshot = ready.snapshot { restore(snapshot) }
            for entry in ready.committedEntries { apply(entry) }
            for readState in ready.readStates { pendingReads[readState.context]?.readIndex = readState.index }
            replica.advance(ready)
            answerReads()
            compactIfDue()
            recordProgress(appliedCount: ready.committedEntries.count)
        }
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
        for promise in pendingWrites.values { promise.succeed(.error("ERR node stopping: \(reason)")) }
        for read in pendingReads.values { read.promise.succeed(.error("ERR node stopping: \(reason)")) }
        pendingWrites = [:]
        pendingReads = [:]
        onFatalError(reason)
    }

    func restore(_ snapshot: Snapshot) {
        do {
            store = try KeyValueStore(snapshotBytes: snapshot.data)
        } catch {
            stop(because: "snapshot \(snapshot.term)/\(snapshot.index) from the leader is undecodable: \(error)")
        }
    }

    func apply(_ entry: LogEntry) {
        guard case .command(let bytes) = entry.payload else {
            store.skip(index: entry.index.rawValue)
            return
        }
        let (requestID, result) = store.apply(encoded: bytes, at: entry.index.rawValue)
        if let requestID, let promise = pendingWrites.removeValue(forKey: requestID) { promise.succeed(result) }
    }

    /// Serves the reads whose ReadIndex the state machine has reached.
    func answerReads() {
        let applied = LogIndex(store.appliedIndex)
        for (id, read) in pendingReads {
            guard let index = read.readIndex, index <= applied else { continue }
            pendingReads[id] = nil
            read.promise.succeed(serve(read.command))
        }
    }

    /// Takes a snapshot when enough entries were applied since the last one.
    func compactIfDue() {
        let applied = LogIndex(store.appliedIndex)
        guard applied == replica.commitIndex,
            applied.rawValue >= replica.snapshotIndex.rawValue + UInt64(configuration.snapshotIntervalEntries),
            let term = replica.term(at: applied)
        else { return }
        let snapshot = Snapshot(index: applied, term: term, membership: replica.membership, data: store.snapshotBytes)
        replica.snapshotTaken(snapshot)
        do {
            try storage.compact(group: Self.group, to: snapshot)
        } catch {
            stop(because: "\(error)")
        }
    }
}
