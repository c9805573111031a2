import SynodConsensus

extension RaftReplica {
    public var hasReady: Bool {
        hardState != handedOutHardState || log.hasUnpersistedEntries || log.snapshotToPersist != nil
            || !snapshotTransfer.isEmpty || !outbox.isEmpty || appendsUnsent || log.hasEntriesToApply
            || !readStates.isEmpty || entriesToLoad != nil
    }

    /// Hands out the pending work; see `Ready` for the order the driver must do it in.
    ///
    /// Work handed out is not handed out again: the next `ready()` returns only what is new.
    public mutating func ready() -> Ready<RaftMessage> {
        sendProposedEntries()
        let current = hardState
        let changedHardState = current != handedOutHardState ? current : nil
        let changesTermOrVote =
            current.term != handedOutHardState.term || current.votedFor != handedOutHardState.votedFor
        handedOutHardState = current
        // Everything handed out before this batch is durable (the driver takes a batch only
        // once the last one's sync is done); this batch's entries are not yet acknowledged by
        // anyone, so no commit covers them.
        durableCommitIndex = log.committedIndex
        let snapshot = log.takeSnapshotToPersist()
        let result = Ready<RaftMessage>(
            hardState: changedHardState,
            snapshot: snapshot,
            snapshotTransfer: snapshotTransfer,
            entriesToPersist: log.takeEntriesToPersist(),
            messages: outbox,
            committedEntries: log.takeEntriesToApply(bytesMax: settings.committedBytesPerReadyMax),
            readStates: readStates,
            releasedLog: log.takeReleasedLog(),
            entriesToLoad: takeEntriesToLoad(),
            changesTermOrVote: changesTermOrVote,
            // Only while the leader's own entries cannot make a quorum alone: then a commit
            // that covers this batch needs an acknowledgement of messages not yet sent.
            messagesMayPrecedePersistence: role == .leader && membership.voters != [id] && snapshot == nil
                && !changesTermOrVote
        )
        outbox.removeAll(keepingCapacity: true)
        snapshotTransfer.removeAll()
        readStates.removeAll(keepingCapacity: true)
        return result
    }

    /// Heartbeats and their answers, and the reads a quorum confirmed, taken out of the next
    /// batch while the driver syncs the last one (see `ConsensusReplica`). A heartbeat relies
    /// only on its term, which must be durable: nothing is taken while a term or vote waits to
    /// be handed out (the driver takes nothing while one is being synced). The commit index a
    /// heartbeat carries may not cover entries this leader has not made durable: a follower
    /// would apply an entry that a crash of this leader could still lose, so it is lowered to
    /// the commit of the last batch handed out. Everything else waits for the batch.
    public mutating func takeWorkIndependentOfSync() -> SyncIndependentWork<RaftMessage> {
        guard hardState.term == handedOutHardState.term, hardState.votedFor == handedOutHardState.votedFor else {
            return SyncIndependentWork()
        }
        var work = SyncIndependentWork<RaftMessage>(readStates: readStates)
        readStates.removeAll(keepingCapacity: true)
        var kept: [RaftMessage] = []
        for message in outbox {
            switch message.body {
            case .heartbeat(let commit, let leaderTick, let readRound):
                var early = message
                let durable =
                    settings.plantedBug == .heartbeatCommitPastDurable ? commit : min(commit, durableCommitIndex)
                early.body = .heartbeat(commit: durable, leaderTick: leaderTick, readRound: readRound)
                work.messages.append(early)
            case .heartbeatResponse:
                work.messages.append(message)
            default:
                kept.append(message)
            }
        }
        outbox = kept
        return work
    }

    /// The driver finished `ready`. Everything was already marked as handed out by `ready()`;
    /// this checks that the batch is the one handed out, and lets go of the applied entries
    /// beyond those kept in memory.
    public mutating func advance(_ ready: Ready<RaftMessage>) {
        if let last = ready.committedEntries.last {
            precondition(last.index <= log.appliedIndex, "advance with entries that were not handed out")
        }
        offloadAppliedEntries()
    }
}
