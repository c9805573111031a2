import SynodCore
import SynodRuntime
import Testing

@testable import SynodKeyValue

/// What a blocking pop takes is held until the node of its session settles it: delivered, it
/// is let go; returned (its client was gone), or orphaned (its session forgotten), it goes
/// back where it came from. So a popped element is either delivered or still there.
struct HeldPopTests {
    /// A store applying entries of session `session` as a node would propose them, each
    /// through its encoded form.
    struct SessionDriver {
        var store = KeyValueStore()
        var index: UInt64 = 0
        var requestID: UInt64 = 100
        var time: Int64 = 1_000
        var events: [CoordinationEvent] = []
        var keyEvents: [String] = []
        var heldReplies: [RequestKey] = []

        mutating func apply(_ command: KeyValueCommand, session: UInt64 = 7) -> KeyValueResult {
            index += 1
            requestID += 1
            let entry = KeyValueEntry(
                requestID: requestID,
                timeMilliseconds: time,
                command: command,
                session: session,
                acknowledgedBelow: requestID
            )
            let applied = store.apply(encoded: entry.encoded, at: index)
            events = applied.events
            heldReplies = applied.heldReplies
            keyEvents = applied.keyChanges.map { String(decoding: $0.key, as: UTF8.self) + ":" + $0.event.rawValue }
            return applied.result
        }

        mutating func apply(_ text: String, session: UInt64 = 7) throws -> KeyValueResult {
            apply(try ListTests.command(text), session: session)
        }

        func list(_ key: String) -> [String] {
            store.record(of: bytes(key), at: time)?.list.map { $0.elements.map { String(decoding: $0, as: UTF8.self) } }
                ?? []
        }

        /// The store survives a snapshot unchanged.
        func expectSnapshotRoundTrip() throws {
            #expect(try KeyValueStore(snapshotBytes: store.snapshotBytes) == store)
        }
    }

