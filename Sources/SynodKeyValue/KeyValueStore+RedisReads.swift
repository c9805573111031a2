import SynodCore

/// The wider Redis reads (strings, keys and hashes), typed, with Redis's semantics and error
/// texts.
extension KeyValueStore {
    /// Words a node before the typed reads forwarded or logged (in a transaction), served as
    /// the typed read they parse to.
    public func readWords(_ words: [[UInt8]], at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        switch RedisWordCommands.parseRead(words) {
        case .success(let read): self.read(read, at: now, randomIndex: randomIndex)
        case .failure(let error): .error(error)
        }
    }

    /// The string of `key` at `now` (nil if there is none), or WRONGTYPE.
    func string(_ key: [UInt8], at now: Int64) -> Result<[UInt8]?, KeyValueError> {
        guard let live = record(of: key, at: now) else { return .success(nil) }
        return live.isString ? .success(live.value) : .failure(Self.wrongType)
    }

    /// The hash of `key` at `now` (nil if there is none), or WRONGTYPE.
    func hash(_ key: [UInt8], at now: Int64) -> Result<[[UInt8]: [UInt8]]?, KeyValueError> {
        guard let live = record(of: key, at: now) else { return .success(nil) }
        return live.hash.map { .success($0) } ?? .failure(Self.wrongType)
    }

    func answer(_ read: StringRead, at now: Int64) -> KeyValueResult {
        switch read {
        case .length(let key):
            string(key, at: now).map { .integer(Int64($0?.count ?? 0)) }.value
        case .range(let key, let start, let end):
            string(key, at: now).map { .value(Self.range(of: $0 ?? [], start, end)) }.value
        }
    }

    func answer(_ read: KeyspaceRead, at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        switch read {
        case .expiryTime(let key, let unit):
            guard let live = record(of: key, at: now) else { return .integer(-2) }
            guard let expiry = live.expiresAtMilliseconds else { return .integer(-1) }
            return .integer(unit == .seconds ? expiry / 1000 : expiry)
        case .type(let key):
            guard let live = record(of: key, at: now) else { return .status("none") }
            return .status(live.kind.rawValue)
        case .keys(let pattern):
            return .array(liveKeys(at: now).filter { Glob.matches(pattern, $0) }.map { .value($0) })
        case .scan(let cursor, let options):
            return scan(from: cursor, options, at: now)
        case .randomKey:
            return randomLiveKey(at: now, randomIndex: randomIndex).map { .value($0) } ?? .null
        case .encoding(let key):
            guard let target = record(of: key, at: now) else { return .null }
            return .value(Array(Self.encoding(of: target).utf8))
        case .use(let key, let use):
            guard let target = record(of: key, at: now) else { return .null }
            return answer(use, of: target, at: now)
        }
    }

    static let idleTimeUnderLFU = KeyValueError(
        .invalidRequest,
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )
    static let frequencyWithoutLFU = KeyValueError(
        .invalidRequest,
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )
    static let frequencyNotTracked = KeyValueError(
        .invalidRequest,
        "ERR access frequency is read by the leader outside MULTI"
    )

    /// OBJECT REFCOUNT, IDLETIME and FREQ as the state answers them at `now` (the serving
    /// node's clock): REFCOUNT always, IDLETIME from the record's access clock (this node's
    /// reads and every write), and both with Redis's errors for the wrong policy. Use counts
    /// are known only to the leader (`EvictionTracker`), which answers FREQ before the state.
    func answer(_ use: KeyUse, of record: Record, at now: Int64) -> KeyValueResult {
        let isLFU = [.allKeysLFU, .volatileLFU].contains(memoryLimit.policy)
        switch use {
        case .referenceCount:
            // Redis shares the integers 0 to 9999 (refcount INT_MAX) unless maxmemory is set
            // with an LRU or LFU policy, which needs a use field per value.
            let keepsUse = EvictionTracker.keepsUse(memoryLimit.policy)
            if Self.encoding(of: record) == "int", memoryLimit.maxBytes == 0 || !keepsUse,
                let value = Self.parseInteger(record.value), (0..<10_000).contains(value)
            {
                return .integer(Int64(Int32.max))
            }
            return .integer(1)
        case .idleSeconds:
            if isLFU { return .error(Self.idleTimeUnderLFU) }
            return .integer(max(0, now / 1_000 - Int64(record.accessedSeconds)))
        case .frequency:
            return .error(isLFU ? Self.frequencyNotTracked : Self.frequencyWithoutLFU)
        }
    }

    func answer(_ read: HashRead, at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        let found = hash(read.key, at: now)
        switch read {
        case .get(_, let field):
            return found.map { $0?[field].map { .value($0) } ?? .null }.value
        case .multiGet(_, let fields):
            return found.map { hash in .values(fields.map { hash?[$0] }) }.value
        case .getAll:
            return found.map { hash in
                .map(Self.sortedFields(hash).flatMap { [.value($0.key), .value($0.value)] })
            }.value
        case .fields:
            return found.map { .array(Self.sortedFields($0).map { .value($0.key) }) }.value
        case .values:
            return found.map { .array(Self.sortedFields($0).map { .value($0.value) }) }.value
        case .length:
            return found.map { .integer(Int64($0?.count ?? 0)) }.value
        case .exists(_, let field):
            return found.map { .integer($0?[field] == nil ? 0 : 1) }.value
        case .valueLength(_, let field):
            return found.map { .integer(Int64($0?[field]?.count ?? 0)) }.value
        case .scan(_, let cursor, let options):
            switch found {
            case .failure(let error): return .error(error)
            case .success(nil): return .array([.value(Array("0".utf8)), .array([])])
            case .success(let hash?):
                switch options {
                case .failure(let error): return .error(error)
                case .success(let options): return hashScan(hash, from: cursor, options)
                }
            }
        case .randomFields(_, let count, let withValues):
            return found.map { hash in
                let fields = Self.sortedFields(hash)
                guard let count else {
                    return fields.isEmpty ? .null : .value(fields[randomIndex(fields.count)].key)
                }
                let chosen = Self.randomPositions(count, among: fields.count, randomIndex: randomIndex).map {
                    fields[$0]
                }
                guard withValues, !chosen.isEmpty else { return .array(chosen.map { .value($0.key) }) }
                return .pairs(chosen.flatMap { [KeyValueResult.value($0.key), .value($0.value)] })
            }.value
        }
    }

