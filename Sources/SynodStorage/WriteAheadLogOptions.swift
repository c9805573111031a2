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

    public init() {}

    /// Throws a description of the first setting out of range.
    public func validate() throws(StorageError) {
        guard segmentBytesMax >= 4096, entryCacheBytesMax >= 0, entriesPerRecordMax >= 1 else {
            throw .stopped(cause: "invalid write-ahead log options \(self)")
        }
    }
}
