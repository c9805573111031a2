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
    /// elected and writes at the same log index. When the old leader hears of it, its entry is
    /// overwritten, and its client is told at once to retry, rather than waiting forever.
    @Test func aWriteOverwrittenAfterALeaderChangeIsAnsweredTryAgain() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        let warmUp = try cluster.write(
            .set(key: [0], value: [0], condition: .always, expiry: .none, returnPrevious: false),
            to: old
        )
        #expect(try await warmUp.get() == .ok)

        cluster.isolate(old)
        let lost = try cluster.write(
            .set(key: Self.key, value: Array("lost".utf8), condition: .always, expiry: .none, returnPrevious: false),
            to: old
        )
        let new = try #require(await cluster.awaitLeader(excluding: [old]), "no new leader was elected")
        let kept = try await cluster.write(
            .set(key: Self.key, value: Array("kept".utf8), condition: .always, expiry: .none, returnPrevious: false),
            to: new
        ).get()
        #expect(kept == .ok)

        let answered = NIOLockedValueBox<KeyValueResult?>(nil)
        lost.whenSuccess { result in answered.withLockedValue { $0 = result } }
        cluster.heal()
        #expect(await waitUntil { answered.withLockedValue { $0 != nil } }, "the client waits forever")
        let answer = try #require(answered.withLockedValue { $0 })
        guard case .error(let message) = answer else {
            Issue.record("the overwritten write was answered \(answer)")
            return
        }
        #expect(message.hasPrefix("TRYAGAIN"))
        let value = try cluster.onLoop { drivers in drivers[new]!.store.value(of: Self.key, at: 0) }
        #expect(value == Array("kept".utf8))
        // The old leader caught up with the new one's log.
        #expect(try await waitUntil { try cluster.onLoop { $0[old]!.store.value(of: Self.key, at: 0) } == value })
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
        #expect(answered.withLockedValue { $0 } == .error("TRYAGAIN the leader changed; retry"))
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

    /// A follower that forwarded a write and then sees the leader change cannot know whether
    /// the write was applied: it says so (UNCERTAIN), never TRYAGAIN, which means "not
    /// applied" and would make a retried INCR apply twice.
    @Test func aForwardedWriteWhoseLeaderChangesIsAnsweredUncertain() async throws {
        let cluster = try InProcessCluster(nodes: 3)
        defer { try? cluster.shutdown() }
        let old = try #require(await cluster.awaitLeader(), "no leader was elected")
        let follower = try #require(try cluster.onLoop { Array($0.keys) }.first { $0 != old })
        // The forward leaves the follower; its answer never comes back (the leader is cut off).
        let forwarded = try cluster.write(.increment(key: Self.key, by: 1), to: follower)
        cluster.isolate(old)
        let answer = try await forwarded.get()
        guard case .error(let message) = answer else {
            Issue.record("the forwarded write was answered \(answer)")
            return
        }
        #expect(message.hasPrefix("UNCERTAIN"), "\(message)")
    }
}
