import SynodConsensus

/// A replica's log: a snapshot base, the entries after it, and how far they are handed out
/// for persisting, committed and handed out for applying.
///
/// The oldest entries after the snapshot may be offloaded: once applied and durable, and
/// beyond the newest bytes the replica keeps, their bytes are let go of (the driver reads
/// them back from storage when a follower needs them) and only their terms stay, in runs.
///
/// Invariants: `entries[i].index == residentFirstIndex + i`; `offloadedTerms` covers
/// `firstIndex..<residentFirstIndex`, each run up to the next one's index; terms never
/// decrease along the log; `appliedIndex <= committedIndex <= lastIndex`; only applied
/// entries are offloaded; committed entries are never removed except by compaction into a
/// snapshot.
struct RaftLog: Sendable {
    /// The latest snapshot, which covers every index up to `snapshotIndex`.
    private(set) var snapshot: Snapshot
    private(set) var entries = LogEntryChunks()
    /// The first entry held in memory: those before it (after the snapshot) are offloaded.
    private(set) var residentFirstIndex: LogIndex
    /// The terms of the offloaded entries: a run starts at `first` and lasts until the next
    /// run's `first`, or `residentFirstIndex`.
    private var offloadedTerms: [TermRun] = []
    /// The bytes (`LogEntry.sizeBytes`) of the entries in memory.
    private(set) var residentBytes = 0
    private(set) var committedIndex: LogIndex
    /// The last entry handed to the driver to apply.
    private(set) var appliedIndex: LogIndex
    /// The first entry not yet handed to the driver to persist.
    private(set) var unpersistedFromIndex: LogIndex
    /// A snapshot received from a leader and not yet handed to the driver.
    private(set) var snapshotToPersist: Snapshot?
    /// The entries restored snapshots replaced, not yet handed to the driver to free.
    private var releasedLog: [[LogEntry]] = []

    struct TermRun: Hashable, Sendable {
        let first: LogIndex
        let term: Term
    }

    init(snapshot: Snapshot, entries: [LogEntry], committedIndex: LogIndex) {
        self.snapshot = snapshot
        self.entries = LogEntryChunks(entries)
        for (offset, entry) in entries.enumerated() {
            precondition(entry.index == LogIndex(snapshot.index.rawValue + 1 + UInt64(offset)), "log has a gap")
        }
        let last = entries.last?.index ?? snapshot.index
        precondition(committedIndex <= last, "commit \(committedIndex) past the last index \(last)")
        self.residentFirstIndex = snapshot.index.next
        self.residentBytes = entries.reduce(0) { $0 + $1.sizeBytes }
        self.committedIndex = max(committedIndex, snapshot.index)
        self.appliedIndex = snapshot.index
        self.unpersistedFromIndex = last.next
    }

    var snapshotIndex: LogIndex { snapshot.index }
    var firstIndex: LogIndex { snapshot.index.next }
    var lastIndex: LogIndex { entries.last?.index ?? residentFirstIndex.previous }
    var lastTerm: Term {
        if lastTermForgetsOffloaded { return entries.last?.term ?? snapshot.term }
        return entries.last?.term ?? offloadedTerms.last?.term ?? snapshot.term
    }
    /// Planted bug `RaftMutation.lastTermForgetsOffloaded`; false in production.
    var lastTermForgetsOffloaded = false

