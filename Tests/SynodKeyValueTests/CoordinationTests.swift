import SynodCore
import Testing

@testable import SynodKeyValue

func acquire(
    _ name: String,
    _ owner: String,
    ttl: Int64 = 1_000,
    wait: Int64 = 0,
    lease: UInt64? = nil,
    kind: MutexKind = .lock
) -> KeyValueCommand {
    .acquire(
        kind: kind,
        name: bytes(name),
        owner: bytes(owner),
        ttlMilliseconds: kind == .lock ? ttl : nil,
        waitMilliseconds: wait,
        lease: lease
    )
}

func token(_ result: KeyValueResult) -> UInt64? {
    guard case .integer(let value) = result, value > 0 else { return nil }
    return UInt64(value)
}

/// Leases, locks with fencing tokens, and elections, as the state machine applies them.
struct CoordinationTests {
    @Test func tokensStrictlyIncreaseAndAHeldLockIsRefusedWithoutWaiting() throws {
        var driver = StoreDriver()
        let first = try #require(token(driver.apply(acquire("l", "a"), at: 10)))
        #expect(driver.apply(acquire("l", "b"), at: 11) == .null)
        // The holder asking again (a retry) keeps its token.
        #expect(driver.apply(acquire("l", "a"), at: 12) == .integer(Int64(first)))
        #expect(driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("b")), at: 13) == .integer(0))
        #expect(driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("a")), at: 14) == .integer(1))
        let second = try #require(token(driver.apply(acquire("l", "b"), at: 15)))
        #expect(second > first)
        // Other writes in between still only raise the tokens.
        _ = driver.apply(set("x", "1"), at: 16)
        #expect(driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("b")), at: 17) == .integer(1))
        #expect(try #require(token(driver.apply(acquire("l", "c"), at: 18))) > second)
    }

