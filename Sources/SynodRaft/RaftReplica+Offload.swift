import SynodConsensus
import SynodCore

/// Applied entries leave memory: the log keeps the newest `appliedEntryBytesKept` bytes of
/// them, and a leader whose follower needs older ones asks the driver to read them back from
/// storage (`Ready.entriesToLoad`, answered by `entriesLoaded`), one read at a time.
extension RaftReplica {
    /// The driver finished a batch: everything handed out so far is applied and durable.
    mutating func offloadAppliedEntries() {
        let appliedAndDurable = min(log.appliedIndex, log.unpersistedFromIndex.previous)
        log.offload(through: appliedAndDurable, keepingBytes: settings.appliedEntryBytesKept)
        if let last = loadedEntries.last, progress.values.allSatisfy({ $0.next > last.index }) {
            loadedEntries = []
        }
    }

    /// Leader: the entries from `start` (offloaded) for an append, from those read back; nil
    /// when they must be read back first, which this asks for.
    mutating func offloadedEntries(from start: LogIndex) -> [LogEntry]? {
        if let first = loadedEntries.first, start >= first.index, start <= loadedEntries[loadedEntries.count - 1].index
        {
            return loadedEntries[Int(start.rawValue - first.index.rawValue)...].prefix(
                bytesMax: settings.appendBytesMax
            )
        }
        // One read at a time; a read the driver never answered is asked again after an
        // election timeout.
        let answerOverdue = logicalTick >= entryLoadAskedAtTick + UInt64(settings.electionTimeoutTicks)
        if entriesToLoad == nil && (!entryLoadInFlight || answerOverdue) {
            entriesToLoad = EntryLoad(
                range: start...log.residentFirstIndex.previous,
                bytesMax: settings.entryLoadBytesMax
            )
        }
        return nil
    }

    /// Hands the read asked for to the driver (see `ready()`).
    mutating func takeEntriesToLoad() -> EntryLoad? {
        guard let load = entriesToLoad else { return nil }
        entriesToLoad = nil
        entryLoadInFlight = true
        entryLoadAskedAtTick = logicalTick
        return load
    }

    /// The driver read back entries a `Ready` asked for: those that are what this log holds
    /// at their indexes (offloaded, so committed) are kept, and the followers that were
    /// waiting for them get their appends.
    public mutating func entriesLoaded(_ entries: [LogEntry]) {
        entryLoadInFlight = false
        guard case .leader = role else { return }
        var kept: [LogEntry] = []
        for entry in entries {
            guard entry.index > log.snapshotIndex, entry.index < log.residentFirstIndex,
                kept.last.map({ entry.index == $0.index.next }) ?? true,
                log.term(at: entry.index) == entry.term
            else { break }
            kept.append(entry)
        }
        guard !kept.isEmpty else { return }
        loadedEntries = kept
        for member in progress.keys.sorted() where progress[member]!.next < log.residentFirstIndex {
            sendAppend(to: member, allowEmpty: false)
        }
    }

    /// Entries read back are a leader's, for its followers.
    mutating func forgetLoadedEntries() {
        loadedEntries = []
        entriesToLoad = nil
    }

    /// The first index whose entry is in memory: entries from `snapshotIndex + 1` to before it
    /// were offloaded (for checkers and tests).
    public var residentFirstIndex: LogIndex { log.residentFirstIndex }
}
