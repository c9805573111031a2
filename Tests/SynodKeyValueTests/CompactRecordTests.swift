import SynodCore
import Testing

@testable import SynodKeyValue

/// Keys and short values are kept inline (`CompactBytes`), and a record's "no expiry" and
/// "no lease" are values of its fields: what a key costs in memory, without changing what the
/// store answers.
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
        for bytes in Self.samples {
            let compact = CompactBytes(bytes)
            #expect(compact.array == bytes)
            #expect(compact.count == bytes.count)
            #expect(compact.withUnsafeBytes { Array($0) } == bytes)
        }
    }

    @Test func equalityHashAndOrderAreTheBytes() {
        for left in Self.samples {
            for right in Self.samples {
                let (compactLeft, compactRight) = (CompactBytes(left), CompactBytes(right))
                #expect((compactLeft == compactRight) == (left == right), "\(left) \(right)")
                #expect(compactLeft.precedes(compactRight) == left.lexicographicallyPrecedes(right), "\(left) \(right)")
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