    @Test func waitersAreServedInOrderAndOnlyTheNextIsWoken() throws {
        var driver = StoreDriver()
        let first = try #require(token(driver.apply(acquire("l", "a"), at: 10)))
        #expect(driver.apply(acquire("l", "b", wait: 5_000), at: 11) == .waiting)
        let ticketB = driver.requestID
        #expect(driver.apply(acquire("l", "c", wait: 5_000), at: 12) == .waiting)
        let ticketC = driver.requestID
        #expect(driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("a")), at: 13) == .integer(1))
        guard case .granted(ticketB, let tokenB) = try #require(driver.events.first), driver.events.count == 1 else {
            Issue.record("b should be granted alone, got \(driver.events)")
            return
        }
        #expect(tokenB > first)
        guard case .map(let info) = driver.store.lockInfo(.lock, bytes("l"), at: 13) else {
            Issue.record("no lock info")
            return
        }
        #expect(info[1] == .value(bytes("b")) && info[3] == .integer(Int64(tokenB)))
        #expect(info[7] == .array([.value(bytes("c"))]))
        // b's TTL runs out: c is next.
        _ = driver.apply(.sweep, at: 13 + 1_000)
        guard case .granted(ticketC, let tokenC) = try #require(driver.events.first) else {
            Issue.record("c should be granted, got \(driver.events)")
            return
        }
        #expect(tokenC > tokenB)
    }

    @Test func aWaitThatRunsOutGivesUpAndARetryKeepsItsPlace() throws {
        var driver = StoreDriver()
        _ = driver.apply(acquire("l", "a", ttl: 10_000), at: 0)
        #expect(driver.apply(acquire("l", "b", wait: 100), at: 1) == .waiting)
        let firstTicket = driver.requestID
        #expect(driver.apply(acquire("l", "c", wait: 1_000), at: 2) == .waiting)
        // b asks again: its older request gives up, the new one keeps b's place in front of c.
        #expect(driver.apply(acquire("l", "b", wait: 500), at: 3) == .waiting)
        let secondTicket = driver.requestID
        #expect(driver.events == [.gaveUp(ticket: firstTicket)])
        _ = driver.apply(.sweep, at: 503)
        #expect(driver.events == [.gaveUp(ticket: secondTicket)])
        #expect(driver.store.mutex(.lock, bytes("l"))?.waiters.map(\.owner) == [bytes("c")])
    }

    @Test func aLeaseTakesItsKeysLocksAndWaitsWithIt() throws {
        var driver = StoreDriver()
        let lease = try #require(token(driver.apply(.leaseGrant(ttlMilliseconds: 300), at: 0)))
        #expect(
            driver.apply(.withLease(lease: lease, command: set("ephemeral", "1")), at: 1) == .ok
        )
        #expect(
            driver.apply(.withLease(lease: 999, command: set("x", "1")), at: 1)
                == .error(KeyValueError(.notFound, "ERR lease 999 not found"))
        )
        let held = try #require(token(driver.apply(acquire("l", "a", ttl: 10_000, lease: lease), at: 2)))
        #expect(held > 0)
        // Kept alive at 200: it now ends at 500, not 300.
        #expect(driver.apply(.leaseKeepAlive(id: lease), at: 200) == .integer(300))
        _ = driver.apply(.sweep, at: 400)
        #expect(driver.store.value(of: bytes("ephemeral"), at: 400) == bytes("1"))
        #expect(driver.store.leaseRemainingMilliseconds(lease, at: 400) == 100)
        _ = driver.apply(.sweep, at: 500)
        #expect(driver.store.value(of: bytes("ephemeral"), at: 500) == nil)
        #expect(driver.store.mutex(.lock, bytes("l"))?.holder == nil)
        #expect(driver.store.leaseRemainingMilliseconds(lease, at: 500) == -2)
        #expect(
            driver.apply(.leaseKeepAlive(id: lease), at: 501)
                == .error(KeyValueError(.notFound, "ERR lease \(lease) not found"))
        )
    }

    /// The lock's holder expires at 100 and the next waiter's lease ends at 100 too: the
    /// waiter is not granted, whatever order the two deadlines are settled in.
    @Test func noWaiterIsGrantedAfterItsLeaseEnded() throws {
        var driver = StoreDriver()
        _ = driver.apply(acquire("l", "a", ttl: 100), at: 0)
        let lease = try #require(token(driver.apply(.leaseGrant(ttlMilliseconds: 100), at: 0)))
        #expect(driver.apply(acquire("l", "b", wait: 1_000, lease: lease), at: 0) == .waiting)
        let ticketB = driver.requestID
        #expect(driver.apply(acquire("l", "c", wait: 1_000), at: 0) == .waiting)
        let ticketC = driver.requestID
        _ = driver.apply(.sweep, at: 100)
        #expect(driver.events.contains(.gaveUp(ticket: ticketB)))
        #expect(driver.events.contains { if case .granted(ticketC, _) = $0 { true } else { false } })
        #expect(driver.store.mutex(.lock, bytes("l"))?.holder?.owner == bytes("c"))
    }

    @Test func aNewLeaderGivesEveryLeaseItsFullTTL() throws {
        var driver = StoreDriver()
        let lease = try #require(token(driver.apply(.leaseGrant(ttlMilliseconds: 1_000), at: 0)))
        // No leader for a while; the new one's first entry comes at 900.
        _ = driver.apply(.extendLeases, at: 900)
        #expect(driver.store.leaseRemainingMilliseconds(lease, at: 900) == 1_000)
        _ = driver.apply(.sweep, at: 1_500)
        #expect(driver.store.leases[lease] != nil)
        _ = driver.apply(.sweep, at: 1_900)
        #expect(driver.store.leases[lease] == nil)
    }

    /// No lease ends because the leader changed: a lease due before, at or after the new
    /// leader's `extendLeases` entry gets its full TTL from that entry, with the lock it holds.
    @Test(arguments: [400, 500, 600])
    func aLeaseDueAroundTheNewLeadersFirstEntryDoesNotEndThere(extendAt: Int64) throws {
        var driver = StoreDriver()
        let lease = try #require(token(driver.apply(.leaseGrant(ttlMilliseconds: 500), at: 0)))
        #expect(token(driver.apply(acquire("l", "holder", ttl: 100_000, lease: lease), at: 1)) != nil)
        // The old leader's last entry came before the lease was due; the new one's first at extendAt.
        _ = driver.apply(.extendLeases, at: extendAt)
        #expect(driver.store.leases[lease] != nil, "the lease ended at the new leader's first entry")
        #expect(driver.store.leaseRemainingMilliseconds(lease, at: extendAt) == 500)
        #expect(driver.store.mutex(.lock, bytes("l"))?.holder?.owner == bytes("holder"))
        // Kept alive after that, it lives on; left alone, it ends a full TTL later.
        _ = driver.apply(.sweep, at: extendAt + 499)
        #expect(driver.store.leases[lease] != nil)
        _ = driver.apply(.sweep, at: extendAt + 500)
        #expect(driver.store.leases[lease] == nil)
        #expect(driver.store.mutex(.lock, bytes("l"))?.holder == nil)
    }

    @Test func onlyTheNewestTokenMayWriteThroughAFence() throws {
        var driver = StoreDriver()
        let old = try #require(token(driver.apply(acquire("l", "a", ttl: 100), at: 0)))
        #expect(driver.apply(.fenced(lock: bytes("l"), token: old, command: set("k", "a")), at: 1) == .ok)
        // a pauses past its TTL; b takes the lock; a's late write is refused.
        let new = try #require(token(driver.apply(acquire("l", "b"), at: 200)))
        #expect(
            driver.apply(.fenced(lock: bytes("l"), token: old, command: set("k", "late")), at: 201)
                == .error(
                    KeyValueError(.fenced, "FENCED token \(old) is older than \(new), the newest token of lock 'l'")
                )
        )
        #expect(
            driver.apply(.fenced(lock: bytes("l"), token: new + 5, command: set("k", "x")), at: 202)
                == .error(KeyValueError(.fenced, "FENCED token \(new + 5) was never granted for lock 'l'"))
        )
        #expect(driver.apply(.fenced(lock: bytes("l"), token: new, command: set("k", "b")), at: 203) == .ok)
        #expect(driver.store.value(of: bytes("k"), at: 203) == bytes("b"))
    }

    @Test func electionsHaveOneLeaderUntilItResigns() throws {
        var driver = StoreDriver()
        let first = try #require(token(driver.apply(acquire("e", "n1", kind: .election), at: 0)))
        #expect(driver.apply(acquire("e", "n2", wait: 60_000, kind: .election), at: 1) == .waiting)
        let ticket = driver.requestID
        // No TTL: an hour later n1 still leads.
        _ = driver.apply(.sweep, at: 3_600_000)
        #expect(driver.store.electionLeader(bytes("e")) == .array([.value(bytes("n1")), .integer(Int64(first))]))
        #expect(driver.events == [.gaveUp(ticket: ticket)])
        #expect(driver.apply(acquire("e", "n2", wait: 60_000, kind: .election), at: 3_600_001) == .waiting)
        let retry = driver.requestID
        #expect(
            driver.apply(.release(kind: .election, name: bytes("e"), owner: bytes("n1")), at: 3_600_002) == .integer(1)
        )
        guard case .granted(retry, let second) = try #require(driver.events.first) else {
            Issue.record("n2 should lead now, got \(driver.events)")
            return
        }
        #expect(second > first)
        // Locks and elections are separate namespaces.
        #expect(driver.store.lockInfo(.lock, bytes("e"), at: 0) == .null)
    }

    /// Found by `synod sim` (seed 82 with lease-too-long): one entry granting a lock twice (a
    /// TTL ending, then a release of the new holder) gave both grants the entry's revision.
    @Test func twoGrantsInOneEntryGetIncreasingTokens() throws {
        var driver = StoreDriver()
        let first = try #require(token(driver.apply(acquire("l", "a", ttl: 100), at: 0)))
        #expect(driver.apply(acquire("l", "b", wait: 10_000), at: 1) == .waiting)
        let ticketB = driver.requestID
        #expect(driver.apply(acquire("l", "c", wait: 10_000), at: 2) == .waiting)
        let ticketC = driver.requestID
        // At 100 a's TTL ends and b is granted; the same entry then has b release: c is next.
        #expect(driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("b")), at: 100) == .integer(1))
        guard driver.events.count == 2, case .granted(ticketB, let tokenB) = driver.events[0],
            case .granted(ticketC, let tokenC) = driver.events[1]
        else {
            Issue.record("expected b then c granted, got \(driver.events)")
            return
        }
        #expect(first < tokenB && tokenB < tokenC)
        // A transaction granting twice, and a later entry, keep increasing.
        _ = driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("c")), at: 101)
        let transaction = driver.apply(
            .transaction(
                versions: [],
                steps: [
                    .write(acquire("l", "d")), .write(.release(kind: .lock, name: bytes("l"), owner: bytes("d"))),
                    .write(acquire("l", "e")),
                ]
            ),
            at: 102
        )
        guard case .array(let results) = transaction, case .integer(let tokenD) = results[0],
            case .integer(let tokenE) = results[2]
        else {
            Issue.record("unexpected \(transaction)")
            return
        }
        #expect(UInt64(tokenD) > tokenC && tokenE > tokenD)
        _ = driver.apply(.release(kind: .lock, name: bytes("l"), owner: bytes("e")), at: 103)
        #expect(try #require(token(driver.apply(acquire("l", "f"), at: 104))) > UInt64(tokenE))
        #expect(try KeyValueStore(snapshotBytes: driver.store.snapshotBytes) == driver.store)
    }

    @Test func coordinationStateSurvivesASnapshot() throws {
        var driver = StoreDriver()
        let lease = try #require(token(driver.apply(.leaseGrant(ttlMilliseconds: 500), at: 0)))
        _ = driver.apply(.withLease(lease: lease, command: set("k", "v")), at: 1)
        _ = driver.apply(acquire("l", "a", ttl: 300, lease: lease), at: 2)
        _ = driver.apply(acquire("l", "b", wait: 200), at: 3)
        _ = driver.apply(acquire("e", "x", kind: .election), at: 4)
        var restored = driver
        restored.store = try KeyValueStore(snapshotBytes: driver.store.snapshotBytes)
        #expect(restored.store == driver.store)
        for time: Int64 in [100, 250, 400, 600] {
            #expect(driver.apply(.sweep, at: time) == restored.apply(.sweep, at: time))
            #expect(driver.events == restored.events)
        }
        #expect(restored.store == driver.store)
    }
}

