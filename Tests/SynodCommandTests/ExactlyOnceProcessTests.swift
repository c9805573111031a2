import SynodTestSupport
import Testing

/// Writes apply exactly once through leader changes, on real processes: a write answered OK
/// applied once, one answered with an error (TRYAGAIN, NOTLEADER ...) never applied, and only
/// one answered UNCERTAIN (or whose connection died) may or may not have.
@Suite(.serialized) struct ExactlyOnceProcessTests {
    /// Kills the leader, and brings it back once the others have elected a new one.
    static func killTheLeaderAndRestartIt(_ nodes: [SynodServerProcess]) async throws {
        let leader = try #require(await ServerProcessTests.leader(of: nodes))
        leader.process.terminate()
        _ = try #require(await ServerProcessTests.leader(of: nodes.filter { $0 !== leader }))
        try leader.restart()
    }

    @Test func aCounterIncrementedThroughRandomNodesWhileLeadersAreKilledCountsEveryAnsweredIncrementOnce()
        async throws
    {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        _ = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        var random = SystemRandomNumberGenerator()
        var applied = 0  // Answered with the counter's new value.
        var unknown = 0  // UNCERTAIN, or no answer at all.
        var refused = 0  // Any other error: never applied.
        var highest: Int64 = 0
        for attempt in 0..<300 {
            if attempt == 100 || attempt == 200 { try await Self.killTheLeaderAndRestartIt(nodes) }
            let node = nodes[Int.random(in: 0..<nodes.count, using: &random)]
            switch node.command(["INCR", "counter"]) {
            case .integer(let value):
                applied += 1
                // Each answer is the value after this increment: never one seen before.
                #expect(value > highest, "INCR answered \(value) after \(highest)")
                highest = max(highest, value)
            case .error(let message):
                if message.hasPrefix("UNCERTAIN") { unknown += 1 } else { refused += 1 }
            case nil:
                unknown += 1
            case let other?:
                Issue.record("INCR answered \(other)")
            }
        }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        guard case .bulkString(let bytes?) = leader.command(["GET", "counter"]),
            let final = Int(String(decoding: bytes, as: UTF8.self))
        else {
            Issue.record("the counter cannot be read")
            return
        }
        #expect(
            final >= applied && final <= applied + unknown,
            "\(final) after \(applied) OK, \(unknown) unknown, \(refused) refused"
        )
        #expect(applied >= 100, "\(applied) OK, \(unknown) unknown, \(refused) refused")
    }

    /// A queue through random nodes while leaders are killed: RPUSH and LPOP apply exactly
    /// once, so no element is delivered twice, every acknowledged push is delivered or still
    /// queued, and nothing refused ever appears.
    @Test func aQueueFedAndDrainedThroughRandomNodesWhileLeadersAreKilledLosesAndRepeatsNothing() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        _ = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        var random = SystemRandomNumberGenerator()
        var acknowledged: Set<String> = []
        var uncertain: Set<String> = []
        var refused: Set<String> = []
        var delivered: [String] = []
        for attempt in 0..<300 {
            if attempt == 100 || attempt == 200 { try await Self.killTheLeaderAndRestartIt(nodes) }
            let node = nodes[Int.random(in: 0..<nodes.count, using: &random)]
            if attempt % 3 == 2 {
                switch node.command(["LPOP", "queue"]) {
                case .bulkString(let bytes?): delivered.append(String(decoding: bytes, as: UTF8.self))
                case .bulkString(nil), .error, nil: break
                case let other?: Issue.record("LPOP answered \(other)")
                }
                continue
            }
            let element = "job-\(attempt)"
            switch node.command(["RPUSH", "queue", element]) {
            case .integer: acknowledged.insert(element)
            case .error(let message):
                if message.hasPrefix("UNCERTAIN") { uncertain.insert(element) } else { refused.insert(element) }
            case nil: uncertain.insert(element)
            case let other?: Issue.record("RPUSH answered \(other)")
            }
        }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        guard case .array(let rest?) = leader.command(["LRANGE", "queue", "0", "-1"]) else {
            Issue.record("the queue cannot be read")
            return
        }
        for case .bulkString(let bytes?) in rest { delivered.append(String(decoding: bytes, as: UTF8.self)) }
        #expect(Set(delivered).count == delivered.count, "an element came out twice: \(delivered)")
        #expect(acknowledged.isSubset(of: Set(delivered)), "acknowledged pushes lost")
        #expect(Set(delivered).isSubset(of: acknowledged.union(uncertain)), "a refused push applied")
        #expect(refused.isDisjoint(with: Set(delivered)))
        #expect(acknowledged.count >= 100, "\(acknowledged.count) acknowledged, \(uncertain.count) uncertain")
    }
}
