import SynodCore
import SynodKeyValue

/// What the leader knows of key use, to choose what to evict when the dataset is over
/// `maxmemory`: when each key was last read or written here, and a Redis-style logarithmic
/// use counter for LFU. Victims are chosen as Redis does, by sampling a few keys and taking
/// the worst; the choice travels in an `evict` entry, so every replica removes the same keys.
/// Times are the runtime's monotonic milliseconds. After a failover the new leader knows
/// writes only.
public struct EvictionTracker: Sendable {
    struct Use: Sendable {
        var lastAccessMilliseconds: Int64
        var counter: UInt8
    }

    /// Redis's maxmemory-samples.
    static let samples = 5
    /// Keys removed per `evict` entry at most.
    static let keysPerEntryMax = 512
    private var keys: [[UInt8]] = []
    private var positions: [[UInt8]: Int] = [:]
    private var uses: [[UInt8]: Use] = [:]

    mutating func applied(_ changes: [KeyChange], at now: Int64, random: inout SeededGenerator) {
        for change in changes {
            // A removal has no value; a write (of a string or a hash) has one.
            if change.value == nil { forget(change.key) } else { touch(change.key, at: now, random: &random) }
        }
    }

    /// A read of these keys on this node.
    mutating func read(_ keys: [[UInt8]], at now: Int64, random: inout SeededGenerator) {
        for key in keys where positions[key] != nil { touch(key, at: now, random: &random) }
    }

    private mutating func touch(_ key: [UInt8], at now: Int64, random: inout SeededGenerator) {
        if positions[key] == nil {
            positions[key] = keys.count
            keys.append(key)
            uses[key] = Use(lastAccessMilliseconds: now, counter: 5)  // Redis's LFU_INIT_VAL
            return
        }
        var use = uses[key]!
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

    private mutating func forget(_ key: [UInt8]) {
        guard let position = positions.removeValue(forKey: key) else { return }
        uses[key] = nil
        let last = keys.removeLast()
        if position < keys.count {
            keys[position] = last
            positions[last] = position
        }
    }

    /// Keys whose removal brings the store under its limit, chosen by its policy.
    func victims(in store: KeyValueStore, at now: Int64, random: inout SeededGenerator) -> [[UInt8]] {
        let policy = store.memoryLimit.policy
        var toFree = store.bytesOverLimit
        var chosen: [[UInt8]] = []
        var taken: Set<[UInt8]> = []
        let volatile = policy.volatileOnly ? Array(store.volatileKeys) : []
        let pool = policy.volatileOnly ? volatile : keys
        while toFree > 0, chosen.count < Self.keysPerEntryMax, taken.count < pool.count {
            var best: [UInt8]?
            for _ in 0..<Self.samples {
                let candidate = pool[random.nextIndex(below: pool.count)]
                guard !taken.contains(candidate), store.footprint(of: candidate) > 0 else { continue }
                guard let current = best else {
                    best = candidate
                    continue
                }
                if worse(candidate, than: current, policy: policy, store: store, now: now) { best = candidate }
            }
            guard let victim = best ?? pool.first(where: { !taken.contains($0) && store.footprint(of: $0) > 0 }) else {
                break
            }
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
