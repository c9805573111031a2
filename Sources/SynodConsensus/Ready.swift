/// A batch of work the protocol hands to its driver, and the order the driver must do it in.
///
/// The driver takes a `Ready` with `ready()`, performs the steps below in order, then calls
/// `advance(_:)` with the same value. Until then the protocol does not hand out the same work
/// again.
public struct Ready<Message: Sendable>: Sendable {
    /// Step 1, persist: when not nil, the hard state to write durably (fsync) before any
    /// message of this batch is sent. A vote or a term that a message relies on must never be
    /// forgotten after a crash.
    public var hardState: HardState?

    /// Step 1, persist: a snapshot to store durably before the entries below; it replaces every
    /// log entry up to its index. The state machine must be restored from it before
    /// `committedEntries` are applied.
    public var snapshot: Snapshot?

    /// Step 1, persist (no sync needed): the bytes of a snapshot being received, in order, for
    /// the driver to keep until it is whole; the protocol keeps none of them. Kept before
    /// `snapshot`, which, when the last piece is here, is the snapshot they make.
    public var snapshotTransfer: [SnapshotTransferStep]

    /// Step 1, persist: entries to append durably (fsync) before any message is sent. An
    /// entry at an index already in storage replaces it and every entry after it.
    public var entriesToPersist: [LogEntry]

    /// Step 2, send: only after step 1 is durable. Delivery may fail, reorder or duplicate;
    /// the protocol tolerates that.
    public var messages: [Message]

    /// Step 3, apply: entries known to be committed, in log order, each already durable in a
    /// majority. Apply them to the state machine in order (after `snapshot`, if any).
    public var committedEntries: [LogEntry]

    /// Linearizable reads that became ready: a read may be served once the state machine has
    /// applied at least `index`.
    public var readStates: [ReadState]

    /// The log entries `snapshot` replaced, which the protocol let go of: the driver frees
    /// them when it suits it (at millions of keys, freeing them at once would hold its thread
    /// for a long time). Not part of the batch's work.
    public var releasedLog: [[LogEntry]]

    /// Entries the protocol let go of once they were applied and durable, and now needs again
    /// (a follower far behind): the driver reads them back from storage and hands them to
    /// `ConsensusReplica.entriesLoaded`, whenever it suits it. Not part of the batch's work.
    public var entriesToLoad: EntryLoad?

    /// True when `hardState` changes the term or the vote: it must be synced before any
    /// message. When false, a new commit index alone may wait for a later sync (no peer relies
    /// on it, and a node that forgets it learns it again from the leader), so a batch with no
    /// snapshot and no entries needs no sync at all.
    public var changesTermOrVote: Bool

    /// True when step 2 may overlap step 1: `messages` may be sent while the entries are still
    /// being written (Raft thesis 10.2.1). Set for a leader with other voters whose batch
    /// changes no term or vote and holds no snapshot: its appends cannot be acknowledged into
    /// a commit that leaves before the next `Ready`, and the driver takes that only once this
    /// one is durable (the commit it carries, and `committedEntries`, only cover entries of
    /// earlier batches, which are durable).
    public var messagesMayPrecedePersistence: Bool

    /// Whether this batch needs a sync before its messages (or, with
    /// `messagesMayPrecedePersistence`, before its entries are applied and the next batch).
    public var needsSync: Bool { snapshot != nil || !entriesToPersist.isEmpty || changesTermOrVote }

    public init(
        hardState: HardState? = nil,
        snapshot: Snapshot? = nil,
        snapshotTransfer: [SnapshotTransferStep] = [],
        entriesToPersist: [LogEntry] = [],
        messages: [Message] = [],
        committedEntries: [LogEntry] = [],
        readStates: [ReadState] = [],
        releasedLog: [[LogEntry]] = [],
        entriesToLoad: EntryLoad? = nil,
        changesTermOrVote: Bool = true,
        messagesMayPrecedePersistence: Bool = false
    ) {
        self.changesTermOrVote = changesTermOrVote && hardState != nil
        self.messagesMayPrecedePersistence = messagesMayPrecedePersistence
        self.hardState = hardState
        self.snapshot = snapshot
        self.snapshotTransfer = snapshotTransfer
        self.entriesToPersist = entriesToPersist
        self.messages = messages
        self.committedEntries = committedEntries
        self.readStates = readStates
        self.releasedLog = releasedLog
        self.entriesToLoad = entriesToLoad
    }

    /// True when the batch asks for nothing.
    public var isEmpty: Bool {
        hardState == nil && snapshot == nil && snapshotTransfer.isEmpty && entriesToPersist.isEmpty && messages.isEmpty
            && committedEntries.isEmpty && readStates.isEmpty && entriesToLoad == nil
    }
}

/// Entries to read back from storage: those in `range`, stopping once they hold more than
/// `bytesMax` bytes (`LogEntry.sizeBytes`; at least one entry is read).
public struct EntryLoad: Hashable, Sendable {
    public let range: ClosedRange<LogIndex>
    public let bytesMax: Int

    public init(range: ClosedRange<LogIndex>, bytesMax: Int) {
        self.range = range
        self.bytesMax = bytesMax
    }
}

/// A read request that may be served once the state machine has applied `index`.
public struct ReadState: Hashable, Sendable {
    /// The commit index at the time leadership was confirmed for this read.
    public let index: LogIndex
    /// The caller's identifier for the read.
    public let context: UInt64

    public init(index: LogIndex, context: UInt64) {
        self.index = index
        self.context = context
    }
}
