import Foundation
import NIOCore
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodTestSupport
import Testing

@testable import SynodNode

/// Snapshots are serialized and written off the consensus thread, then compact the log.
struct SnapshotWritingTests {
    @Test func everyNodeWritesSnapshotsAndCompactsItsLogWhileWritesGoOn() async throws {
        let cluster = try InProcessCluster(nodes: 3) { configuration in
            configuration.snapshotLogBytesMin = 4_000
        }
        defer { try? cluster.shutdown() }
        let leader = try #require(await cluster.awaitLeader(), "no leader was elected")
        // The same 20 keys written again and again: the log soon holds more than half the
        // dataset, so snapshots are due while the writes go on.
        for _ in 0..<10 {
            let writes = try (0..<20).map { item in
                try cluster.write(
                    .set(
                        key: Array("key:\(item)".utf8),
                        value: Array(repeating: UInt8(ascii: "v"), count: 100),
                        condition: .always,
                        expiry: .none,
                        returnPrevious: false
                    ),
                    to: leader
                )
            }
            for write in writes { #expect(try await write.get() == .ok) }
        }
        // A failed look counts as "not yet" (the wait then fails), and a directory that cannot
        // be listed as holding no snapshot (the expectation fails).
        let compacted = await waitUntil {
            let indexes = (try? cluster.onLoop { drivers in drivers.values.map { $0.replica.snapshotIndex.rawValue } })
            return indexes?.allSatisfy { $0 > 0 } ?? false
        }
        #expect(compacted, "not every node took a snapshot")
        // The files are on disk, and the state they hold is the state at their index.
        let files = try cluster.onLoop { drivers in
            drivers.values.map { driver in
                (try? FileManager.default.contentsOfDirectory(atPath: driver.storage.directory + "/snapshots")) ?? []
            }
        }
        for names in files { #expect(names.contains { $0.hasSuffix(".snap") }, "\(names)") }
        #expect(
            try await cluster.read(.get(key: Array("key:19".utf8)), at: leader).get()
                == .value(Array(repeating: UInt8(ascii: "v"), count: 100))
        )
    }

    /// A follower cut off while the leader compacts its log catches up from the leader's
    /// snapshot: read from the leader's file a chunk at a time, kept in the follower's file
    /// and rebuilt into a new state as the chunks arrive.
    @Test func aFollowerCutOffWhileTheLogIsCompactedCatchesUpFromASnapshotInPieces() async throws {
        let cluster = try InProcessCluster(nodes: 3) { configuration in
            configuration.snapshotLogBytesMin = 4_000
            configuration.snapshotLogPercentOfState = 5
            configuration.snapshotChunkBytes = 1_000
        }
        defer { try? cluster.shutdown() }
        let leader = try #require(await cluster.awaitLeader(), "no leader was elected")
        let follower = try #require(try cluster.onLoop { drivers in drivers.keys.first { $0 != leader } })
        cluster.isolate(follower)
        let value = Array(repeating: UInt8(ascii: "w"), count: 200)
        try await Self.writeFiveRounds(of: value, to: leader, in: cluster)
        let compacted = await waitUntil {
            let indexes = try? cluster.onLoop { drivers in
                (drivers[leader]!.replica.snapshotIndex, drivers[follower]!.replica.lastIndex)
            }
            return indexes.map { $0.0 > $0.1 } ?? false
        }
        let positions = try cluster.onLoop { drivers in
            drivers.mapValues {
                ($0.replica.snapshotIndex, $0.replica.lastIndex, $0.replica.commitIndex, $0.store.datasetBytes)
            }
        }
        #expect(compacted, "the leader did not compact past the follower's log: \(positions), leader \(leader)")
        cluster.heal()
        let caughtUp = await waitUntil {
            let state = try? cluster.onLoop { drivers in
                (
                    drivers[follower]!.store.read(.get(key: Array("key:4:39".utf8)), at: 0),
                    drivers[follower]!.runtimes[NodeDriver.keyspaceGroup].statistics
                )
            }
            return state.map { $0.0 == .value(value) && $0.1.snapshotsInstalled > 0 } ?? false
        }
        #expect(caughtUp, "the follower did not install the leader's snapshot")
        let (keys, snapshotBytes, readable) = try cluster.onLoop { drivers in
            let driver = drivers[follower]!
            let snapshot = driver.replica.snapshot.data
            return (driver.store.keyCount, snapshot.count, (try? snapshot.read(from: 0, count: 16))?.count)
        }
        #expect(keys == 200)
        #expect(snapshotBytes > 5 * 1_000, "a snapshot of \(snapshotBytes) bytes came in one chunk")
        // The follower reads its installed snapshot from its own file, for a follower of its own.
        #expect(readable == 16)
    }

    /// A follower cut off while the leader lets go of the entries it applies (none kept in
    /// memory) catches up from entries the leader reads back from its log on disk.
    @Test func aFollowerCutOffCatchesUpFromEntriesTheLeaderReadsBackFromDisk() async throws {
        let cluster = try InProcessCluster(nodes: 3) { configuration in
            configuration.appliedEntryBytesKept = 0
        }
        defer { try? cluster.shutdown() }
        let leader = try #require(await cluster.awaitLeader(), "no leader was elected")
        let follower = try #require(try cluster.onLoop { drivers in drivers.keys.first { $0 != leader } })
        cluster.isolate(follower)
        let value = Array(repeating: UInt8(ascii: "o"), count: 100)
        try await Self.writeFiveRounds(of: value, to: leader, in: cluster)
        let (offloadedThrough, followerLast) = try cluster.onLoop { drivers in
            (drivers[leader]!.replica.residentFirstIndex.previous, drivers[follower]!.replica.lastIndex)
        }
        #expect(offloadedThrough > followerLast, "the leader still holds what the follower lacks")
        cluster.heal()
        let caughtUp = await waitUntil {
            // A failed look counts as "not yet" (the wait then fails).
            let read = try? cluster.onLoop { drivers in
                drivers[follower]!.store.read(.get(key: Array("key:4:39".utf8)), at: 0)
            }
            return read == .value(value)
        }
        #expect(caughtUp, "the follower did not catch up")
        let (keys, installed) = try cluster.onLoop { drivers in
            let driver = drivers[follower]!
            return (driver.store.keyCount, driver.runtimes[NodeDriver.keyspaceGroup].statistics.snapshotsInstalled)
        }
        #expect(keys == 200)
        #expect(installed == 0, "the follower caught up from a snapshot, not from the log")
    }

    /// Writes `key:<round>:<item>` for 5 rounds of 40 items, each round answered before the
    /// next.
    static func writeFiveRounds(of value: [UInt8], to leader: NodeID, in cluster: InProcessCluster) async throws {
        for round in 0..<5 {
            let writes = try (0..<40).map { item in
                try cluster.write(
                    .set(
                        key: Array("key:\(round):\(item)".utf8),
                        value: value,
                        condition: .always,
                        expiry: .none,
                        returnPrevious: false
                    ),
                    to: leader
                )
            }
            for write in writes { #expect(try await write.get() == .ok) }
        }
    }
}
