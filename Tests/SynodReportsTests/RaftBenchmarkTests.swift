import SynodConsensus
import Testing

@testable import SynodReports

struct RaftBenchmarkTests {
    @Test(arguments: [1, 3, 5])
    func everyReplicaAppliesEveryBatch(replicaCount: Int) throws {
        var cluster = try InMemoryRaftCluster(replicaCount: replicaCount)
        cluster.electLeader()
        let leader = try #require(cluster.leaderPosition)
        for round in 0..<10 {
            try cluster.commit(batch: Array(repeating: Array("entry \(round)".utf8), count: 7))
        }
        let lastIndex = cluster.replicas[leader].lastIndex
        for replica in cluster.replicas {
            #expect(replica.appliedIndex == lastIndex)
            #expect(replica.commitIndex == lastIndex)
        }
        // Bootstrap entries, the leader's no-op and 70 commands, applied once each everywhere.
        #expect(cluster.appliedCounts == Array(repeating: replicaCount + 1 + 70, count: replicaCount))
    }

    @Test func runCommitsWholeBatches() throws {
        let result = try RaftBenchmark(batchSize: 7).run(entryCount: 100)
        #expect(result.entries == 105)
        #expect(result.entriesPerSecond > 0)
    }
}
