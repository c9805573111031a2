import SynodCore
import Testing

@testable import SynodKeyValue

/// BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH: served at once when they can be, otherwise
/// waiting in replicated lines that a later push serves first blocked first, ended by their
/// timeout on the log's clock or by an `unblock`, alike on every replica and through a snapshot.
struct BlockingListTests {
    static func command(_ text: String) throws -> KeyValueCommand { try ListTests.command(text) }

    @Test func aPushServesTheWaitersInTheOrderTheyBlocked() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BLPOP a b 0"), at: 1) == .waiting)
        let first = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BRPOP b 5"), at: 2) == .waiting)
        let second = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BLMPOP 0 1 b LEFT COUNT 2"), at: 3) == .waiting)
        let third = replicas.first.requestID
        try replicas.expectIdentical()
        // The push answers its own length; the waiters then take what it pushed, in order.
        #expect(replicas.apply(try Self.command("RPUSH b x y z w"), at: 4) == .integer(4))
        #expect(
            replicas.first.events == [
                .answered(ticket: first, result: ListTests.values("b", "x")),
                .answered(ticket: second, result: ListTests.values("b", "w")),
                .answered(ticket: third, result: .array([.value(bytes("b")), ListTests.values("y", "z")])),
            ]
        )
        #expect(replicas.first.store.keyCount == 0)
        #expect(replicas.first.store.blockedPops.isEmpty)
        try replicas.expectIdentical()
    }

    @Test func whatCanBeServedAtOnceIsAndTypesAreChecked() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("RPUSH l 1 2"), at: 1) == .integer(2))
        #expect(replicas.apply(try Self.command("SET s v"), at: 2) == .ok)
        #expect(replicas.apply(try Self.command("BRPOP none l 0"), at: 3) == ListTests.values("l", "2"))
        #expect(replicas.apply(try Self.command("BLPOP s l 0"), at: 4) == .error(KeyValueStore.wrongType))
        #expect(replicas.apply(try Self.command("BLMOVE l s LEFT LEFT 0"), at: 5) == .error(KeyValueStore.wrongType))
        #expect(replicas.apply(try Self.command("BRPOPLPUSH l m 0"), at: 6) == .value(bytes("1")))
        #expect(replicas.first.store.blockedPops.isEmpty)
    }

    @Test func aWaitEndsAtItsTimeoutOnTheLogsClockWithRedissReply() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BLPOP k 0.5"), at: 1_000) == .waiting)
        let pop = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BLMOVE k d LEFT RIGHT 1"), at: 1_000) == .waiting)
        let move = replicas.first.requestID
        #expect(replicas.apply(.sweep, at: 1_499) == .ok)
        #expect(replicas.first.events.isEmpty)
        #expect(replicas.apply(.sweep, at: 1_500) == .ok)
        #expect(replicas.first.events == [.answered(ticket: pop, result: .nullArray)])
        #expect(replicas.apply(.sweep, at: 2_000) == .ok)
        #expect(replicas.first.events == [.answered(ticket: move, result: .null)])
        // The push after the timeouts serves nobody.
        #expect(replicas.apply(try Self.command("LPUSH k v"), at: 2_001) == .integer(1))
        #expect(replicas.first.events.isEmpty)
        try replicas.expectIdentical()
    }

    @Test func insideATransactionNothingBlocks() throws {
        var replicas = ReplicaPair()
        let transaction = KeyValueCommand.transaction(
            versions: [],
            steps: [.write(try Self.command("BLPOP k 0")), .write(try Self.command("BLMOVE k d LEFT LEFT 0"))]
        )
        #expect(replicas.apply(transaction, at: 1) == .array([.nullArray, .null]))
        #expect(replicas.first.store.blockedPops.isEmpty)
    }

    @Test func aServedMoveWakesTheWaitersOfItsDestinationInTheSameEntry() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BLMOVE a b RIGHT LEFT 0"), at: 1) == .waiting)
        let move = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BLPOP b 0"), at: 2) == .waiting)
        let pop = replicas.first.requestID
        #expect(replicas.apply(try Self.command("RPUSH a 1 2"), at: 3) == .integer(2))
        #expect(
            replicas.first.events == [
                .answered(ticket: move, result: .value(bytes("2"))),
                .answered(ticket: pop, result: ListTests.values("b", "2")),
            ]
        )
        #expect(replicas.first.store.keyCount == 1)
        try replicas.expectIdentical()
    }

    @Test func aMoveToADestinationOfAnotherKindAnswersWrongTypeAndMovesNothing() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BRPOPLPUSH a s 0"), at: 1) == .waiting)
        let move = replicas.first.requestID
        #expect(replicas.apply(try Self.command("SET s v"), at: 2) == .ok)
        #expect(replicas.apply(try Self.command("RPUSH a 1"), at: 3) == .integer(1))
        #expect(replicas.first.events == [.answered(ticket: move, result: .error(KeyValueStore.wrongType))])
        #expect(replicas.first.store.record(of: bytes("a"), at: 3)?.list?.count == 1)
    }

    @Test func anUnblockedWaiterIsNotServedAndAnUnknownTicketIsIgnored() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BLPOP k 0"), at: 1) == .waiting)
        let gone = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BLPOP k 0"), at: 2) == .waiting)
        let staying = replicas.first.requestID
        #expect(replicas.apply(.unblock(tickets: [gone, 12_345]), at: 3) == .integer(1))
        #expect(replicas.first.events == [.answered(ticket: gone, result: .nullArray)])
        #expect(replicas.apply(try Self.command("RPUSH k a b"), at: 4) == .integer(2))
        #expect(replicas.first.events == [.answered(ticket: staying, result: ListTests.values("k", "a"))])
        #expect(replicas.first.store.record(of: bytes("k"), at: 4)?.list?.count == 1)
        try replicas.expectIdentical()
    }

    @Test func linesKeepTheirOrderThroughASnapshot() throws {
        var replicas = ReplicaPair()
        // The second waiter blocks on `b` only, the first on `a` and `b`: restored in key
        // order instead of blocking order, `b`'s line would be reversed.
        #expect(replicas.apply(try Self.command("BLPOP b a 0"), at: 1) == .waiting)
        let first = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BLPOP b 7"), at: 2) == .waiting)
        let second = replicas.first.requestID
        var restored = StoreDriver()
        restored.store = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
        restored.index = replicas.first.index
        restored.requestID = replicas.first.requestID
        #expect(restored.store == replicas.first.store)
        #expect(restored.apply(try Self.command("RPUSH b x"), at: 3) == .integer(1))
        #expect(restored.events == [.answered(ticket: first, result: ListTests.values("b", "x"))])
        #expect(restored.apply(.sweep, at: 7_002) == .ok)
        #expect(restored.events == [.answered(ticket: second, result: .nullArray)])
    }

    @Test func aWaiterOfAForgottenSessionEnds() throws {
        var store = KeyValueStore()
        let blocked = KeyValueEntry(
            requestID: 77,
            timeMilliseconds: 1_000,
            command: try Self.command("BLPOP k 0"),
            session: 9,
            acknowledgedBelow: 77
        )
        #expect(store.applyReporting(blocked, at: 1).result == .waiting)
        // Ten minutes of log time later, with no entry of session 9 between, it is forgotten.
        let later = KeyValueEntry(requestID: 0, timeMilliseconds: 1_000 + 11 * 60_000, command: .sweep)
        let applied = store.applyReporting(later, at: 2)
        #expect(applied.events == [.answered(ticket: 77, result: .nullArray)])
        #expect(store.blockedPops.isEmpty)
    }

    @Test func timeoutsAreParsedAsRedisParsesThem() throws {
        func timeout(_ word: String) -> Result<KeyValueCommand, KeyValueError> {
            RedisWordCommands.parseWrite(ListTests.words("BLPOP k \(word)"))
        }
        #expect(
            timeout("0.0001")
                == .success(.list(.blocking(.element(keys: [bytes("k")], end: .left), timeoutMilliseconds: 1)))
        )
        #expect(
            timeout("1.5")
                == .success(.list(.blocking(.element(keys: [bytes("k")], end: .left), timeoutMilliseconds: 1_500)))
        )
        #expect(timeout("-1") == .failure(KeyValueStore.timeoutNegative))
        #expect(timeout("1e300") == .failure(KeyValueStore.timeoutNegative))
        #expect(timeout("inf") == .failure(KeyValueStore.timeoutNegative))
        #expect(timeout("abc") == .failure(KeyValueStore.timeoutNotAFloat))
        #expect(timeout("nan") == .failure(KeyValueStore.timeoutNotAFloat))
        #expect(
            RedisWordCommands.parseWrite(ListTests.words("BLMPOP 0 1 k MIDDLE")) == .failure(KeyValueStore.syntax)
        )
        #expect(
            RedisWordCommands.parseWrite(ListTests.words("BLMPOP 0 0 k LEFT"))
                == .failure(KeyValueStore.numberOfKeysNotPositive)
        )
    }

    /// BZPOPMIN, BZPOPMAX and BZMPOP wait in the same lines: a sorted set written to a key
    /// serves that key's sorted set waiters first blocked first, and a list waiter in the same
    /// line keeps its place until the key holds a list.
    @Test func sortedSetWaitersShareTheLinesAndTakeOnlySortedSets() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("BLPOP k 0"), at: 1) == .waiting)
        let list = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BZPOPMAX k 0"), at: 2) == .waiting)
        let highest = replicas.first.requestID
        #expect(replicas.apply(try Self.command("BZMPOP 0 2 none k MIN COUNT 2"), at: 3) == .waiting)
        let lowest = replicas.first.requestID
        let restored = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
        #expect(restored.blockedPops == replicas.first.store.blockedPops)
        #expect(replicas.apply(try Self.command("ZADD k 1 a 2 b 3 c 4 d"), at: 4) == .integer(4))
        func pair(_ member: String, _ score: Double) -> KeyValueResult {
            .array([.value(bytes(member)), .double(score)])
        }
        #expect(
            replicas.first.events == [
                .answered(ticket: highest, result: .array([.value(bytes("k")), .value(bytes("d")), .double(4)])),
                .answered(ticket: lowest, result: .array([.value(bytes("k")), .array([pair("a", 1), pair("b", 2)])])),
            ]
        )
        #expect(replicas.first.store.blockedPops.waiters.keys.sorted() == [list])
        #expect(
            replicas.apply(try Self.command("BZPOPMIN k 0"), at: 5)
                == .array([.value(bytes("k")), .value(bytes("c")), .double(3)])
        )
        #expect(replicas.apply(try Self.command("ZADD k 4 d"), at: 6) == .integer(1))
        #expect(replicas.first.events.isEmpty)
        #expect(replicas.apply(try Self.command("BLPOP k 0"), at: 7) == .error(KeyValueStore.wrongType))
        #expect(replicas.apply(try Self.command("ZPOPMIN k"), at: 8) == pair("d", 4))
        #expect(replicas.apply(try Self.command("RPUSH k x"), at: 9) == .integer(1))
        #expect(replicas.first.events == [.answered(ticket: list, result: ListTests.values("k", "x"))])
        #expect(replicas.apply(try Self.command("BZPOPMIN none 0.5"), at: 10) == .waiting)
        let timed = replicas.first.requestID
        #expect(replicas.apply(.sweep, at: 509) == .ok)
        #expect(replicas.first.events.isEmpty)
        #expect(replicas.apply(.sweep, at: 510) == .ok)
        #expect(replicas.first.events == [.answered(ticket: timed, result: .nullArray)])
        try replicas.expectIdentical()
    }
}
