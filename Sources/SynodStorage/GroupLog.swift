import SynodConsensus
import SynodCore

/// Where one log entry is stored: the record that holds it, and its term.
struct EntryLocation: Hashable, Sendable {
    let segment: UInt64
    let recordOffset: Int
    let recordCount: Int
    let term: Term
}

/// One group's log as the write-ahead log knows it: where it starts, its newest hard state,
/// and where each entry after the start is stored (not the entries themselves).
///
/// Replaying records in log order through `append`, `compact` and `replace` rebuilds exactly
/// the state that writing them produced.
struct GroupLog: Sendable {
    /// The snapshot the log starts after: entries run from `base.index + 1`.
    var base = LogPosition.zero
    /// False while replay resumes a group's log after segments that were removed (because a
    /// snapshot covers them): the term at `base` is unknown until the marker of that snapshot,
    /// which always follows in the log, is replayed.
    var baseIsKnown = true
    var hardState = HardState()
    /// Invariant: `locations[i]` is the entry at `base.index + 1 + i`.
    var locations: [EntryLocation] = []

    var lastIndex: LogIndex { LogIndex(base.index.rawValue + UInt64(locations.count)) }

    func term(at index: LogIndex) -> Term? {
        if index == base.index { return baseIsKnown ? base.term : nil }
        guard index > base.index, index <= lastIndex else { return nil }
        return locations[Int(index.rawValue - base.index.rawValue) - 1].term
    }

    /// Entries at `first`, `first + 1`, ... replace what is stored at those indexes and after.
    /// Entries after a gap start the log afresh, with an unknown base (see `baseIsKnown`).
    mutating func append(_ new: [EntryLocation], startingAt first: LogIndex) {
        guard first <= lastIndex.next else {
            base = LogPosition(index: first.previous, term: .zero)
            baseIsKnown = false
            locations = new
            return
        }
        let last = first.rawValue + UInt64(new.count) - 1
        guard last > base.index.rawValue else { return }
        let skipped = first > base.index ? 0 : Int(base.index.rawValue + 1 - first.rawValue)
        let keep = Int(max(first.rawValue, base.index.rawValue + 1) - base.index.rawValue - 1)
        locations.removeSubrange(keep...)
        locations += new[skipped...]
    }

    /// True if a snapshot at `position` moves the log's start forward (or pins down an unknown
    /// base).
    func isNewer(_ position: LogPosition) -> Bool {
        position.index > base.index || (position.index == base.index && !baseIsKnown)
    }

    /// The log now starts after a snapshot at `position` taken from this log: entries up to it
    /// go, the entries after it stay.
    mutating func compact(to position: LogPosition) {
        guard isNewer(position) else { return }
        let dropped = min(locations.count, Int(position.index.rawValue - base.index.rawValue))
        locations.removeSubrange(..<dropped)
        base = position
        baseIsKnown = true
    }

    /// The log is replaced by a snapshot at `position` (from a leader, when the log did not
    /// hold its last entry): every entry goes.
    mutating func replace(with position: LogPosition) {
        guard isNewer(position) else { return }
        locations = []
        base = position
        baseIsKnown = true
    }

    /// Moves the start to a snapshot at `position` the way `RaftLog` does in memory: compacts if
    /// the log holds that entry, replaces the log otherwise. Returns whether it compacted.
    @discardableResult
    mutating func applySnapshot(_ position: LogPosition) -> Bool {
        if term(at: position.index) == position.term {
            compact(to: position)
            return true
        }
        replace(with: position)
        return false
    }
}
