/// Settings of a write-ahead log, with defaults that suit a node.
public struct WriteAheadLogOptions: Hashable, Sendable {
    /// A segment is closed and a new one started once it holds this many bytes.
    public var segmentBytesMax = 64 << 20
    /// The bytes of recent entries kept in memory for reads. Small by default: Raft keeps
    /// the log since its snapshot in memory itself, so a node reads entries back only when
    /// it opens, and a bigger cache holds a second copy of the tail's index (measured: about
    /// 10 MB less RSS after a million 48-byte SETs than with 32 MiB).
    public var entryCacheBytesMax = 4 << 20
    /// The most entries one record holds; a longer batch is split across records.
    public var entriesPerRecordMax = 4096
    /// A bug planted for the simulator to catch (mutation testing); nil in the node.
    public var plantedBug: StorageMutation?

    public init() {}

    /// Throws a description of the first setting out of range.
    public func validate() throws(StorageError) {
        guard segmentBytesMax >= 4096, entryCacheBytesMax >= 0, entriesPerRecordMax >= 1 else {
            throw .stopped(cause: "invalid write-ahead log options \(self)")
        }
    }
}

/// Bugs the simulator can plant in the write-ahead log to prove its checkers catch them.
public enum StorageMutation: String, CaseIterable, Sendable {
    /// A segment is removed once the snapshot of the first group with entries in it covers
    /// them, whatever entries of other groups it still holds: only a node hosting several
    /// groups loses entries to it.
    case removeSegmentsOneGroupCovers = "remove-segments-one-group-covers"
}
