import SynodConsensus

extension RaftReplica {
    public var hasReady: Bool {
        hardState != handedOutHardState || log.hasUnpersistedEntries || log.snapshotToPersist != nil
            || !outbox.isEmpty || log.hasEntriesToApply || !readStates.isEmpty
    }

    /// Hands out the pending work; see `Ready` for the order the driver must do it in.
    ///
    /// Work handed out is not handed out again: the next `ready()` returns only what is new.
    public mutating func ready() -> Ready<RaftMessage> {
        let current = hardState
        let changedHardState = current != handedOutHardState ? current : nil
        handedOutHardState = current
        let result = Ready<RaftMessage>(
            hardState: changedHardState,
            snapshot: log.takeSnapshotToPersist(),
            entriesToPersist: log.takeEntriesToPersist(),
            messages: outbox,
            committedEntries: log.takeEntriesToApply(bytesMax: settings.committedBytesPerReadyMax),
            readStates: readStates
        )
        outbox.removeAll(keepingCapacity: true)
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
