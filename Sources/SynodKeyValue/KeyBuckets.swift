import HashTreeCollections
import SynodCore

/// Keys and a value for each, spread over `bucketCount` persistent hash tries by the stable hash
/// of each key: bucket `b` holds the keys whose 63-bit hash position starts with `b`'s bits.
///
/// A bucket is a range of positions, so work that walks the keys a piece at a time (SCAN, the
/// leader's search for expired keys) resumes from a position: a key present all along is
/// visited once per pass however other keys come and go, and each step costs the buckets it
/// visits, never a walk or a sort of every key. Within a bucket keys are taken in the trie's
/// own order, which its keys alone decide (the tries hash `CompactKey`s with XXH64, not with
/// `Hasher`'s per-process seed: `CompactKey._rawHashValue`): what a leader proposes from a walk
/// is the same in every run of a simulation seed, and equal stores give equal snapshots.
///
/// A copy shares every trie (O(buckets) to copy the array, once per snapshot); the array is
/// only allocated when the first key arrives, so an empty store costs nothing. Keys are kept
/// as `CompactKey`, inline in the tries' slots when short.
public struct KeyBuckets<Value: Hashable & Sendable>: Sendable {
    static var bucketBits: Int { 14 }
    static var bucketCount: Int { 1 << bucketBits }
    /// Positions are 63 bits so that they print as the non-negative cursors Redis clients
    /// parse.
    static var positionsEnd: UInt64 { 1 << 63 }

    private var buckets: [TreeDictionary<CompactKey, Value>] = []
    public private(set) var count = 0

    init() {}

    /// A key's place in the order walks take: its XXH64, less the top bit.
    static func position(of key: [UInt8]) -> UInt64 { StableHash.xxh64(key) >> 1 }

    static func position(of key: CompactKey) -> UInt64 { key.withUnsafeBytes { StableHash.xxh64($0) >> 1 } }

    static func bucket(atPosition position: UInt64) -> Int { Int(position >> UInt64(63 - bucketBits)) }

    static func firstPosition(ofBucket bucket: Int) -> UInt64 { UInt64(bucket) << UInt64(63 - bucketBits) }

    public var isEmpty: Bool { count == 0 }

