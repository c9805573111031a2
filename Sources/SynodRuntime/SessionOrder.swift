import SynodConsensus
import SynodCore

/// Each connection's commands in order, without making one connection wait for another's.
///
/// A read is served once its ReadIndex is applied and, besides, once every write its own
/// connection sent before it is applied (`GroupRuntime.PendingRead.afterIndex`): Redis runs a
/// connection's pipeline in order. The leader keeps, for each connection, the last index it
/// proposed for it; a read waits for that index and not for the writes of other connections,
/// which a leader that can no longer commit would hold forever. A follower sends all its
/// connections' requests over one link in order, so the reads it forwards wait for every write
/// it forwarded before them.
struct SessionOrder {
    /// Whose earlier writes a read waits for.
    enum Key: Hashable {
        /// A client connection of this node (`origin`, as its writes' entries carry it).
        case connection(UInt64)
        /// Every connection of a follower, for the requests it forwards.
        case follower(NodeID)
    }

    private var lastProposed: [Key: LogIndex] = [:]
    private var pruneAt = Self.keysKeptMin

    /// Keys whose index is applied are forgotten once more than this many are kept (or twice
    /// as many as the last pass left): only keys with writes not yet applied stay, and there
    /// are no more of those than unapplied entries in the log.
    static let keysKeptMin = 1_024

    /// A write of `key` was proposed at `index`.
    mutating func proposed(_ index: LogIndex, by key: Key?, applied: LogIndex) {
        guard let key else { return }
        lastProposed[key] = index
        guard lastProposed.count > pruneAt else { return }
        lastProposed = lastProposed.filter { $0.value > applied }
        pruneAt = max(Self.keysKeptMin, 2 * lastProposed.count)
    }

    /// A write of `key`'s connection is answered by a copy proposed earlier at `index` (by a
    /// follower, or by another attempt): the connection's later reads wait for it as for its
    /// own, unless they already wait for a later index.
    mutating func joined(_ index: LogIndex, by key: Key, applied: LogIndex) {
        if let last = lastProposed[key], last >= index { return }
        proposed(index, by: key, applied: applied)
    }

    /// The index a read of `key` must wait for: its connection's last write, or, for a read of
    /// no known connection, every write proposed so far (`lastIndex`).
    mutating func afterIndex(for key: Key?, lastIndex: LogIndex, applied: LogIndex) -> LogIndex {
        guard let key else { return lastIndex }
        guard let index = lastProposed[key] else { return LogIndex(0) }
        if index <= applied { lastProposed[key] = nil }
        return index
    }
}
