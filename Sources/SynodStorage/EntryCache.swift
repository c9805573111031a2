import DequeModule
import SynodConsensus
import SynodCore

/// The most recent entries of each group, within a byte budget: reads of the log's tail (a
/// follower catching up, a restart) come from memory, older entries from disk.
struct EntryCache: Sendable {
    private struct Window: Sendable {
        var first: LogIndex
        var entries: Deque<LogEntry> = []
        var bytes = 0
    }

    let bytesMax: Int
    private var windows: [GroupID: Window] = [:]
    private(set) var bytes = 0

    init(bytesMax: Int) { self.bytesMax = bytesMax }

    func entry(of group: GroupID, at index: LogIndex) -> LogEntry? {
        guard let window = windows[group], index >= window.first else { return nil }
        let offset = Int(index.rawValue - window.first.rawValue)
        return offset < window.entries.count ? window.entries[offset] : nil
    }

    /// Caches entries just written at `first...`; they replace cached entries from `first` on.
    mutating func store(_ new: [LogEntry], of group: GroupID) {
        guard let first = new.first?.index else { return }
        var window = windows[group] ?? Window(first: first)
        let keep = first >= window.first ? Int(first.rawValue - window.first.rawValue) : 0
        if keep > window.entries.count {
            // Not contiguous with what is cached: start a new window.
            bytes -= window.bytes
            window = Window(first: first)
        } else if first < window.first {
            bytes -= window.bytes
            window = Window(first: first)
        }
        dropTail(of: &window, from: min(keep, window.entries.count))
        for entry in new {
            window.entries.append(entry)
            window.bytes += entry.sizeBytes
            bytes += entry.sizeBytes
        }
        windows[group] = window
        evict()
    }

    /// Forgets cached entries of `group` at `index` and before (compacted away).
    mutating func forget(_ group: GroupID, through index: LogIndex) {
        guard var window = windows[group] else { return }
        while let head = window.entries.first, head.index <= index {
            window.entries.removeFirst()
            window.bytes -= head.sizeBytes
            bytes -= head.sizeBytes
            window.first = head.index.next
        }
        windows[group] = window
    }

    /// Forgets every cached entry of `group` (its log was replaced by a snapshot).
    mutating func forgetAll(_ group: GroupID) {
        bytes -= windows[group]?.bytes ?? 0
        windows[group] = nil
    }

    private mutating func dropTail(of window: inout Window, from offset: Int) {
        while window.entries.count > offset {
            let removed = window.entries.removeLast()
            window.bytes -= removed.sizeBytes
            bytes -= removed.sizeBytes
        }
    }

    /// Drops the oldest entries of the largest windows until the cache fits its budget.
    private mutating func evict() {
        while bytes > bytesMax {
            guard let group = windows.max(by: { $0.value.bytes < $1.value.bytes })?.key,
                let head = windows[group]!.entries.first
            else { return }
            forget(group, through: head.index)
        }
    }
}