    public internal(set) subscript(key: [UInt8]) -> Value? {
        get {
            guard !buckets.isEmpty else { return nil }
            return buckets[Self.bucket(atPosition: Self.position(of: key))][CompactKey(key)]
        }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// Stores `value` for `key`; returns the value it replaced.
    @discardableResult
    mutating func updateValue(_ value: Value, forKey key: [UInt8]) -> Value? {
        if buckets.isEmpty { buckets = Array(repeating: [:], count: Self.bucketCount) }
        let replaced = buckets[Self.bucket(atPosition: Self.position(of: key))]
            .updateValue(value, forKey: CompactKey(key))
        if replaced == nil { count += 1 }
        return replaced
    }

    /// Changes the value stored for `key` in place; nothing when there is none. One walk down
    /// the trie, not a lookup and then another (a read touches its key this way: 7% of a GET
    /// when it looked the key up twice).
    mutating func modifyValue(forKey key: [UInt8], _ body: (inout Value) -> Void) {
        guard !buckets.isEmpty else { return }
        let bucket = Self.bucket(atPosition: Self.position(of: key))
        buckets[bucket].updateValue(forKey: CompactKey(key)) { value in
            guard value != nil else { return }
            body(&value!)
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: [UInt8]) -> Value? {
        guard !buckets.isEmpty,
            let removed = buckets[Self.bucket(atPosition: Self.position(of: key))]
                .removeValue(forKey: CompactKey(key))
        else { return nil }
        count -= 1
        return removed
    }

    /// Every key, bucket by bucket (in no order a caller may rely on).
    public var keys: some Sequence<[UInt8]> { buckets.lazy.flatMap { $0.keys.lazy.map(\.array) } }

    /// The entries of whole buckets from the one holding `position` on, at or after it, until
    /// at least `visits` entries were looked at or the last bucket was: those `isIncluded`
    /// accepts, in walk order. Also the position where the next step begins (nil after the last
    /// bucket).
    func walk(
        from position: UInt64,
        visits: Int,
        where isIncluded: (_ key: [UInt8], _ value: Value) -> Bool = { _, _ in true }
    ) -> (entries: [(key: [UInt8], value: Value)], next: UInt64?) {
        guard !buckets.isEmpty, position < Self.positionsEnd else { return ([], nil) }
        var entries: [(key: [UInt8], value: Value)] = []
        var visited = 0
        let firstBucket = Self.bucket(atPosition: position)
        // Only the first bucket can hold keys before `position`, and only when a client made
        // the cursor up (the walk's own stop at bucket boundaries).
        let startsInside = position != Self.firstPosition(ofBucket: firstBucket)
        var bucket = firstBucket
        repeat {
            let contents = buckets[bucket]
            if !contents.isEmpty {
                visited += contents.count
                let skipsEarlier = startsInside && bucket == firstBucket
                var taken: [(key: [UInt8], value: Value)] = []
                for entry in contents
                where !skipsEarlier || Self.position(of: entry.key) >= position {
                    let key = entry.key.array
                    if isIncluded(key, entry.value) { taken.append((key, entry.value)) }
                }
                entries += taken
            }
            bucket += 1
        } while visited < visits && bucket < Self.bucketCount
        return (entries, bucket < Self.bucketCount ? Self.firstPosition(ofBucket: bucket) : nil)
    }

    /// Calls `body` with every entry in walk order (bucket by bucket, each bucket's entries in
    /// its trie's order): the same order for equal contents in every process.
    func forEachInWalkOrder<Failure: Error>(
        _ body: (_ key: [UInt8], _ value: Value) throws(Failure) -> Void
    ) throws(Failure) {
        for contents in buckets where !contents.isEmpty {
            for entry in contents { try body(entry.key.array, entry.value) }
        }
    }

    /// A key chosen by `random`, or nil when there is none: a random non-empty bucket, then a
    /// random key of it in walk order. Not uniform over keys (as Redis's choice is not), but
    /// every key can be chosen, and it costs one bucket, not a walk of every key.
    /// `randomIndex(n)` answers an index below `n`.
    func randomEntry(randomIndex: (Int) -> Int) -> (key: [UInt8], value: Value)? {
        guard count > 0 else { return nil }
        var bucket = randomIndex(Self.bucketCount)
        // With few keys most buckets are empty: after a few misses, take the next non-empty
        // bucket after a random one (there is one: count > 0).
        for _ in 0..<8 where buckets[bucket].isEmpty {
            bucket = randomIndex(Self.bucketCount)
        }
        while buckets[bucket].isEmpty { bucket = (bucket + 1) % Self.bucketCount }
        let contents = buckets[bucket]
        let chosen = contents.dropFirst(randomIndex(contents.count)).first!
        return (chosen.key.array, chosen.value)
    }
}

extension KeyBuckets: Sequence {
    /// Every entry, bucket by bucket (in no order a caller may rely on).
    public struct Iterator: IteratorProtocol {
        fileprivate var entries: FlattenSequence<[TreeDictionary<CompactKey, Value>]>.Iterator

        public mutating func next() -> (key: [UInt8], value: Value)? {
            entries.next().map { ($0.key.array, $0.value) }
        }
    }

    public func makeIterator() -> Iterator { Iterator(entries: buckets.joined().makeIterator()) }
}

extension KeyBuckets: Hashable {
    /// Equal when they hold the same keys and values, whether or not either allocated its
    /// buckets.
    public static func == (left: Self, right: Self) -> Bool {
        left.count == right.count && (left.count == 0 || left.buckets == right.buckets)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        if count > 0 { hasher.combine(buckets) }
    }
}
