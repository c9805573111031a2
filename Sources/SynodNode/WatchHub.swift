import DequeModule
import SynodKeyValue

/// Watches of a key or a prefix, served by any node from its own recent history of applied
/// changes. Confined to the driver's loop.
///
/// A watch streams every change from a revision on, one batch per revision, in revision order:
/// no gap, no duplicate. A client that reconnects resumes from the revision after the last it
/// saw. Changes older than the history kept (a bounded number, and nothing from before this
/// node started) are compacted: asking for them is an error, never a silent gap.
final class WatchHub {
    /// Every change one applied entry made, at its revision.
    struct Batch {
        let revision: UInt64
        var changes: [KeyChange]
    }

    /// A change as the history keeps it, with its revision: key and value inline when short
    /// (`CompactKey`, `CompactBytes`), and no array per revision, so that most of a cache's
    /// changes cost the history no allocation of their own (as arrays, about 150 bytes more
    /// each: 15 MB for the 100,000 changes kept by default, and three allocations per write).
    struct KeptChange {
        let revision: UInt64
        let key: CompactKey
        let value: CompactBytes?
        let event: KeyEvent

        init(_ change: KeyChange, at revision: UInt64) {
            self.revision = revision
            key = CompactKey(change.key)
            value = change.compactValue
            event = change.event
        }

        var change: KeyChange { KeyChange(key: key.array, compactValue: value, event: event) }
    }

    struct Watcher {
        let key: [UInt8]
        let isPrefix: Bool
        /// Batches before this revision are not this watch's (it starts at a revision this
        /// node may not have applied yet).
        let fromRevision: UInt64
        /// Gets the changes as they are applied, or nil when the watch has ended.
        let deliver: ([Batch]?) -> Void

        func matches(_ key: [UInt8]) -> Bool {
            isPrefix ? key.starts(with: self.key) : key == self.key
        }

        /// The batch with only the changes this watch asks for; nil if none.
        func filter(_ batch: Batch) -> Batch? {
            guard batch.revision >= fromRevision else { return nil }
            let changes = batch.changes.filter { matches($0.key) }
            return changes.isEmpty ? nil : Batch(revision: batch.revision, changes: changes)
        }
    }

    /// The kept changes, oldest first, a revision's in the order its entry made them. Trimmed
    /// from the front as changes arrive, so what old changes hold is freed a little per entry:
    /// trimmed half a history at once (100,000 changes by default), the frees stalled the loop
    /// of every node for 100-450 ms every 100,000 entries, long enough for an election.
    private(set) var history: Deque<KeptChange> = []
    let keptChangesMax: Int
    /// The oldest revision whose changes are all still here.
    private(set) var oldestRevision: UInt64
    private var watchers: [UInt64: Watcher] = [:]
    private var nextWatcherID: UInt64 = 1

    /// A hub whose history starts after `revision` (the store's revision at start).
    init(startingAfter revision: UInt64, keptChangesMax: Int) {
        oldestRevision = revision + 1
        self.keptChangesMax = keptChangesMax
    }

    var watcherCount: Int { watchers.count }

    /// The changes an applied entry made; passed on to the watches that match.
    func record(revision: UInt64, changes: [KeyChange]) {
        guard !changes.isEmpty else { return }
        for change in changes { history.append(KeptChange(change, at: revision)) }
        while history.count > keptChangesMax, let oldest = history.popFirst() {
            // What is left of its revision, if anything, is no longer all of it.
            oldestRevision = oldest.revision + 1
        }
        guard !watchers.isEmpty else { return }
        let batch = Batch(revision: revision, changes: changes)
        for watcher in watchers.values {
            if let filtered = watcher.filter(batch) { watcher.deliver([filtered]) }
        }
    }

    /// The state machine was replaced by a snapshot: the history no longer continues, so
    /// every watch ends (its client resumes from its last revision, here or elsewhere).
    func restart(after revision: UInt64) {
        history = []
        oldestRevision = revision + 1
        let ended = watchers
        watchers = [:]
        for watcher in ended.values { watcher.deliver(nil) }
    }

    enum WatchError: Error {
        case compacted(requested: UInt64, oldest: UInt64)
    }

    /// Starts a watch from `revision` (nil for only what comes next); returns its id and the
    /// kept changes it asks for, which the caller sends before anything `deliver` gets.
    func watch(
        key: [UInt8],
        isPrefix: Bool,
        from revision: UInt64?,
        deliver: @escaping ([Batch]?) -> Void
    ) throws(WatchError) -> (id: UInt64, replay: [Batch]) {
        let watcher = Watcher(key: key, isPrefix: isPrefix, fromRevision: revision ?? 0, deliver: deliver)
        var replay: [Batch] = []
        if let revision {
            guard revision >= oldestRevision else {
                throw .compacted(requested: revision, oldest: oldestRevision)
            }
            // The front may hold the rest of a revision trimmed in part: older than
            // `oldestRevision`, so older than `revision`, and not replayed.
            for kept in history where kept.revision >= revision {
                let change = kept.change
                guard watcher.matches(change.key) else { continue }
                if replay.last?.revision == kept.revision {
                    replay[replay.count - 1].changes.append(change)
                } else {
                    replay.append(Batch(revision: kept.revision, changes: [change]))
                }
            }
        }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = watcher
        return (id, replay)
    }

    func cancel(_ id: UInt64) { watchers[id] = nil }
}