    @Test func aServedWaiterHoldsWhatItTookUntilItsNodeSaysItWasDelivered() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("BLPOP q 0", session: 7) == .waiting)
        let waiter = RequestKey(session: 7, requestID: driver.requestID)
        #expect(try driver.apply("RPUSH q a b", session: 8) == .integer(2))
        #expect(driver.events == [.answered(ticket: waiter.requestID, result: ListTests.values("q", "a"))])
        #expect(driver.heldReplies == [waiter])
        #expect(
            driver.store.blockedPops.held[waiter] == .init(key: bytes("q"), items: .elements([bytes("a")], end: .left))
        )
        try driver.expectSnapshotRoundTrip()
        #expect(driver.apply(.settleHeldPops(delivered: [waiter], returned: [])) == .integer(0))
        #expect(driver.store.blockedPops.held.isEmpty)
        #expect(driver.list("q") == ["b"])
        // Settling it again, either way, changes nothing.
        #expect(driver.apply(.settleHeldPops(delivered: [], returned: [waiter])) == .integer(0))
        #expect(driver.list("q") == ["b"])
    }

    @Test func aReturnedPopPutsItsElementsBackInOrderAndServesTheNextWaiter() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("RPUSH q a b c d") == .integer(4))
        // Served at once, from the head: held for its own request.
        #expect(
            try driver.apply("BLMPOP 0 1 q LEFT COUNT 3")
                == .array([.value(bytes("q")), ListTests.values("a", "b", "c")])
        )
        let leftPop = RequestKey(session: 7, requestID: driver.requestID)
        #expect(driver.heldReplies == [leftPop])
        #expect(try driver.apply("BRPOP q 0") == ListTests.values("q", "d"))
        let rightPop = RequestKey(session: 7, requestID: driver.requestID)
        #expect(driver.list("q").isEmpty)
        // Another client now waits on q: what comes back serves it first.
        #expect(try driver.apply("BLPOP q 0", session: 9) == .waiting)
        let waiter = driver.requestID
        #expect(driver.apply(.settleHeldPops(delivered: [], returned: [rightPop, leftPop])) == .integer(2))
        #expect(driver.keyEvents == ["q:rpush", "q:lpush", "q:lpop"])
        #expect(driver.events == [.answered(ticket: waiter, result: ListTests.values("q", "a"))])
        #expect(driver.list("q") == ["b", "c", "d"])
        #expect(driver.store.blockedPops.held.keys.sorted() == [RequestKey(session: 9, requestID: waiter)])
    }

    @Test func aReturnedSortedSetPopKeepsAMemberAddedAgainSince() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("ZADD z 1 a 2 b 3 c") == .integer(3))
        #expect(try driver.apply("BZMPOP 0 1 z MIN COUNT 2") != .nullArray)
        let pop = RequestKey(session: 7, requestID: driver.requestID)
        #expect(try driver.apply("ZADD z 10 a") == .integer(1))
        #expect(driver.apply(.settleHeldPops(delivered: [], returned: [pop])) == .integer(1))
        #expect(driver.keyEvents == ["z:zadd"])
        let scores = driver.store.record(of: bytes("z"), at: driver.time)?.sortedSet?.scores
        #expect(scores == [bytes("a"): 10, bytes("b"): 2, bytes("c"): 3])
    }

    @Test func whatAForgottenSessionHeldGoesBack() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("RPUSH q a b") == .integer(2))
        #expect(try driver.apply("BLPOP q 0", session: 5) == ListTests.values("q", "a"))
        #expect(driver.store.blockedPops.held.count == 1)
        // Session 5's node dies: ten minutes of log time later its session is forgotten, and
        // the element it took, never settled, is at the head again.
        driver.time += 11 * 60_000
        #expect(driver.apply(.sweep, session: 0) == .ok)
        #expect(driver.list("q") == ["a", "b"])
        #expect(driver.store.blockedPops.held.isEmpty)
    }

    @Test func movesGroupReadsTransactionsAndPlainPopsHoldNothing() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("RPUSH q a b c") == .integer(3))
        #expect(try driver.apply("BLMOVE q d LEFT LEFT 0") == .value(bytes("a")))
        #expect(try driver.apply("LPOP q") == .value(bytes("b")))
        let transaction = KeyValueCommand.transaction(versions: [], steps: [.write(try ListTests.command("BLPOP q 0"))])
        #expect(driver.apply(transaction) == .array([ListTests.values("q", "c")]))
        #expect(driver.store.blockedPops.held.isEmpty)
        // Entries without a session (a test's own) hold nothing either.
        #expect(try driver.apply("BLPOP d 0", session: 0) == ListTests.values("d", "a"))
        #expect(driver.store.blockedPops.held.isEmpty)
    }

    @Test func aReturnToAKeyOfAnotherKindDropsTheElements() throws {
        var driver = SessionDriver()
        #expect(try driver.apply("RPUSH q a") == .integer(1))
        #expect(try driver.apply("BLPOP q 0") == ListTests.values("q", "a"))
        let pop = RequestKey(session: 7, requestID: driver.requestID)
        #expect(driver.apply(set("q", "now a string")) == .ok)
        #expect(driver.apply(.settleHeldPops(delivered: [], returned: [pop])) == .integer(0))
        #expect(driver.store.value(of: bytes("q"), at: driver.time) == bytes("now a string"))
        #expect(driver.store.blockedPops.held.isEmpty)
    }

    @Test func settlementsSurviveTheirEncodingAndRefuseCountsBeyondTheirBytes() throws {
        let command = KeyValueCommand.settleHeldPops(
            delivered: [RequestKey(session: 1, requestID: 2), RequestKey(session: 3, requestID: .max)],
            returned: [RequestKey(session: .max, requestID: 0)]
        )
        let entry = KeyValueEntry(requestID: 3, timeMilliseconds: 4, command: command, session: 5)
        #expect(try KeyValueEntry(decoding: entry.encoded) == entry)
        for count in 0..<entry.encoded.count {
            #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(entry.encoded[..<count])) }
        }
        var writer = ByteWriter()
        writer.write(UInt8(34))
        writer.write(UInt64.max)
        var forged = KeyValueEntry(requestID: 1, timeMilliseconds: 1, command: .sweep).encoded
        let commandStart = forged.count - 1
        forged.replaceSubrange(commandStart..., with: writer.bytes)
        #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: forged) }
    }
}
