import DequeModule
import SynodConsensus
import SynodCore

/// The most recent entries of each group, within a byte budget: reads of the log's tail (a
/// follower catching up, a restart) come from memory, older entries from disk.
///
/// Windows are only changed in place (`&windows[group]!`): a copy of a window taken out of
/// the dictionary would make the next change copy every entry in it.
struct EntryCache: Sendable {
    private struct Window: Sendable {
        var first: LogIndex
        var entries: Deque<LogEntry> = []
        var bytes = 0

        var end: LogIndex { LogIndex(first.rawValue + UInt64(entries.count)) }
    }

    let bytesMax: Int
    private var windows: [GroupID: Window] = [:]
    private(set) var bytes = 0

    init(bytesMax: Int) { self.bytesMax = bytesMax }

    func entry(of group: GroupID, at index: LogIndex) -> LogEntry? {
        guard let window = windows[group], index >= window.first, index < window.end else { return nil }
        return window.entries[Int(index.rawValue - window.first.rawValue)]
    }

    /// Caches entries just written at `first...`; they replace cached entries from `first` on.
    mutating func store(_ new: [LogEntry], of group: GroupID) {
        guard let first = new.first?.index else { return }
        if let window = windows[group], first < window.first || first > window.end {
            // Not contiguous with what is cached: start a new window.
            bytes -= window.bytes
            windows[group] = nil
        }
        if windows[group] == nil { windows[group] = Window(first: first) }
        bytes += Self.replaceTail(of: &windows[group]!, from: first, with: new)
        evict()
    }

    /// Returns the change in bytes.
    private static func replaceTail(of window: inout Window, from first: LogIndex, with new: [LogEntry]) -> Int {
        let before = window.bytes
        while window.end > first, let removed = window.entries.popLast() { window.bytes -= removed.sizeBytes }
        for entry in new {
            window.entries.append(entry)
            window.bytes += entry.sizeBytes
        }
        return window.bytes - before
    }

    /// Forgets cached entries of `group` at `index` and before (compacted away).
    mutating func forget(_ group: GroupID, through index: LogIndex) {
        guard windows[group] != nil else { return }
        bytes -= Self.dropHead(of: &windows[group]!, while: { $0.index <= index })
    }

    /// Returns the bytes dropped.
    private static func dropHead(of window: inout Window, while shouldDrop: (LogEntry) -> Bool) -> Int {
        let before = window.bytes
        while let head = window.entries.first, shouldDrop(head) {
            window.entries.removeFirst()
            window.bytes -= head.sizeBytes
            window.first = head.index.next
        }
        return before - window.bytes
    }

    /// Forgets every cached entry of `group` (its log was replaced by a snapshot).
    mutating func forgetAll(_ group: GroupID) {
        bytes -= windows[group]?.bytes ?? 0
        windows[group] = nil
    }

    /// Drops the oldest entries of the largest window until the cache fits its budget.
    private mutating func evict() {
        while bytes > bytesMax {
            // One pass over the windows, each read once: with thousands of groups, looking each
            // up again by its id was most of a simulated run's time.
            var largest: GroupID?
            var largestBytes = 0
            for (group, window) in windows where window.bytes > largestBytes {
                largest = group
                largestBytes = window.bytes
            }
            guard let group = largest else { return }
            var excess = bytes - bytesMax
            bytes -= Self.dropHead(of: &windows[group]!) { entry in
                defer { excess -= entry.sizeBytes }
                return excess > 0
            }
        }
    }
}
