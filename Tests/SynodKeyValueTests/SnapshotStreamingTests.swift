import SynodCore
import Testing

@testable import SynodKeyValue

/// A snapshot is written in pieces (`writeSnapshot`) and rebuilt from pieces of any size
/// (`SnapshotDecoder`), so that neither side holds a large state twice.
struct SnapshotStreamingTests {
    /// A store with strings, TTLs, a big hash and a lock: every part of the format.
    static func variedStore() -> KeyValueStore {
        var driver = StoreDriver()
        for number in 0..<300 {
            let expiry: KeyExpiry = number % 3 == 0 ? .afterMilliseconds(60_000) : .none
            _ = driver.apply(set("key\(number)", String(repeating: "v", count: number % 40), .always, expiry), at: 1)
        }
        var words = [bytes("HSET"), bytes("big-hash")]
        for field in 0..<2_000 { words += [bytes("field\(field)"), bytes("value\(field)")] }
        _ = driver.apply(.redis(words: words), at: 1)
        _ = driver.apply(acquire("lock", "owner", ttl: 5_000), at: 2)
        return driver.store
    }

    @Test func piecesJoinedAreTheWholeSnapshot() {
        let store = Self.variedStore()
        var pieces: [[UInt8]] = []
        store.writeSnapshot(pieceBytes: 512) { pieces.append($0) }
        #expect(pieces.count > 10)
        #expect(pieces.dropLast().allSatisfy { $0.count >= 512 })
        #expect(Array(pieces.joined()) == store.snapshotBytes)
    }

    @Test func anyPieceSizesRebuildTheSameStore() throws {
        let store = Self.variedStore()
        let bytes = store.snapshotBytes
        var random = SeededGenerator(seed: 7)
        for largest in [1, 3, 64, 4_096, bytes.count] {
            var decoder = KeyValueStore.SnapshotDecoder()
            var offset = 0
            while offset < bytes.count {
                let size = min(bytes.count - offset, 1 + random.nextIndex(below: largest))
                try decoder.feed(bytes[offset..<(offset + size)])
                offset += size
            }
            let rebuilt = try decoder.finish()
            #expect(rebuilt == store)
            #expect(rebuilt.datasetBytes == store.datasetBytes)
        }
    }

    @Test func aSnapshotThatStopsShortIsRefusedAtTheEnd() {
        let bytes = Self.variedStore().snapshotBytes
        for cut in stride(from: 1, to: bytes.count, by: 997) {
            var decoder = KeyValueStore.SnapshotDecoder()
            #expect(throws: ByteReader.Failure.self) {
                try decoder.feed(bytes[..<cut])
                _ = try decoder.finish()
            }
        }
    }

    @Test func bytesThatCannotBeASnapshotAreRefusedWhenTheyArrive() {
        var bytes = Self.variedStore().snapshotBytes
        bytes[0] = 200  // no such version
        var decoder = KeyValueStore.SnapshotDecoder()
        #expect(throws: ByteReader.Failure.invalid("unknown snapshot version")) { try decoder.feed(bytes[..<100]) }
    }

    @Test func theDecoderKeepsOnlyWhatItHasNotDecoded() throws {
        var driver = StoreDriver()
        KeyBucketsTests.store((0..<20_000).map { bytes("key-\($0)") }, in: &driver)
        var decoder = KeyValueStore.SnapshotDecoder()
        var largestUndecoded = 0
        var total = 0
        try driver.store.writeSnapshot(pieceBytes: 4_096) { (piece) throws(ByteReader.Failure) in
            try decoder.feed(piece)
            total += piece.count
            largestUndecoded = max(largestUndecoded, decoder.bufferedBytes)
        }
        #expect(total > 200_000)
        #expect(largestUndecoded < 1 << 17)
        #expect(try decoder.finish() == driver.store)
    }

    /// A count read from the bytes may be anything: waiting for that many more bytes must not
    /// overflow (found by the snapshot fuzz target).
    @Test func aLyingCountWaitsForBytesThatNeverComeAndIsRefusedAtTheEnd() {
        var writer = ByteWriter()
        writer.write(KeyValueStore.snapshotVersion)
        writer.write(UInt64(1))  // applied index
        writer.write(UInt64(1))  // revision
        writer.write(UInt64(0))  // clock
        writer.write(UInt64(1))  // records
        writer.writeLengthPrefixed(bytes("k"))
        writer.writeLengthPrefixed([])
        writer.write(UInt8(0))  // no expiry
        writer.write(UInt64(0))
        writer.write(UInt64(1))  // create revision
        writer.write(UInt64(1))  // modify revision
        KeyValueEntry.writeOptional(nil, to: &writer)
        writer.write(UInt8(1))  // a hash of
        writer.write(UInt64.max)  // this many fields
        var decoder = KeyValueStore.SnapshotDecoder()
        #expect(throws: ByteReader.Failure.self) {
            try decoder.feed(writer.bytes)
            try decoder.feed([0, 0, 0])
            _ = try decoder.finish()
        }
    }
}
