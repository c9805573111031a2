import NIOConcurrencyHelpers
import NIOCore
import SynodCore
import SynodKeyValue
import SynodTestSupport
import Testing

@testable import SynodNode

/// Golden scenarios for what a client of a deposed leader is told.
struct LeaderChangeTests {
    static let key = Array("k".utf8)

    /// A leader cut off from the others takes a write it can never commit; a new leader is
    /// elected and writes at the same log index. When the old leader hears of the new one, it
    /// sends the write there, keeping its identity, and its client gets the write's real
    /// answer (not a request to retry, not a wait forever); the copy in its own log is
    /// overwritten, so the write applies exactly once, after the new leader's.
    @Test func aWriteOfADeposedLeaderGoesToTheNewLeaderAndAppliesOnce() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        #expect(try await cluster.write(.increment(key: Self.key, by: 1), to: old).get() == .integer(1))

        cluster.isolate(old)
        let moved = try cluster.write(.increment(key: Self.key, by: 10), to: old)
        let new = try #require(await cluster.awaitLeader(excluding: [old]), "no new leader was elected")
        #expect(try await cluster.write(.increment(key: Self.key, by: 100), to: new).get() == .integer(101))

        let answered = NIOLockedValueBox<KeyValueResult?>(nil)
        moved.whenSuccess { result in answered.withLockedValue { $0 = result } }
        cluster.heal()
        #expect(await waitUntil { answered.withLockedValue { $0 != nil } }, "the client waits forever")
        #expect(answered.withLockedValue { $0 } == .integer(111))
        // Every node, the old leader included, applied it once.
        #expect(
            try await waitUntil {
                try cluster.onLoop { drivers in
                    drivers.values.allSatisfy { $0.store.value(of: Self.key, at: 0) == Array("111".utf8) }
                }
            }
        )
    }

    /// A leader cut off from the others cannot confirm a read; check-quorum makes it step down
    /// within its term, and the read it was holding is answered then instead of never.
    @Test func aReadHeldByALeaderThatStepsDownIsAnsweredNotLeftHanging() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        #expect(try await cluster.read(.get(key: Self.key), at: old).get() == .null)

        cluster.isolate(old)
        let term = try cluster.onLoop { $0[old]!.replica.term }
        let hanging = try cluster.read(.get(key: Self.key), at: old)
        let answered = NIOLockedValueBox<KeyValueResult?>(nil)
        hanging.whenSuccess { result in answered.withLockedValue { $0 = result } }
        #expect(await waitUntil { answered.withLockedValue { $0 != nil } }, "the read waits forever")
        #expect(
            answered.withLockedValue { $0 } == .error(KeyValueError(.tryAgain, "TRYAGAIN the leader changed; retry"))
        )
        // It stepped down within its term: cut off, it never heard of a newer one (and pre-vote
        // keeps it from raising its own), so only the step-down could end the read.
        let (stillLeader, termNow) = try cluster.onLoop { ($0[old]!.isLeader, $0[old]!.replica.term) }
        #expect(!stillLeader)
        #expect(termNow == term)
    }

    /// A new leader's first entry of its own is `extendLeases`, even when a client write
    /// reaches it first: at any earlier entry's time, a lease that fell due during the
    /// election would end because the leader changed.
    @Test func aNewLeadersFirstCommandIsExtendLeasesEvenWithAWriteWaiting() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        cluster.isolate(old)
        // Write to the new leader as soon as it leads, racing its own tick.
        let new = try #require(
            await cluster.awaitLeader(excluding: [old], pollInterval: .milliseconds(1)),
            "no new leader was elected"
        )
        let write = try cluster.write(
            .set(key: Self.key, value: Array("v".utf8), condition: .always, expiry: .none, returnPrevious: false),
            to: new
        )
        #expect(try await write.get() == .ok)
        let commands = try cluster.onLoop { drivers -> [KeyValueCommand] in
            let replica = drivers[new]!.replica
            return replica.entries(from: replica.snapshotIndex.next).compactMap { entry in
                guard entry.term == replica.term, case .command(let bytes) = entry.payload else { return nil }
                return try? KeyValueEntry(decoding: bytes).command  // Every entry here was written by a driver.
            }
        }
        #expect(commands.first == .extendLeases, "\(commands)")
    }

    /// A follower forwards an increment; the leader commits it with the other follower, but
    /// its answer is lost and the forwarding follower hears nothing of the entry; then the
    /// leader is cut off. The follower sends the same request (same session, same id) to the
    /// new leader, whose state machine knows it was applied: the client gets the first result,
    /// and the counter is incremented once (answered TRYAGAIN and retried, it would be twice).
    @Test func aForwardedWriteWhoseAnswerIsLostAppliesOnceThroughTheNextLeader() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        let ids = try cluster.onLoop { Array($0.keys) }
        let follower = try #require(ids.first { $0 != old })
        let other = try #require(ids.first { $0 != old && $0 != follower })
        cluster.loseAnswers(from: old)
        cluster.cutConsensus(between: old, and: follower)
        let forwarded = try cluster.write(.increment(key: Self.key, by: 1), to: follower)
        #expect(
            try await waitUntil {
                try cluster.onLoop { $0[other]!.store.value(of: Self.key, at: 0) == Array("1".utf8) }
            },
            "the leader and the other follower did not commit the increment"
        )
        #expect(try cluster.onLoop { $0[follower]!.store.value(of: Self.key, at: 0) } == nil)
        cluster.isolate(old)
        #expect(try await forwarded.get() == .integer(1))
        #expect(try await cluster.write(.increment(key: Self.key, by: 1), to: follower).get() == .integer(2))
        let values = try cluster.onLoop { [other] in $0[other]!.store.value(of: Self.key, at: 0) }
        #expect(values == Array("2".utf8))
    }
}
