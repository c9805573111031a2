import SynodConsensus
import SynodCore
import SynodKeyValue
import Testing

@testable import SynodNode

/// A snapshot from the leader that cannot be the state at its index stops the node, rather
/// than leaving it to trap at the next committed entry (found by the peer-frame fuzz target).
struct SnapshotRestoreTests {
    @Test func aSnapshotHoldingTheStateOfAnotherIndexStopsTheNode() throws {
        let cluster = try InProcessCluster(nodes: 1)
        defer { try? cluster.shutdown() }
        let (stopped, kept) = try cluster.onLoop { drivers -> (Bool, Bool) in
            let driver = drivers.values.first!
            let before = driver.store
            let atZero = KeyValueStore().snapshotBytes
            driver.restore(
                Snapshot(index: LogIndex(21), term: Term(1), membership: driver.replica.membership, data: atZero)
            )
            return (driver.stopped, driver.store.snapshotBytes == before.snapshotBytes)
        }
        #expect(stopped)
        #expect(kept, "the state of another index was adopted")
    }
}
