import SynodCore
import Testing

@testable import SynodKeyValue

/// Exactly-once writes: copies of a session's write that reach the log again answer the first
/// result and change nothing.
struct ClientSessionsTests {
    /// Applies entries of one session as a node would send them, through their encoded form.
    struct SessionDriver {
        var store = KeyValueStore()
        var index: UInt64 = 0

        mutating func apply(
            _ command: KeyValueCommand,
            session: UInt64 = 7,
            requestID: UInt64,
            acknowledgedBelow: UInt64 = 0,
            at time: Int64 = 1_000
        ) -> KeyValueStore.Applied {
            index += 1
            let entry = KeyValueEntry(
                requestID: requestID,
                timeMilliseconds: time,
                command: command,
                session: session,
                acknowledgedBelow: acknowledgedBelow
            )
            return store.apply(encoded: entry.encoded, at: index)
        }
    }

    let increment = KeyValueCommand.increment(key: bytes("counter"), by: 1)

    @Test func aCopyOfAnAppliedWriteAnswersTheFirstResultAndAppliesOnce() {
        var driver = SessionDriver()
        #expect(driver.apply(increment, requestID: 10).result == .integer(1))
        #expect(driver.apply(increment, requestID: 11).result == .integer(2))
        let revision = driver.store.revision
        // The retried copy of 10 (say, sent again to a new leader) and a late copy of 11.
        let copy = driver.apply(increment, requestID: 10)
        #expect(copy.result == .integer(1))
        #expect(copy.session == 7 && copy.requestID == 10)
        #expect(copy.keyChanges.isEmpty)
        #expect(driver.apply(increment, requestID: 11).result == .integer(2))
        #expect(driver.store.value(of: bytes("counter"), at: 1_000) == bytes("2"))
        #expect(driver.store.revision == revision)
    }

    @Test func sessionsAreIndependentAndEntriesWithoutOneAreNeverDeduplicated() {
        var driver = SessionDriver()
        #expect(driver.apply(increment, session: 1, requestID: 5).result == .integer(1))
        #expect(driver.apply(increment, session: 2, requestID: 5).result == .integer(2))
        #expect(driver.apply(increment, session: 0, requestID: 5).result == .integer(3))
        #expect(driver.apply(increment, session: 0, requestID: 5).result == .integer(4))
    }

    @Test func acknowledgedResultsAreForgottenAndTheirCopiesApplyNothing() {
        var driver = SessionDriver()
        for id in UInt64(1)...100 { _ = driver.apply(increment, requestID: id) }
        #expect(driver.store.sessions.sessions[7]?.results.count == 100)
        // The node has every answer below 101.
        #expect(driver.apply(increment, requestID: 101, acknowledgedBelow: 101).result == .integer(101))
        #expect(driver.store.sessions.sessions[7]?.results.keys.sorted() == [101])
        let late = driver.apply(increment, requestID: 40, acknowledgedBelow: 101)
        #expect(
            late.result
                == .error(
                    KeyValueError(.duplicateRequest, "ERR duplicate of a write that was already applied and answered")
                )
        )
        #expect(driver.store.value(of: bytes("counter"), at: 1_000) == bytes("101"))
    }

    @Test func aCopyOfAWaitingAcquireAnswersHowTheWaitEnded() throws {
        var driver = SessionDriver()
        let holder = try #require(token(driver.apply(acquire("l", "a"), session: 1, requestID: 1).result))
        #expect(driver.apply(acquire("l", "b", wait: 5_000), requestID: 2).result == .waiting)
        #expect(driver.apply(acquire("l", "b", wait: 5_000), requestID: 2).result == .waiting)
        let release = KeyValueCommand.release(kind: .lock, name: bytes("l"), owner: bytes("a"))
        let released = driver.apply(release, session: 1, requestID: 2)
        guard case .granted(let ticket, let granted)? = released.events.first else {
            Issue.record("the release granted nothing: \(released.events)")
            return
        }
        #expect(ticket == 2 && granted > holder)
        #expect(driver.apply(acquire("l", "b", wait: 5_000), requestID: 2).result == .integer(Int64(granted)))
    }

    @Test func idleSessionsAreForgottenByTheLogsClock() {
        var driver = SessionDriver()
        _ = driver.apply(increment, session: 1, requestID: 1, at: 1_000)
        _ = driver.apply(increment, session: 2, requestID: 1, at: 1_000 + ClientSessions.idleMilliseconds - 60_000)
        _ = driver.apply(increment, session: 2, requestID: 2, at: 1_000 + ClientSessions.idleMilliseconds + 60_000)
        #expect(driver.store.sessions.sessions.keys.sorted() == [2])
    }

    @Test func sessionsSurviveASnapshotAndDecideCopiesAlike() throws {
        var driver = SessionDriver()
        _ = driver.apply(increment, requestID: 3)
        _ = driver.apply(
            KeyValueCommand.set(
                key: bytes("k"),
                value: bytes("v"),
                condition: .always,
                expiry: .none,
                returnPrevious: true
            ),
            requestID: 4
        )
        var restored = SessionDriver(
            store: try KeyValueStore(snapshotBytes: driver.store.snapshotBytes),
            index: driver.index
        )
        #expect(restored.store == driver.store)
        #expect(restored.apply(increment, requestID: 3).result == .integer(1))
        #expect(restored.apply(increment, requestID: 5).result == .integer(2))
    }

    @Test func aSnapshotWithImpossibleSessionsIsRefused() {
        var writer = ByteWriter(reservingCapacity: 64)
        writer.write(UInt64(1))
        writer.write(UInt64(0))  // Session 0 is "no session".
        writer.write(UInt64(0))
        writer.write(UInt64(0))
        writer.write(UInt64(0))
        var reader = ByteReader(writer.bytes)
        #expect(throws: ByteReader.Failure.self) { try ClientSessions(reading: &reader) }
    }
}
