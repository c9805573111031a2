import HashTreeCollections
import SynodCore
import Testing

@testable import SynodKeyValue

/// Keys and short values are kept inline (`CompactKey`, `CompactBytes`), a record's "no
/// expiry" is a value of its field and its lease is boxed with its value only when it has one:
/// what a key costs in memory, without changing what the store answers.
struct CompactRecordTests {
    /// Bytes of every length around the inline capacity, with every byte value in them.
    static let samples: [[UInt8]] = (0...(2 * CompactBytes.inlineCapacity + 3)).flatMap { count in
        [
            (0..<count).map { UInt8(truncatingIfNeeded: $0 * 37 + count) },
            Array(repeating: 0, count: count),
            Array(repeating: 255, count: count),
        ]
    }

    @Test func bytesOfEveryLengthComeBackAsTheyWent() {
        Self.checkRoundTrips(CompactBytes.init)
        Self.checkRoundTrips(CompactKey.init)
    }

    @Test func equalityAndHashAreTheBytes() {
        Self.checkEqualityAndHash(CompactBytes.init)
        Self.checkEqualityAndHash(CompactKey.init)
    }

    /// The tries hash a key with XXH64 of its bytes, not with the process's seeded `Hasher`: a
    /// trie built from the same keys in any order has the same shape and is walked in the same
    /// order, in this process and any other.
    @Test func aTrieOfKeysIsWalkedInAnOrderItsKeysAloneDecide() {
        for bytes in Self.samples {
            #expect(CompactKey(bytes)._rawHashValue(seed: 0) == Int(truncatingIfNeeded: StableHash.xxh64(bytes)))
        }
        let keys = (0..<5_000).map { Array("key:\($0)".utf8) + Array(repeating: UInt8($0 % 251), count: $0 % 40) }
        var generator = SeededGenerator(seed: 7)
        var forward = TreeDictionary<CompactKey, Int>()
        var shuffled = TreeDictionary<CompactKey, Int>()
        for (number, key) in keys.enumerated() { forward[CompactKey(key)] = number }
        for (number, key) in keys.enumerated().shuffled(using: &generator) { shuffled[CompactKey(key)] = number }
        // Keys that come and go leave no trace in the order either.
        for key in keys.prefix(1_000) { shuffled[CompactKey(Array("gone:".utf8) + key)] = 0 }
        for key in keys.prefix(1_000) { shuffled[CompactKey(Array("gone:".utf8) + key)] = nil }
        #expect(Array(forward.keys) == Array(shuffled.keys))
        #expect(Array(forward.keys) != keys.map(CompactKey.init), "the walk follows the hashes, not insertion")
    }

    /// What a key costs in every slot of the keyspace's tries: a key of 24 bytes (inline up
    /// to 22) and a record of 64 (a 32-byte value inline, the lease boxed with the value).
    @Test func aKeyAndItsRecordTakeElevenWords() {
        #expect(MemoryLayout<CompactKey>.size == 24 && MemoryLayout<CompactKey>.stride == 24)
        #expect(CompactKey.inlineCapacity == 22)
        #expect(MemoryLayout<KeyValueStore.Record>.stride == 64)
        #expect(MemoryLayout<(CompactKey, KeyValueStore.Record)>.stride == 88)
    }

    static func checkRoundTrips<Compact: InlineByteString>(_ make: ([UInt8]) -> Compact) {
        for bytes in samples {
            let compact = make(bytes)
            #expect(compact.array == bytes)
            #expect(compact.count == bytes.count)
            #expect(compact.withUnsafeBytes { Array($0) } == bytes)
        }
    }