    /// The term of the entry at `index`, or nil when it is compacted away or beyond the end.
    func term(at index: LogIndex) -> Term? {
        if index == snapshot.index { return snapshot.term }
        guard index > snapshot.index, index <= lastIndex else { return nil }
        guard index < residentFirstIndex else { return entries[position(of: index)].term }
        // The last run that starts at or before `index`.
        var low = 0
        var high = offloadedTerms.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if offloadedTerms[middle].first <= index { low = middle } else { high = middle }
        }
        return offloadedTerms[low].term
    }

    /// The entry at `index`, which must be in memory.
    func entry(at index: LogIndex) -> LogEntry {
        entries[position(of: index)]
    }

    func matchesTerm(at index: LogIndex, _ term: Term) -> Bool { self.term(at: index) == term }

    /// Raft §5.4.1: a candidate's log is at least as up to date as ours.
    func isUpToDate(lastIndex candidateIndex: LogIndex, lastTerm candidateTerm: Term) -> Bool {
        candidateTerm > lastTerm || (candidateTerm == lastTerm && candidateIndex >= lastIndex)
    }

    /// Entries in `from...through`, which must be in memory, stopping after `bytesMax` (at
    /// least one entry).
    func entries(from start: LogIndex, through end: LogIndex, bytesMax: Int) -> [LogEntry] {
        guard start <= end else { return [] }
        precondition(start >= residentFirstIndex && end <= lastIndex, "entries \(start)...\(end) not in memory")
        return (position(of: start)...position(of: end)).lazy.map { entries[$0] }.prefix(bytesMax: bytesMax)
    }

    /// The last index at or below `index` whose term is at most `term` (fast backtracking),
    /// or the point where the search reached the snapshot, below which terms are unknown.
    func lastIndex(atOrBelow index: LogIndex, withTermAtMost term: Term) -> LogIndex {
        var candidate = min(index, lastIndex)
        while candidate > snapshot.index {
            if self.term(at: candidate)! <= term { return candidate }
            candidate = candidate.previous
        }
        return candidate
    }

    /// Appends an entry the leader created, right after the last.
    mutating func appendAsLeader(_ entry: LogEntry) {
        precondition(entry.index == lastIndex.next, "leader append at \(entry.index) after \(lastIndex)")
        precondition(entry.term >= lastTerm, "terms never decrease along the log")
        entries.append(entry)
        residentBytes += entry.sizeBytes
    }

    /// Appends a leader's entries that follow (`previousIndex`, `previousTerm`), which must
    /// match; truncates a conflicting suffix. Returns the index of the last new entry.
    mutating func appendAsFollower(after previousIndex: LogIndex, _ newEntries: [LogEntry]) -> LogIndex {
        var remaining = newEntries[...]
        // Skip entries we already have (duplicates of earlier appends) up to the first conflict.
        while let entry = remaining.first, entry.index <= lastIndex {
            if entry.index <= snapshot.index || matchesTerm(at: entry.index, entry.term) {
                remaining = remaining.dropFirst()
                continue
            }
            truncate(from: entry.index)
            break
        }
        for entry in remaining {
            precondition(entry.index == lastIndex.next, "append leaves a gap at \(entry.index)")
            precondition(entry.term >= lastTerm, "terms never decrease along the log")
            entries.append(entry)
            residentBytes += entry.sizeBytes
        }
        return LogIndex(previousIndex.rawValue + UInt64(newEntries.count))
    }

    private mutating func truncate(from index: LogIndex) {
        precondition(index > committedIndex, "truncating committed entry \(index) (commit \(committedIndex))")
        // Uncommitted, so not applied: in memory.
        let position = position(of: index)
        for removed in position..<entries.count { residentBytes -= entries[removed].sizeBytes }
        entries.removeSuffix(from: position)
        unpersistedFromIndex = min(unpersistedFromIndex, index)
    }

    /// Advances the commit index; returns whether it moved.
    @discardableResult
    mutating func commit(to index: LogIndex) -> Bool {
        guard index > committedIndex else { return false }
        precondition(index <= lastIndex, "commit \(index) past the last index \(lastIndex)")
        committedIndex = index
        return true
    }

    /// Replaces the log with a snapshot received from the leader.
    mutating func restore(_ newSnapshot: Snapshot) {
        precondition(newSnapshot.index > committedIndex, "restoring a snapshot behind the commit index")
        snapshot = newSnapshot
        releasedLog += entries.removeAll()
        residentFirstIndex = newSnapshot.index.next
        offloadedTerms = []
        residentBytes = 0
        committedIndex = newSnapshot.index
        appliedIndex = newSnapshot.index
        unpersistedFromIndex = newSnapshot.index.next
        snapshotToPersist = newSnapshot
    }

    /// Takes the bytes of the current snapshot from where the driver stored them (a snapshot
    /// received in pieces is not readable here until then).
    mutating func adoptStoredBytes(of stored: Snapshot) {
        guard stored.index == snapshot.index, stored.term == snapshot.term, stored.data.count == snapshot.data.count
        else { return }
        snapshot = stored
    }

    /// Drops entries up to a snapshot the driver took from the state machine. Returns the
    /// chunks that held only dropped entries, unfreed: the caller lets go of them a piece at a
    /// time, as freeing hundreds of thousands of entries at once would hold its thread.
    mutating func compact(to newSnapshot: Snapshot) -> [[LogEntry]] {
        guard newSnapshot.index > snapshot.index else { return [] }
        precondition(newSnapshot.index <= appliedIndex, "snapshot \(newSnapshot.index) beyond applied \(appliedIndex)")
        precondition(term(at: newSnapshot.index) == newSnapshot.term, "snapshot term does not match the log")
        defer { snapshot = newSnapshot }
        guard newSnapshot.index >= residentFirstIndex else {
            // Only offloaded entries go: the runs before the new start, and the start of the
            // run it falls in.
            let start = newSnapshot.index.next
            guard start < residentFirstIndex else {
                offloadedTerms = []
                return []
            }
            let run = offloadedTerms.lastIndex { $0.first <= start }!
            let startTerm = offloadedTerms[run].term
            offloadedTerms.removeSubrange(..<run)
            offloadedTerms[0] = TermRun(first: start, term: startTerm)
            return []
        }
        let dropped = position(of: newSnapshot.index.next)
        for removed in 0..<dropped { residentBytes -= entries[removed].sizeBytes }
        offloadedTerms = []
        residentFirstIndex = newSnapshot.index.next
        return entries.removePrefix(dropped)
    }

    /// Lets go of the oldest entries in memory up to `index` (which must be applied and
    /// durable), while the entries in memory hold more than `bytesKept` bytes; their terms
    /// stay. The chunks that held only offloaded entries are freed here: they come a few
    /// thousand entries at a time, as entries are applied.
    mutating func offload(through index: LogIndex, keepingBytes bytesKept: Int) {
        precondition(index <= appliedIndex && index < unpersistedFromIndex, "offloading \(index) before it is applied")
        var count = 0
        var bytes = residentBytes
        while count < entries.count, bytes > bytesKept {
            let entry = entries[count]
            guard entry.index <= index else { break }
            bytes -= entry.sizeBytes
            if offloadedTerms.last?.term != entry.term {
                offloadedTerms.append(TermRun(first: entry.index, term: entry.term))
            }
            count += 1
        }
        guard count > 0 else { return }
        residentBytes = bytes
        residentFirstIndex = LogIndex(residentFirstIndex.rawValue + UInt64(count))
        _ = entries.removePrefix(count)
    }

    // MARK: - Handing work to the driver

    var hasUnpersistedEntries: Bool { unpersistedFromIndex <= lastIndex }
    var hasEntriesToApply: Bool { appliedIndex < committedIndex }

    mutating func takeEntriesToPersist() -> [LogEntry] {
        guard hasUnpersistedEntries else { return [] }
        let result = entries.suffix(from: position(of: unpersistedFromIndex))
        unpersistedFromIndex = lastIndex.next
        return result
    }

    /// The entries a restored snapshot replaced, unfreed (see `Ready.releasedLog`).
    mutating func takeReleasedLog() -> [[LogEntry]] {
        defer { releasedLog = [] }
        return releasedLog
    }

    mutating func takeSnapshotToPersist() -> Snapshot? {
        defer { snapshotToPersist = nil }
        return snapshotToPersist
    }

    mutating func takeEntriesToApply(bytesMax: Int) -> [LogEntry] {
        guard hasEntriesToApply else { return [] }
        let result = entries(from: appliedIndex.next, through: committedIndex, bytesMax: bytesMax)
        appliedIndex = result.last?.index ?? appliedIndex
        return result
    }

    @inline(__always)
    private func position(of index: LogIndex) -> Int {
        Int(index.rawValue - residentFirstIndex.rawValue)
    }
}
