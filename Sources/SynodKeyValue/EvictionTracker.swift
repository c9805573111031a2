import SynodCore

/// What the leader knows of key use, to choose what to evict when the dataset is over
/// `maxmemory`: when each key was last read or written here, and a Redis-style logarithmic
/// use counter for LFU. Victims are chosen as Redis does, by sampling a few keys and taking
/// the worst; the choice travels in an `evict` entry, so every replica removes the same keys.
/// Times are the runtime's monotonic milliseconds. After a failover the new leader knows
/// writes only.
///
/// Use is kept only while the policy is LRU or LFU, the policies that read it: a store under
/// any other policy (the default, noeviction, among them) pays nothing per key. A key not
/// used since its policy began counts as used longest ago, and least often.
public struct EvictionTracker: Sendable {
    struct Use: Sendable {
        var lastAccessMilliseconds: Int64
        var counter: UInt8
    }

    /// Redis's maxmemory-samples.
    static let samples = 5
    /// Keys removed per `evict` entry at most.
    static let keysPerEntryMax = 512
    private(set) var uses: [[UInt8]: Use] = [:]
    /// When use began to be kept (the policy became LRU or LFU here): a key not used since
    /// was last used before.
    private(set) var keptSinceMilliseconds: Int64?

    /// Whether `policy` chooses by use, so use must be kept.
    static func keepsUse(_ policy: EvictionPolicy) -> Bool {
        switch policy {
        case .allKeysLRU, .volatileLRU, .allKeysLFU, .volatileLFU: true
        case .noEviction, .allKeysRandom, .volatileRandom, .volatileTTL: false
        }
    }

    /// The keys an applied entry changed, in `store` as it is after the entry.
    mutating func applied(
        _ changes: [KeyChange],
        in store: KeyValueStore,
        at now: Int64,
        random: inout SeededGenerator
    ) {
        guard Self.keepsUse(store.memoryLimit.policy) else {
            if !uses.isEmpty { uses = [:] }
            keptSinceMilliseconds = nil
            return
        }
        if keptSinceMilliseconds == nil { keptSinceMilliseconds = now }
        for change in changes {
            // A removal has no value; a write (of a string or a hash) has one.
            if change.value == nil { uses[change.key] = nil } else { touch(change.key, at: now, random: &random) }
        }
    }

    /// OBJECT FREQ (LFU policies) of a key that exists, from its use here;
    /// nil when the policy keeps no such use (the state answers).
    func answer(_ use: KeyUse, of key: [UInt8], in store: KeyValueStore, at now: Int64) -> KeyValueResult? {
        let policy = store.memoryLimit.policy
        switch use {
        case .referenceCount, .idleSeconds:
            // Idle time is each record's (`KeyValueStore.Record.accessedSeconds`).
            return nil
        case .frequency:
            guard policy == .allKeysLFU || policy == .volatileLFU else { return nil }
            return .integer(Int64(uses[key].map { Self.decayed($0, now: now) } ?? 0))
        }
    }

    /// A read of these keys on this node.
    mutating func read(_ read: ReadCommand, in store: KeyValueStore, at now: Int64, random: inout SeededGenerator) {
        guard Self.keepsUse(store.memoryLimit.policy) else { return }
        read.forEachTouchedKey { key in
            if keptSinceMilliseconds == nil { keptSinceMilliseconds = now }
            if store.records[key] != nil { touch(key, at: now, random: &random) }
        }
    }

    private mutating func touch(_ key: [UInt8], at now: Int64, random: inout SeededGenerator) {
        guard var use = uses[key] else {
            uses[key] = Use(lastAccessMilliseconds: now, counter: 5)  // Redis's LFU_INIT_VAL
            return
        }
        use.counter = Self.decayed(use, now: now)
        // Redis's logarithmic increment with lfu-log-factor 10.
        if use.counter < 255 {
            let base = Double(max(0, Int(use.counter) - 5))
            if random.nextUnitInterval() < 1.0 / (base * 10 + 1) { use.counter += 1 }
        }
        use.lastAccessMilliseconds = now
        uses[key] = use
    }

    /// The counter after lfu-decay-time (1 minute) per idle minute.
    private static func decayed(_ use: Use, now: Int64) -> UInt8 {
        let minutes = max(0, (now - use.lastAccessMilliseconds) / 60_000)
        return UInt8(max(0, Int64(use.counter) - minutes))
    }

    /// Keys whose removal brings the store under its limit, chosen by its policy.
    func victims(in store: KeyValueStore, at now: Int64, random: inout SeededGenerator) -> [[UInt8]] {
        let policy = store.memoryLimit.policy
        var toFree = store.bytesOverLimit
        var chosen: [[UInt8]] = []
        var taken: Set<[UInt8]> = []
        // Samples of the store's keys with a TTL for volatile policies, of all its keys for the
        // others: never a copy or a walk of either.
        let poolCount = policy.volatileOnly ? store.volatileKeyCount : store.keyCount
        while toFree > 0, chosen.count < Self.keysPerEntryMax, taken.count < poolCount {
            var best: [UInt8]?
            for _ in 0..<Self.samples {
                let sampled =
                    policy.volatileOnly
                    ? store.randomVolatileKey(randomIndex: { random.nextIndex(below: $0) })
                    : store.randomStoredKey(randomIndex: { random.nextIndex(below: $0) })
                guard let candidate = sampled, !taken.contains(candidate), store.footprint(of: candidate) > 0 else {
                    continue
                }
                guard let current = best else {
                    best = candidate
                    continue
                }
                if worse(candidate, than: current, policy: policy, store: store, now: now) { best = candidate }
            }
            // Every sample was taken already: the next `evict` entry goes on.
            guard let victim = best else { break }
            taken.insert(victim)
            chosen.append(victim)
            toFree -= store.footprint(of: victim)
        }
        return chosen
    }

    /// Whether `candidate` should go before `current`.
    private func worse(
        _ candidate: [UInt8],
        than current: [UInt8],
        policy: EvictionPolicy,
        store: KeyValueStore,
        now: Int64
    ) -> Bool {
        let unknown = Use(lastAccessMilliseconds: 0, counter: 0)
        switch policy {
        case .allKeysLRU, .volatileLRU:
            return (uses[candidate] ?? unknown).lastAccessMilliseconds
                < (uses[current] ?? unknown).lastAccessMilliseconds
        case .allKeysLFU, .volatileLFU:
            return Self.decayed(uses[candidate] ?? unknown, now: now) < Self.decayed(uses[current] ?? unknown, now: now)
        case .volatileTTL:
            return (store.expiry(of: candidate) ?? .max) < (store.expiry(of: current) ?? .max)
        case .allKeysRandom, .volatileRandom, .noEviction:
            return false
        }
    }
}