/// maxmemory: the dataset's size kept exactly, OOM under noeviction, and `evict` entries.
struct MemoryLimitTests {
    static func recomputed(_ store: KeyValueStore) -> Int {
        store.records.reduce(0) { $0 + KeyValueStore.footprint(key: $1.key, record: $1.value) }
    }

    @Test func theDatasetSizeIsKeptExactlyAndSurvivesASnapshot() throws {
        var driver = StoreDriver()
        var random = SeededGenerator(seed: 5)
        for step in 0..<3_000 {
            let key = bytes("k\(random.nextIndex(below: 50))")
            let value = bytes(String(repeating: "v", count: random.nextIndex(below: 100)))
            let command: KeyValueCommand =
                switch random.nextIndex(below: 5) {
                case 0: .delete(keys: [key])
                case 1: .redis(words: [bytes("HSET"), key, bytes("f\(step % 3)"), value])
                case 2: .redis(words: [bytes("APPEND"), key, value])
                case 3: set("k\(random.nextIndex(below: 50))", "x", .always, .afterMilliseconds(5))
                default: .set(key: key, value: value, condition: .always, expiry: .none, returnPrevious: false)
                }
            _ = driver.apply(command, at: Int64(step))
        }
        #expect(driver.store.datasetBytes == Self.recomputed(driver.store))
        #expect(try KeyValueStore(snapshotBytes: driver.store.snapshotBytes).datasetBytes == driver.store.datasetBytes)
    }

