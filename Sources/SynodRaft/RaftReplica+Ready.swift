import SynodConsensus

extension RaftReplica {
    public var hasReady: Bool {
        hardState != handedOutHardState || log.hasUnpersistedEntries || log.snapshotToPersist != nil
            || !snapshotTransfer.isEmpty || !outbox.isEmpty || log.hasEntriesToApply || !readStates.isEmpty
    }

    /// Hands out the pending work; see `Ready` for the order the driver must do it in.
    ///
    /// Work handed out is not handed out again: the next `ready()` returns only what is new.
    public mutating func ready() -> Ready<RaftMessage> {
        let current = hardState
        let changedHardState = current != handedOutHardState ? current : nil
        let changesTermOrVote =
            current.term != handedOutHardState.term || current.votedFor != handedOutHardState.votedFor
        handedOutHardState = current
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

    /// The driver finished `ready`. Everything was already marked as handed out by `ready()`;
    /// this checks that the batch is the one handed out.
    public mutating func advance(_ ready: Ready<RaftMessage>) {
        if let last = ready.committedEntries.last {
            precondition(last.index <= log.appliedIndex, "advance with entries that were not handed out")
        }
    }
}