    /// GETRANGE's inclusive range with negative offsets from the end, as Redis clamps them.
    static func range(of value: [UInt8], _ start: Int64, _ end: Int64) -> [UInt8] {
        let count = Int64(value.count)
        // `count + start` and `count + end` are taken only for negative offsets: no overflow.
        guard count > 0, !(start < 0 && end < 0 && start > end) else { return [] }
        var low = start < 0 ? max(0, count + start) : start
        var high = end < 0 ? max(0, count + end) : end
        high = min(high, count - 1)
        low = max(low, 0)
        guard low <= high, low < count else { return [] }
        return Array(value[Int(low)...Int(high)])
    }

    static func sortedFields(_ hash: [[UInt8]: [UInt8]]?) -> [(key: [UInt8], value: [UInt8])] {
        (hash ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    static func encoding(of record: Record) -> String {
        // Redis 7.0 keeps every list as a quicklist (7.2 added listpack for small ones).
        if record.kind == .list { return "quicklist" }
        if let set = record.set { return isIntegerSet(set) ? "intset" : "hashtable" }
        if let sortedSet = record.sortedSet { return isCompact(sortedSet) ? "listpack" : "skiplist" }
        if record.kind == .stream { return "stream" }
        if let hash = record.hash {
            return hash.count <= 128 && hash.allSatisfy({ $0.key.count <= 64 && $0.value.count <= 64 })
                ? "listpack" : "hashtable"
        }
        if record.value.count <= 20, parseInteger(record.value) != nil { return "int" }
        return record.valueCount <= 44 ? "embstr" : "raw"
    }

    /// A key that exists at `now`, chosen as `KeyBuckets.randomEntry` chooses; when a hundred
    /// choices all find expired keys (as Redis, it keeps trying), the first live key of a walk.
    func randomLiveKey(at now: Int64, randomIndex: (Int) -> Int) -> [UInt8]? {
        for _ in 0..<100 {
            guard let (key, _) = records.randomEntry(randomIndex: randomIndex) else { return nil }
            if record(of: key, at: now) != nil { return key }
        }
        var position: UInt64? = 0
        while let start = position {
            let (live, next) = records.walk(from: start, visits: 1) { key, _ in record(of: key, at: now) != nil }
            if let first = live.first { return first.key }
            position = next
        }
        return nil
    }

    func liveKeys(at now: Int64) -> [[UInt8]] {
        records.keys.filter { record(of: $0, at: now) != nil }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// SCAN: the cursor is a position in the order of the keys' stable hashes
    /// (`KeyBuckets.walk`), so a key present for the whole scan is returned, and each call
    /// costs the buckets it visits.
    func scan(from cursor: UInt64, _ options: ScanOptions, at now: Int64) -> KeyValueResult {
        if let refusal = options.refusal { return .error(refusal) }
        let (keys, next) = records.walk(from: cursor, visits: options.count) { key, record in
            if let expiry = record.expiresAtMilliseconds, expiry <= max(now, clockMilliseconds) { return false }
            if let pattern = options.pattern, !Glob.matches(pattern, key) { return false }
            if let type = options.type, type != record.kind.rawValue { return false }
            return true
        }
        return .array([.value(Array(String(next ?? 0).utf8)), .array(keys.map { .value($0.key) })])
    }

    /// HSCAN: small hashes whole, as Redis does for listpack-encoded ones; larger ones by
    /// field-hash order like SCAN.
    func hashScan(_ hash: [[UInt8]: [UInt8]], from cursor: UInt64, _ options: ScanOptions) -> KeyValueResult {
        Self.scanPage(Array(hash.keys), whole: hash.count <= 128, from: cursor, options) { hash[$0]! }
    }

    /// A page of HSCAN or SSCAN over `elements` (a hash's fields, a set's members): all of them
    /// when `whole` (as Redis scans its small encodings), else those from `cursor` on in the
    /// order of their stable hashes, `options.count` of them. Each field is followed by its
    /// `value` when there is one and the options want values.
    static func scanPage(
        _ elements: [[UInt8]],
        whole: Bool,
        from cursor: UInt64,
        _ options: ScanOptions,
        value: (([UInt8]) -> [UInt8])?
    ) -> KeyValueResult {
        if let refusal = options.refusal { return .error(refusal) }
        let ordered = elements.map { (StableHash.xxh64($0) >> 1, $0) }.filter { $0.0 >= cursor }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.lexicographicallyPrecedes($1.1) }
        let page = whole ? ordered[...] : ordered.prefix(options.count)
        let next = page.count < ordered.count ? ordered[page.count].0 : 0
        var answered: [KeyValueResult] = []
        for (_, element) in page where options.pattern.map({ Glob.matches($0, element) }) ?? true {
            answered.append(.value(element))
            if options.withValues, let value { answered.append(.value(value(element))) }
        }
        return .array([.value(Array(String(next).utf8)), .array(answered)])
    }
}
