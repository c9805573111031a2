import SynodCore
import Testing

@testable import SynodKeyValue

/// Applies commands at given times, as a log would.
struct StoreDriver {
    var store = KeyValueStore()
    var index: UInt64 = 0
    var requestID: UInt64 = 0
    /// What the last entry did for waiting requests.
    var events: [CoordinationEvent] = []

    mutating func apply(_ command: KeyValueCommand, at time: Int64) -> KeyValueResult {
        index += 1
        requestID += 1
        // Every entry goes through its encoded form, as it would through the log.
        let entry = KeyValueEntry(requestID: requestID, timeMilliseconds: time, command: command)
        let applied = store.apply(encoded: entry.encoded, at: index)
        #expect(applied.requestID == requestID)
        events = applied.events
        return applied.result
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A store that answers, for each command it applies, the keyspace events it reported, as
/// "key:event".
struct EventingStore {
    var store = KeyValueStore()
    var index: UInt64 = 0

    mutating func events(_ command: KeyValueCommand) -> [String] {
        index += 1
        let entry = KeyValueEntry(requestID: index, timeMilliseconds: 1, command: command)
        return store.applyReporting(entry, at: index).keyChanges.map {
            String(decoding: $0.key, as: UTF8.self) + ":" + $0.event.rawValue
        }
    }
}

func set(
    _ key: String,
    _ value: String,
    _ condition: WriteCondition = .always,
    _ expiry: KeyExpiry = .none,
    get: Bool = false
) -> KeyValueCommand {
    .set(key: bytes(key), value: bytes(value), condition: condition, expiry: expiry, returnPrevious: get)
}

struct KeyValueStoreTests {
    @Test func setHonoursNXXXAndGet() {
        var driver = StoreDriver()
        #expect(driver.apply(set("k", "1", .ifPresent), at: 1) == .null)
        #expect(driver.apply(set("k", "1", .ifAbsent), at: 1) == .ok)
        #expect(driver.apply(set("k", "2", .ifAbsent), at: 1) == .null)
        #expect(driver.apply(set("k", "2", .ifAbsent, get: true), at: 1) == .value(bytes("1")))
        #expect(driver.apply(set("k", "3", .ifPresent, get: true), at: 1) == .value(bytes("1")))
        #expect(driver.apply(set("new", "x", get: true), at: 1) == .null)
        #expect(driver.store.value(of: bytes("k"), at: 1) == bytes("3"))
    }

    @Test func ttlsExpireByTheLogsClockAndThatClockNeverGoesBack() {
        var driver = StoreDriver()
        #expect(driver.apply(set("k", "v", .always, .afterMilliseconds(100)), at: 1_000) == .ok)
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 1_040) == 60)
        // An entry stamped by a leader whose clock is behind does not move time back.
        _ = driver.apply(set("other", "x"), at: 500)
        #expect(driver.store.clockMilliseconds == 1_000)
        _ = driver.apply(set("other", "y"), at: 1_100)
        #expect(driver.store.value(of: bytes("k"), at: 1_100) == nil)
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 1_100) == -2)
        #expect(driver.apply(set("k", "again", .ifAbsent), at: 1_100) == .ok)
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 1_100) == -1)
    }

    @Test func setKeepsOrClearsTheTTLAndAPastExpiryDeletes() {
        var driver = StoreDriver()
        _ = driver.apply(set("k", "1", .always, .atMilliseconds(5_000)), at: 1_000)
        _ = driver.apply(set("k", "2", .always, .keep), at: 1_000)
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 1_000) == 4_000)
        _ = driver.apply(set("k", "3"), at: 1_000)
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 1_000) == -1)
        #expect(driver.apply(set("k", "4", .always, .atMilliseconds(999)), at: 1_000) == .ok)
        #expect(driver.store.value(of: bytes("k"), at: 1_000) == nil)
        #expect(driver.store.keyCount == 0)
    }

    @Test func expireConditionsFollowRedis7() {
        var driver = StoreDriver()
        _ = driver.apply(set("k", "v"), at: 0)
        let at = { (time: Int64, condition: ExpireCondition) -> KeyValueCommand in
            .expire(key: bytes("k"), expiry: .atMilliseconds(time), condition: condition)
        }
        #expect(driver.apply(at(100, .ifHasExpiry), at: 0) == .integer(0))
        #expect(driver.apply(at(100, .ifLater), at: 0) == .integer(0))
        #expect(driver.apply(at(100, .ifEarlier), at: 0) == .integer(1))
        #expect(driver.apply(at(50, .ifNoExpiry), at: 0) == .integer(0))
        #expect(driver.apply(at(200, .ifLater), at: 0) == .integer(1))
        #expect(driver.apply(at(300, .ifEarlier), at: 0) == .integer(0))
        #expect(driver.store.remainingMilliseconds(of: bytes("k"), at: 0) == 200)
        #expect(driver.apply(.persist(key: bytes("k")), at: 0) == .integer(1))
        #expect(driver.apply(.persist(key: bytes("k")), at: 0) == .integer(0))
        #expect(
            driver.apply(.expire(key: bytes("k"), expiry: .afterMilliseconds(-1), condition: .always), at: 0)
                == .integer(1)
        )
        #expect(driver.store.value(of: bytes("k"), at: 0) == nil)
        #expect(
            driver.apply(.expire(key: bytes("missing"), expiry: .afterMilliseconds(10), condition: .always), at: 0)
                == .integer(0)
        )
    }

    @Test func incrementParsesLikeRedisAndRefusesOverflow() {
        var driver = StoreDriver()
        #expect(driver.apply(.increment(key: bytes("n"), by: 5), at: 0) == .integer(5))
        #expect(driver.apply(.increment(key: bytes("n"), by: -7), at: 0) == .integer(-2))
        _ = driver.apply(set("max", String(Int64.max), .always, .afterMilliseconds(1_000)), at: 0)
        #expect(driver.apply(.increment(key: bytes("max"), by: 1), at: 0) == .error(KeyValueStore.overflow))
        #expect(driver.apply(.increment(key: bytes("max"), by: -1), at: 0) == .integer(Int64.max - 1))
        #expect(driver.store.remainingMilliseconds(of: bytes("max"), at: 0) == 1_000)
        for bad in ["", "-0", "01", " 1", "+1", "1.5", "abc", "9223372036854775808", "-"] {
            _ = driver.apply(set("bad", bad), at: 0)
            #expect(
                driver.apply(.increment(key: bytes("bad"), by: 1), at: 0) == .error(KeyValueStore.notAnInteger),
                "\(bad)"
            )
        }
        #expect(KeyValueStore.parseInteger(bytes("-9223372036854775808")) == Int64.min)
        #expect(KeyValueStore.parseInteger(bytes("0")) == 0)
    }

    @Test func deleteMultiSetCompareAndSetAndRevisions() {
        var driver = StoreDriver()
        _ = driver.apply(
            .multiSet(pairs: [
                KeyValuePair(key: bytes("a"), value: bytes("1")), KeyValuePair(key: bytes("b"), value: bytes("2")),
            ]),
            at: 0
        )
        #expect(driver.store.revision == 1)
        #expect(driver.store.records[bytes("a")]?.createRevision == 1)
        _ = driver.apply(set("a", "3"), at: 0)
        #expect(driver.store.records[bytes("a")]?.createRevision == 1)
        #expect(driver.store.records[bytes("a")]?.modifyRevision == 2)
        #expect(
            driver.apply(.compareAndSet(key: bytes("a"), expected: bytes("1"), new: bytes("x"), expiry: .none), at: 0)
                == .integer(0)
        )
        #expect(driver.store.revision == 2)
        #expect(
            driver.apply(.compareAndSet(key: bytes("a"), expected: bytes("3"), new: bytes("x"), expiry: .none), at: 0)
                == .integer(1)
        )
        #expect(
            driver.apply(.compareAndSet(key: bytes("c"), expected: nil, new: bytes("c"), expiry: .none), at: 0)
                == .integer(1)
        )
        #expect(driver.apply(.compareAndDelete(key: bytes("c"), expected: bytes("no")), at: 0) == .integer(0))
        #expect(driver.apply(.compareAndDelete(key: bytes("c"), expected: bytes("c")), at: 0) == .integer(1))
        #expect(driver.apply(.delete(keys: [bytes("a"), bytes("a"), bytes("b"), bytes("zz")]), at: 0) == .integer(2))
        #expect(driver.store.keyCount == 0)
        #expect(driver.store.revision == 6)
    }

    @Test func removeExpiredOnlyRemovesKeysExpiredAtTheEntrysTime() {
        var driver = StoreDriver()
        _ = driver.apply(set("soon", "1", .always, .afterMilliseconds(10)), at: 0)
        _ = driver.apply(set("later", "1", .always, .afterMilliseconds(1_000)), at: 0)
        _ = driver.apply(set("never", "1"), at: 0)
        #expect(driver.store.expiredKeys(at: 500, from: 0, visits: 10).keys == [bytes("soon")])
        // A leader proposed both, but only one has expired by the entry's time.
        #expect(
            driver.apply(.removeExpired(keys: [bytes("soon"), bytes("later"), bytes("never")]), at: 500) == .integer(1)
        )
        #expect(driver.store.keyCount == 2)
    }

    @Test(arguments: 1...5 as ClosedRange<UInt64>)
    func replicasAndASnapshotRestoreAgreeOnEveryRandomHistory(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var first = StoreDriver()
        var second = StoreDriver()
        var time: Int64 = 1_000
        for step in 0..<2_000 {
            time += Int64(random.nextIndex(below: 50)) - 10
            let key = bytes("k\(random.nextIndex(below: 8))")
            let value = bytes(String(random.nextIndex(below: 30)))
            let lock = bytes("lock\(random.nextIndex(below: 3))")
            let owner = bytes("o\(random.nextIndex(below: 4))")
            let lease = first.store.leases.keys.sorted().dropFirst(random.nextIndex(below: 3)).first
            let command: KeyValueCommand =
                switch random.nextIndex(below: 20) {
                case 16: .redis(words: [bytes("HSET"), key, bytes("f\(random.nextIndex(below: 3))"), value])
                case 17: .redis(words: [bytes("HDEL"), key, bytes("f\(random.nextIndex(below: 3))")])
                case 18: .redis(words: [bytes("APPEND"), key, value])
                case 19: .redis(words: [bytes("RENAME"), key, bytes("k\(random.nextIndex(below: 8))")])
                case 8: .leaseGrant(ttlMilliseconds: Int64(random.nextIndex(below: 300)) + 1)
                case 9: .leaseKeepAlive(id: lease ?? 1)
                case 10:
                    .acquire(
                        kind: random.nextBool(probability: 0.8) ? .lock : .election,
                        name: lock,
                        owner: owner,
                        ttlMilliseconds: Int64(random.nextIndex(below: 200)) + 1,
                        waitMilliseconds: Int64(random.nextIndex(below: 150)),
                        lease: random.nextBool(probability: 0.5) ? lease : nil
                    )
                case 11: .release(kind: .lock, name: lock, owner: owner)
                case 12:
                    .withLease(
                        lease: lease ?? 1,
                        command: .set(key: key, value: value, condition: .always, expiry: .none, returnPrevious: false)
                    )
                case 13:
                    .fenced(
                        lock: lock,
                        token: first.store.mutex(.lock, lock)?.newestToken ?? 0,
                        command: .increment(key: key, by: 1)
                    )
                case 14: random.nextBool(probability: 0.1) ? .extendLeases : .sweep
                case 15: .leaseRevoke(id: lease ?? 1)
                case 0:
                    .set(
                        key: key,
                        value: value,
                        condition: .always,
                        expiry: .afterMilliseconds(Int64(random.nextIndex(below: 300))),
                        returnPrevious: false
                    )
                case 1: .set(key: key, value: value, condition: .ifAbsent, expiry: .keep, returnPrevious: true)
                case 2: .delete(keys: [key])
                case 3: .increment(key: key, by: Int64(random.nextIndex(below: 10)))
                case 4:
                    .expire(
                        key: key,
                        expiry: .afterMilliseconds(Int64(random.nextIndex(below: 200)) - 20),
                        condition: .ifLater
                    )
                case 5: .compareAndSet(key: key, expected: value, new: bytes("cas"), expiry: .none)
                case 6: .removeExpired(keys: first.store.expiredKeys(at: time, from: 0, visits: 3).keys)
                default: .persist(key: key)
                }
            #expect(first.apply(command, at: time) == second.apply(command, at: time))
            #expect(first.events == second.events)
            if step % 500 == 250 {
                second.store = try KeyValueStore(snapshotBytes: second.store.snapshotBytes)
            }
        }
        #expect(first.store == second.store)
        #expect(first.store.snapshotBytes == second.store.snapshotBytes)
    }

    /// Entries written before `origin` existed (format 1) are still read, with origin 0.
    @Test func entriesOfTheFirstFormatStillDecode() throws {
        let entry = KeyValueEntry(requestID: 7, timeMilliseconds: 9, command: set("key", "value"), origin: 42)
        var current = entry.encoded
        #expect(try KeyValueEntry(decoding: current) == entry)
        current.removeSubrange(17..<41)  // Without the origin and session fields...
        current[0] = 1  // ...as format 1 wrote it.
        let old = try KeyValueEntry(decoding: current)
        #expect(old.origin == 0 && old.command == entry.command && old.requestID == 7 && old.timeMilliseconds == 9)
    }

    @Test func damagedEntriesAndSnapshotsAreErrorsNotCrashes() throws {
        let entry = KeyValueEntry(
            requestID: 7,
            timeMilliseconds: 9,
            command: set("key", "value", .ifAbsent, .atMilliseconds(5))
        )
        let encoded = entry.encoded
        #expect(try KeyValueEntry(decoding: encoded) == entry)
        for count in 0..<encoded.count {
            #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(encoded[..<count])) }
        }
        var store = KeyValueStore()
        let applied = store.apply(encoded: [1, 2, 3], at: 1)
        #expect(applied.requestID == nil)
        #expect(
            applied.result
                == .error(KeyValueError(.undecodableEntry, "ERR undecodable log entry: truncated(missingBytes: 6)"))
        )
        #expect(store.appliedIndex == 1)
        var driver = StoreDriver()
        _ = driver.apply(set("a", "1", .always, .afterMilliseconds(5)), at: 0)
        let snapshot = driver.store.snapshotBytes
        for count in 1..<snapshot.count {
            #expect(throws: ByteReader.Failure.self) { try KeyValueStore(snapshotBytes: Array(snapshot[..<count])) }
        }
    }
}
