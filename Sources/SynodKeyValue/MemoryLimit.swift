import HashTreeCollections

/// Redis's `maxmemory-policy`: what happens when the dataset is over `maxmemory`.
public enum EvictionPolicy: String, Hashable, Sendable, CaseIterable {
    case noEviction = "noeviction"
    case allKeysLRU = "allkeys-lru"
    case volatileLRU = "volatile-lru"
    case allKeysLFU = "allkeys-lfu"
    case volatileLFU = "volatile-lfu"
    case allKeysRandom = "allkeys-random"
    case volatileRandom = "volatile-random"
    case volatileTTL = "volatile-ttl"

    /// Only keys with a TTL may be evicted.
    public var volatileOnly: Bool { rawValue.hasPrefix("volatile") }
}

/// The replicated memory settings (CONFIG SET maxmemory / maxmemory-policy go through the log,
/// so every replica decides alike).
public struct MemoryLimit: Hashable, Sendable {
    /// 0 for no limit.
    public var maxBytes = 0
    public var policy = EvictionPolicy.noEviction

    public init() {}

    /// Parses a size as Redis's CONFIG SET does: bytes, or with k, kb, m, mb, g, gb (k = 1000,
    /// kb = 1024).
    public static func parseBytes(_ text: String) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [
            ("kb", 1024), ("mb", 1 << 20), ("gb", 1 << 30), ("k", 1000), ("m", 1_000_000), ("g", 1_000_000_000),
            ("b", 1),
        ]
        for (suffix, scale) in units where lower.hasSuffix(suffix) {
            guard let number = Int(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            let (bytes, overflow) = number.multipliedReportingOverflow(by: scale)
            return overflow ? nil : bytes
        }
        guard let number = Int(lower), number >= 0 else { return nil }
        return number
    }
}

extension KeyValueStore {
    static let outOfMemory = KeyValueError(.outOfMemory, "OOM command not allowed when used memory > 'maxmemory'.")

    /// The bytes one key takes in `datasetBytes`, modeled on what a key really costs this
    /// process: its bytes twice (the store, and the copy in the newest snapshot, which Raft
    /// keeps in memory to send to followers) plus 240 bytes of array headers, dictionary slot
    /// and allocator rounding; a hash field, its bytes twice plus 100; a list element, its
    /// bytes twice plus 48; a set member, its bytes twice plus 64; a sorted set member, its
    /// bytes twice plus 96; a stream entry, its fields' bytes twice plus 64, and a pending
    /// entry 80. Measured: 552 bytes of RSS per added key with a 100-byte value, against 466
    /// counted here (the rest is allocator fragmentation and bounded buffers, see the README).
    static func footprint(key: [UInt8], record: Record) -> Int {
        var bytes = 2 * (key.count + record.valueCount) + 240
        if let hash = record.hashFields { bytes += 2 * hash.fieldBytes + 100 * hash.count }
        // A list element: its bytes twice, plus its array's header and its slot in the list.
        if let list = record.list { bytes += 2 * list.elementBytes + 48 * list.count }
        // A set member: its bytes twice, its array's header, its slots in the order and the
        // hash table.
        if let set = record.set { bytes += 2 * set.memberBytes + 64 * set.count }
        // A sorted set member: its bytes twice, its array's header, its score twice, its slots
        // in the runs and the hash table.
        if let sortedSet = record.sortedSet { bytes += 2 * sortedSet.memberBytes + 96 * sortedSet.count }
        // A stream entry: its fields' bytes twice, its id, its arrays' headers; a pending
        // entry: its id, its consumer's name and its counters.
        if let stream = record.stream { bytes += 2 * stream.entryBytes + 64 * stream.count + 80 * stream.pendingCount }
        return bytes
    }

    /// Whether a write that may add data must be refused now: over the limit, with nothing the
    /// policy could evict to make room.
    var refusesWrites: Bool {
        guard memoryLimit.maxBytes > 0, datasetBytes > memoryLimit.maxBytes else { return false }
        return memoryLimit.policy == .noEviction || (memoryLimit.policy.volatileOnly && keysWithExpiry.isEmpty)
    }

    /// Whether the leader should propose evictions.
    public var needsEviction: Bool {
        memoryLimit.maxBytes > 0 && datasetBytes > memoryLimit.maxBytes && memoryLimit.policy != .noEviction
            && !(memoryLimit.policy.volatileOnly && keysWithExpiry.isEmpty)
    }

    /// Bytes to free to get under the limit.
    public var bytesOverLimit: Int { max(0, datasetBytes - memoryLimit.maxBytes) }

    /// Keys with a TTL (what volatile policies may evict), and their expiry.
    public func expiry(of key: [UInt8]) -> Int64? { records[key]?.expiresAtMilliseconds }

    /// How many keys have a TTL.
    public var volatileKeyCount: Int { keysWithExpiry.count }

    /// A stored key (expired or not), chosen as `KeyBuckets.randomEntry` chooses; nil when
    /// there is none.
    public func randomStoredKey(randomIndex: (Int) -> Int) -> [UInt8]? {
        records.randomEntry(randomIndex: randomIndex)?.key
    }

    /// A key with a TTL, chosen as `KeyBuckets.randomEntry` chooses; nil when there is none.
    public func randomVolatileKey(randomIndex: (Int) -> Int) -> [UInt8]? {
        keysWithExpiry.randomEntry(randomIndex: randomIndex)?.key
    }

    /// The bytes `key` takes, 0 if absent.
    public func footprint(of key: [UInt8]) -> Int {
        records[key].map { Self.footprint(key: key, record: $0) } ?? 0
    }

    /// Commands that only remove or do not grow the dataset run even over the limit.
    static func mayGrow(_ command: KeyValueCommand) -> Bool {
        switch command {
        case .delete, .compareAndDelete, .expire, .persist, .removeExpired, .evict, .leaseRevoke, .extendLeases, .sweep,
            .release, .refreshLock, .leaseKeepAlive, .configure, .settleHeldPops:
            return false
        case .string(.getDelete), .string(.getExpiring), .hash(.delete), .flushAll, .list(.pop), .list(.popFromFirst),
            .list(.remove), .list(.trim), .redisSet(.remove), .redisSet(.pop), .redisSet(.move), .sortedSet(.remove),
            .sortedSet(.removeRange), .sortedSet(.pop), .sortedSet(.popFromFirst), .stream(.delete), .stream(.trim),
            .stream(.acknowledge), .stream(.claim), .stream(.autoClaim), .stream(.readGroup), .stream(.destroyGroup),
            .stream(.deleteConsumer), .stream(.setGroupID), .stream(.refusedAfterLookup):
            return false
        case .redis(let words):
            // As the command the words parse to; words that do not parse are refused as
            // before the commands were typed (over the limit, with the OOM error).
            guard case .success(let command) = RedisWordCommands.parseWrite(words) else { return true }
            return mayGrow(command)
        case .fenced(_, _, let inner), .withLease(_, let inner):
            return mayGrow(inner)
        case .transaction(_, let steps):
            return steps.contains { if case .write(let inner) = $0 { mayGrow(inner) } else { false } }
        default:
            return true
        }
    }
}
