import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// A leader probing a follower with a big append does not send it again each time a
/// heartbeat's answer, which may overtake the append on its own connection, comes back.
struct BigAppendTests {
    /// n1 leads with election timeout 10 and heartbeat 1; n2 is put back to probing; n1
    /// proposes an entry of `bytes`. Returns how many appends with entries n1 sent n2 while n2
    /// answered the heartbeat of each of `ticks` ticks and the append itself stayed on its way.
    static func appendsSent(entryBytes bytes: Int, ticks: Int) throws -> Int {
        var group = try HostileCluster(.leader)
        var cluster = group.cluster
        let leader = NodeID(1)
        let follower = NodeID(2)
        cluster.replicas[leader]!.progress[follower]!.becomeProbe()
        try cluster.replicas[leader]!.propose([UInt8](repeating: 120, count: bytes))
        cluster.processReady(leader)
        var appends = 0
        for _ in 0..<ticks {
            // Appends with entries stay on the wire; everything else is delivered.
            appends +=
                cluster.network.filter { message in
                    guard message.from == leader, message.to == follower,
                        case .append(_, _, let entries, _) = message.body
                    else { return false }
                    return !entries.isEmpty
                }.count
            cluster.network.removeAll { message in
                if case .append(_, _, let entries, _) = message.body { return !entries.isEmpty }
                return false
            }
            cluster.tick(leader, times: 1)
            cluster.processAllReady()
            _ = cluster.deliver(from: leader, to: follower)
            cluster.processAllReady()
            _ = cluster.deliver(from: follower, to: leader)
            cluster.processAllReady()
        }
        group.cluster = cluster
        return appends
    }

    @Test func aBigProbeIsNotSentAgainWhileItMayStillArrive() throws {
        // 4 MiB: 4 ticks to arrive, so in 3 ticks of heartbeat answers it is sent once.
        #expect(try Self.appendsSent(entryBytes: 4 << 20, ticks: 3) == 1)
        // Past its time it is sent again, as a lost probe must be.
        #expect(try Self.appendsSent(entryBytes: 4 << 20, ticks: 8) > 1)
    }

    @Test func aSmallProbeIsSentAgainAtEachHeartbeatAnswer() throws {
        #expect(try Self.appendsSent(entryBytes: 100, ticks: 3) == 3)
    }
}
