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
}
