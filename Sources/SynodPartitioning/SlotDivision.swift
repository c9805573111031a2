/// The 16,384 slots divided among shards in contiguous, equal ranges: how a cluster started
/// with several shards first lays them out. Shard `i` of `n` owns the slots `s` with
/// `s * n / 16384 == i`, so each owns `16384 / n` slots or one more, and the ranges are in
/// shard order.
public struct SlotDivision: Hashable, Sendable {
    /// How many shards the slots are divided among, 1 to `HashSlot.count`.
    public let shardCount: Int

    public init(shardCount: Int) {
        precondition((1...HashSlot.count).contains(shardCount), "\(shardCount) shards cannot divide the slots")
        self.shardCount = shardCount
    }

    /// The shard (0-based) that owns `slot`.
    public func shard(of slot: HashSlot) -> Int {
        Int(slot.rawValue) * shardCount / HashSlot.count
    }

    /// The shard (0-based) that owns `key`'s slot.
    public func shard(of key: some Collection<UInt8>) -> Int {
        shard(of: HashSlot.of(key: key))
    }

    /// The slots shard `shard` owns: the first slot `s` with `s * n / 16384 == shard`, up to
    /// the first of the next shard.
    public func slots(of shard: Int) -> Range<Int> {
        precondition((0..<shardCount).contains(shard), "no shard \(shard) of \(shardCount)")
        func first(_ shard: Int) -> Int { (shard * HashSlot.count + shardCount - 1) / shardCount }
        return first(shard)..<first(shard + 1)
    }
}