    @Test func overTheLimitWritesAreRefusedUnlessEvictionCanMakeRoom() throws {
        var driver = StoreDriver()
        #expect(driver.apply(.configure(maxMemoryBytes: 1_000, policy: nil), at: 0) == .ok)
        // Writes succeed until the dataset is over the limit, then are refused.
        let answers = (0..<20).map { driver.apply(set("key\($0)", String(repeating: "x", count: 40)), at: 1) }
        let stored = answers.prefix { $0 == .ok }.count
        #expect(
            stored > 0 && stored < 20
                && answers.dropFirst(stored).allSatisfy { $0 == .error(KeyValueStore.outOfMemory) }
        )
        #expect(driver.store.datasetBytes > 1_000)
        #expect(driver.apply(set("more", "x"), at: 2) == .error(KeyValueStore.outOfMemory))
        #expect(
            driver.apply(.redis(words: [bytes("HSET"), bytes("h"), bytes("f"), bytes("v")]), at: 2)
                == .error(KeyValueStore.outOfMemory)
        )
        // Removing still works, and frees room.
        #expect(driver.apply(.delete(keys: (0..<20).map { bytes("key\($0)") }), at: 3) == .integer(Int64(stored)))
        #expect(driver.apply(set("more", "x"), at: 4) == .ok)
        // A volatile policy with no key that has a TTL cannot make room either.
        _ = driver.apply(.configure(maxMemoryBytes: 100_000, policy: nil), at: 5)
        for number in 0..<20 { _ = driver.apply(set("again\(number)", String(repeating: "x", count: 40)), at: 5) }
        _ = driver.apply(.configure(maxMemoryBytes: 1_000, policy: .volatileLRU), at: 6)
        #expect(!driver.store.needsEviction)
        #expect(driver.apply(set("more", "y"), at: 7) == .error(KeyValueStore.outOfMemory))
        // With allkeys-lru the leader is asked to evict, and writes go on meanwhile.
        _ = driver.apply(.configure(maxMemoryBytes: nil, policy: .allKeysLRU), at: 8)
        #expect(driver.store.needsEviction)
        #expect(driver.apply(set("more", "z"), at: 9) == .ok)
        let over = driver.store.bytesOverLimit
        let victims = (0..<20).map { bytes("again\($0)") }
        #expect(driver.apply(.evict(keys: victims + [bytes("gone")]), at: 10) == .integer(20))
        #expect(driver.store.evictedKeys == 20 && driver.store.datasetBytes < 1_000 && over > 0)
        #expect(try KeyValueStore(snapshotBytes: driver.store.snapshotBytes) == driver.store)
    }
}
