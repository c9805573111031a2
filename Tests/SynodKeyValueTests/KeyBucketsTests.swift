import SynodCore
import Testing

@testable import SynodKeyValue

/// SCAN, RANDOMKEY and the leader's search for expired keys walk the keys a bucket at a time
/// (`KeyBuckets`): each step costs the buckets it visits, and a walk keeps its promises while
/// keys come and go between steps.
struct KeyBucketsTests {
    /// One SCAN call: the next cursor and the keys returned.
    static func scan(
        _ store: KeyValueStore,
        cursor: UInt64,
        count: Int = 10,
        at now: Int64 = 0
    ) -> (
        UInt64, [[UInt8]]
    ) {
        let words = [bytes("SCAN"), bytes(String(cursor)), bytes("COUNT"), bytes(String(count))]
        guard case .array(let reply) = store.read(.redis(words: words), at: now), reply.count == 2,
            case .value(let next) = reply[0], case .array(let keys) = reply[1],
            let cursor = UInt64(String(decoding: next, as: UTF8.self))
        else {
            Issue.record("SCAN answered \(store.read(.redis(words: words), at: now))")
            return (0, [])
        }
        return (cursor, keys.compactMap { if case .value(let key) = $0 { key } else { nil } })
    }

    /// Stores each key, without a TTL.
    static func store(_ keys: [[UInt8]], in driver: inout StoreDriver) {
        for key in keys {
            _ = driver.apply(
                .set(key: key, value: [1], condition: .always, expiry: .none, returnPrevious: false),
                at: 0
            )
        }
    }

    @Test func scanReturnsEveryKeyPresentThroughoutWhileOthersComeAndGo() {
        var driver = StoreDriver()
        let kept = (0..<3_000).map { bytes("kept-\($0)") }
        Self.store(kept, in: &driver)
        var churn = 0
        var seen: Set<[UInt8]> = []
        var cursor: UInt64 = 0
        var calls = 0
        repeat {
            let (next, keys) = Self.scan(driver.store, cursor: cursor)
            seen.formUnion(keys)
            cursor = next
            calls += 1
            // Between calls, keys arrive and leave, which moves no other key between buckets.
            for _ in 0..<5 {
                churn += 1
                _ = driver.apply(
                    .set(
                        key: bytes("churn-\(churn)"),
                        value: [2],
                        condition: .always,
                        expiry: .none,
                        returnPrevious: false
                    ),
                    at: 0
                )
                _ = driver.apply(.delete(keys: [bytes("churn-\(churn - 3)")]), at: 0)
            }
        } while cursor != 0 && calls <= KeyBuckets<Int>.bucketCount
        #expect(cursor == 0, "the scan did not end")
        #expect(Set(kept).isSubset(of: seen))
        // COUNT 10 over 3,000 keys: whole buckets at a time, each call at least ten keys.
        #expect(calls <= 3_000 / 10 + 2)
        #expect(calls > 1)
    }

    @Test func scanFromAMadeUpCursorReturnsOnlyKeysAtOrAfterIt() {
        var driver = StoreDriver()
        let keys = (0..<500).map { bytes("k\($0)") }
        Self.store(keys, in: &driver)
        let middle = KeyBuckets<Int>.position(of: keys[250])
        let (_, returned) = Self.scan(driver.store, cursor: middle, count: 1)
        #expect(!returned.isEmpty)
        #expect(returned.allSatisfy { KeyBuckets<Int>.position(of: $0) >= middle })
        #expect(returned.contains(keys[250]))
        // A cursor past every position ends the scan.
        #expect(Self.scan(driver.store, cursor: UInt64.max).0 == 0)
    }

    @Test func scanSkipsExpiredKeys() {
        var driver = StoreDriver()
        _ = driver.apply(set("live", "1"), at: 0)
        _ = driver.apply(set("gone", "1", .always, .afterMilliseconds(10)), at: 0)
        var cursor: UInt64 = 0
        var seen: [[UInt8]] = []
        repeat {
            let (next, keys) = Self.scan(driver.store, cursor: cursor, count: 1_000, at: 100)
            seen += keys
            cursor = next
        } while cursor != 0
        #expect(seen == [bytes("live")])
    }

    @Test func randomKeyFindsTheOnlyLiveKeyAndNeverAnExpiredOne() {
        var driver = StoreDriver()
        #expect(driver.store.read(.redis(words: [bytes("RANDOMKEY")]), at: 0) == .null)
        for index in 0..<200 { _ = driver.apply(set("expiring-\(index)", "1", .always, .afterMilliseconds(10)), at: 0) }
        _ = driver.apply(set("live", "1"), at: 0)
        var random = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let answer = driver.store.read(.redis(words: [bytes("RANDOMKEY")]), at: 100) {
                random.nextIndex(below: $0)
            }
            #expect(answer == .value(bytes("live")))
        }
        _ = driver.apply(.delete(keys: [bytes("live")]), at: 100)
        #expect(
            driver.store.read(.redis(words: [bytes("RANDOMKEY")]), at: 100) { random.nextIndex(below: $0) } == .null
        )
    }

    @Test func randomKeyCanChooseEveryKey() {
        var driver = StoreDriver()
        let keys = (0..<20).map { bytes("k\($0)") }
        Self.store(keys, in: &driver)
        var random = SeededGenerator(seed: 11)
        var chosen: Set<KeyValueResult> = []
        for _ in 0..<2_000 {
            chosen.insert(driver.store.read(.redis(words: [bytes("RANDOMKEY")]), at: 0) { random.nextIndex(below: $0) })
        }
        #expect(chosen == Set(keys.map { .value($0) }))
    }

    @Test func walksForExpiredKeysRemoveEveryExpiredKeyAndOnlyThose() {
        var driver = StoreDriver()
        for index in 0..<4_000 {
            let ttl: Int64 = index.isMultiple(of: 2) ? 10 : 100_000
            _ = driver.apply(set("key-\(index)", "1", .always, .afterMilliseconds(ttl)), at: 0)
        }
        var position: UInt64 = 0
        var steps = 0
        repeat {
            let (expired, next) = driver.store.expiredKeys(at: 50, from: position, visits: 100)
            // A step looks at about `visits` keys with a TTL, never at all of them.
            #expect(expired.count < 200)
            if !expired.isEmpty {
                #expect(driver.apply(.removeExpired(keys: expired), at: 50) == .integer(Int64(expired.count)))
            }
            position = next ?? 0
            steps += 1
        } while position != 0 && steps <= KeyBuckets<Int>.bucketCount
        #expect(position == 0)
        #expect(driver.store.keyCount == 2_000)
        #expect(driver.store.expiredKeys(at: 50, from: 0, visits: .max).keys.isEmpty)
        #expect(steps > 10)
    }

    @Test func aStoreEmptiedAgainEqualsANewOne() throws {
        var driver = StoreDriver()
        _ = driver.apply(set("a", "1", .always, .afterMilliseconds(1_000)), at: 0)
        _ = driver.apply(.delete(keys: [bytes("a")]), at: 0)
        #expect(driver.store.records == KeyBuckets<KeyValueStore.Record>())
        #expect(driver.store.records.hashValue == KeyBuckets<KeyValueStore.Record>().hashValue)
        let restored = try KeyValueStore(snapshotBytes: driver.store.snapshotBytes)
        #expect(restored.records == driver.store.records)
    }
}
