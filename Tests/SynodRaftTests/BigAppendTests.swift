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

    /// A follower far behind (here after a partition; after a snapshot it is the same) is sent
    /// a few appends per acknowledgement, not the whole flow-control window at once: encoding
    /// up to 64 MiB of appends in one go held the leader's loop for hundreds of milliseconds.
    @Test func anAcknowledgementReleasesAFewAppendsNotTheWholeWindow() throws {
        var group = try HostileCluster(.leader)
        let leader = NodeID(1)
        let follower = NodeID(2)
        try group.run("partition 1 3 / 2")
        // Each entry fills an append of its own (appendBytesMax is 1 MiB).
        for _ in 0..<24 {
            try group.cluster.replicas[leader]!.propose([UInt8](repeating: 120, count: 600 << 10))
            group.cluster.processAllReady()
        }
        try group.run("stabilize")
        let lastIndex = group.cluster.replicas[leader]!.lastIndex
        try group.run("heal")
        // Step by step: each round delivers what is on the wire and counts the appends with
        // entries that one round of the follower's answers released.
        var largestBurst = 0
        for _ in 0..<200 {
            group.cluster.tick(leader, times: 1)
            group.cluster.processAllReady()
            _ = group.cluster.deliver(from: leader, to: follower)
            group.cluster.processAllReady()
            let answers = group.cluster.network.filter { $0.from == follower && $0.to == leader }.count
            _ = group.cluster.deliver(from: follower, to: leader)
            group.cluster.processAllReady()
            let appends = group.cluster.network.filter { message in
                guard message.from == leader, message.to == follower, case .append(_, _, let entries, _) = message.body
                else { return false }
                return !entries.isEmpty
            }.count
            if answers > 0 { largestBurst = max(largestBurst, appends / answers) }
            if group.cluster.replicas[follower]!.lastIndex == lastIndex { break }
        }
        #expect(group.cluster.replicas[follower]!.lastIndex == lastIndex, "the follower did not catch up")
        #expect(largestBurst >= 1)
        // Two per acknowledgement, and one per heartbeat answer; the whole window was 23 here.
        #expect(largestBurst <= 3, "one answer released \(largestBurst) appends")
    }
}