    static func checkEqualityAndHash<Compact: InlineByteString & Hashable>(_ make: ([UInt8]) -> Compact) {
        for left in samples {
            for right in samples {
                let (compactLeft, compactRight) = (make(left), make(right))
                #expect((compactLeft == compactRight) == (left == right), "\(left) \(right)")
                if left == right { #expect(compactLeft.hashValue == compactRight.hashValue) }
            }
        }
    }

    @Test func aRecordAnswersWhatItWasGiven() {
        for value in [
            [], Array("v".utf8), Array(repeating: UInt8(7), count: 33), Array(repeating: UInt8(1), count: 4096),
        ] {
            var record = KeyValueStore.Record(
                value: value,
                expiresAtMilliseconds: nil,
                createRevision: 3,
                modifyRevision: 9,
                lease: nil
            )
            #expect(record.value == value && record.valueCount == value.count)
            #expect(record.hash == nil && record.expiresAtMilliseconds == nil && record.lease == nil)
            record.expiresAtMilliseconds = 0
            record.lease = .max
            #expect(record.expiresAtMilliseconds == 0 && record.lease == .max)
            record.expiresAtMilliseconds = Int64.max
            record.lease = 1
            #expect(record.expiresAtMilliseconds == Int64.max && record.lease == 1)
            #expect(record.value == value && record.valueCount == value.count)
            var unleased = record
            unleased.lease = nil
            #expect(unleased != record && unleased.value == record.value)
            record.expiresAtMilliseconds = nil
            record.lease = nil
            #expect(record.expiresAtMilliseconds == nil && record.lease == nil)
            #expect(record.createRevision == 3 && record.modifyRevision == 9)
        }
        let hash = KeyValueStore.Record(
            value: [],
            hash: [Array("f".utf8): Array("v".utf8)],
            expiresAtMilliseconds: 5,
            createRevision: 1,
            modifyRevision: 1,
            lease: 2
        )
        #expect(hash.hash == [Array("f".utf8): Array("v".utf8)] && hash.value.isEmpty && hash.valueCount == 0)
        #expect(hash.lease == 2)
        // A new value keeps the lease, and taking the value out leaves it too.
        var changed = hash
        changed.hash = [Array("g".utf8): Array("w".utf8)]
        #expect(changed.hash == [Array("g".utf8): Array("w".utf8)] && changed.lease == 2)
        #expect(changed.takeHash()?.fields == [Array("g".utf8): Array("w".utf8)] && changed.lease == 2)
        #expect(changed.isString && changed.value.isEmpty)
        changed.putList(ListValue([Array("e".utf8)]))
        #expect(changed.kind == .list && changed.lease == 2 && changed.expiresAtMilliseconds == 5)
    }

    /// A snapshot could only carry the fields' "none" values as real ones if it was not
    /// written by a store: such a snapshot is refused, never read as a key without a TTL.
    @Test func aSnapshotWithTheSentinelsAsRealValuesIsRefused() throws {
        var store = KeyValueStore()
        _ = store.applyReporting(
            KeyValueEntry(
                requestID: 1,
                timeMilliseconds: 1,
                command: .set(
                    key: Array("k".utf8),
                    value: Array("v".utf8),
                    condition: .always,
                    expiry: .atMilliseconds(1_000_000),
                    returnPrevious: false
                )
            ),
            at: 1
        )
        let bytes = store.snapshotBytes
        var expiry = withUnsafeBytes(of: UInt64(1_000_000).littleEndian) { Array($0) }
        let found = (0...(bytes.count - expiry.count)).filter { Array(bytes[$0..<($0 + expiry.count)]) == expiry }
        #expect(found.count == 1, "the expiry is not in the snapshot once")
        var forged = bytes
        expiry = withUnsafeBytes(of: UInt64(bitPattern: Int64.min).littleEndian) { Array($0) }
        forged.replaceSubrange(found[0]..<(found[0] + expiry.count), with: expiry)
        #expect(throws: (any Error).self) { try KeyValueStore(snapshotBytes: forged) }
        #expect(try KeyValueStore(snapshotBytes: bytes).remainingMilliseconds(of: Array("k".utf8), at: 1) > 0)
    }
}
