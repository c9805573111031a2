import SynodCore
import Testing

@testable import SynodKeyValue

/// OBJECT IDLETIME from each record's access clock: writes (at the entry's time) and the reads
/// a node serves set it, under every policy but LFU, as Redis's LRU clock does.
struct IdleTimeTests {
    static func idle(_ store: KeyValueStore, _ key: String, at now: Int64) -> KeyValueResult {
        store.read(.keyspace(.use(key: bytes(key), .idleSeconds)), at: now, randomIndex: { _ in 0 })
    }

    @Test func idleTimeCountsFromTheLastWriteOrReadUnderNoEviction() {
        var driver = StoreDriver()
        #expect(driver.store.memoryLimit.policy == .noEviction)
        _ = driver.apply(set("k", "v"), at: 10_000)
        _ = driver.apply(
            .list(.push(key: bytes("l"), elements: [bytes("a")], end: .left, onlyIfExists: false)),
            at: 11_000
        )
        #expect(Self.idle(driver.store, "k", at: 10_999) == .integer(0))
        #expect(Self.idle(driver.store, "k", at: 17_500) == .integer(7))
        #expect(Self.idle(driver.store, "l", at: 17_500) == .integer(6))
        // A read served here resets it; OBJECT itself, TYPE and EXISTS do not.
        driver.store.noteServed(.get(key: bytes("k")), at: 15_000)
        driver.store.noteServed(.keyspace(.type(key: bytes("l"))), at: 15_000)
        driver.store.noteServed(.keyspace(.use(key: bytes("l"), .idleSeconds)), at: 15_000)
        #expect(Self.idle(driver.store, "k", at: 17_500) == .integer(2))
        #expect(Self.idle(driver.store, "l", at: 17_500) == .integer(6))
        // A write of another kind of value resets it too.
        _ = driver.apply(
            .list(.push(key: bytes("l"), elements: [bytes("b")], end: .left, onlyIfExists: false)),
            at: 17_000
        )
        #expect(Self.idle(driver.store, "l", at: 17_500) == .integer(0))
        #expect(Self.idle(driver.store, "missing", at: 17_500) == .null)
        // A read of a key that is not there touches nothing and adds nothing.
        let before = driver.store
        driver.store.noteServed(.get(key: bytes("missing")), at: 17_000)
        #expect(driver.store.keyCount == 2)
        #expect(driver.store == before)
        driver.store.memoryLimit.policy = .allKeysLFU
        guard case .error(let underLFU) = Self.idle(driver.store, "k", at: 17_500) else {
            Issue.record("IDLETIME under LFU answered no error")
            return
        }
        #expect(underLFU.message.hasPrefix("ERR An LFU maxmemory policy is selected"))
    }

    @Test func theAccessClockIsTheNodesOwnNotPartOfTheReplicatedState() throws {
        var driver = StoreDriver()
        _ = driver.apply(set("k", "v"), at: 10_000)
        let replica = driver.store
        driver.store.noteServed(.get(key: bytes("k")), at: 50_000)
        #expect(driver.store.records[bytes("k")]?.accessedSeconds == 50)
        #expect(driver.store == replica)
        #expect(driver.store.hashValue == replica.hashValue)
        #expect(driver.store.snapshotBytes == replica.snapshotBytes)
        // A record restored from a snapshot starts at the snapshot's clock.
        _ = driver.apply(set("other", "v"), at: 20_000)
        let restored = try KeyValueStore(snapshotBytes: driver.store.snapshotBytes)
        #expect(restored.records[bytes("k")]?.accessedSeconds == 20)
        #expect(Self.idle(restored, "k", at: 23_000) == .integer(3))
    }

    /// The clock sits in the padding after a record's value, and a stream's fields are boxed:
    /// a record (of any kind) takes no more room in its trie slot than a short string needs.
    @Test func aRecordFitsTheSlotOfAShortString() {
        #expect(MemoryLayout<KeyValueStore.Record>.stride <= 72)
    }
}
