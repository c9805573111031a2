import SynodTestSupport
import Testing

/// One connection's pipelined commands run in order, on the leader and through a follower,
/// as Redis runs them (what redis-py's `pipeline()` and every batch loader rely on).
@Suite(.serialized)
struct PipelineProcessTests {
    @Test func writesThenReadsOfTheSameKeysInOnePipelineReadTheirOwnWrites() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        for (name, node) in [("leader", leader), ("follower", follower)] {
            // A leader change during the pipeline (a loaded machine) fails some commands with
            // TRYAGAIN or UNCERTAIN; the order can only be judged on a run without one, so
            // such a run is done again on fresh keys.
            var attempt = 0
            while true {
                attempt += 1
                let replies = try Self.runPipeline(on: node, prefix: "\(name)-\(attempt)")
                let failed = replies.contains { $0.isError(prefix: "TRYAGAIN") || $0.isError(prefix: "UNCERTAIN") }
                if failed && attempt < 5 { continue }
                Self.checkOrder(replies, name: name)
                break
            }
        }
    }

    /// With connections on loops of their own (`--io-threads`), requests and replies cross
    /// between a connection's loop and the driver's; the pipeline keeps its order all the same.
    @Test func connectionsOnTheirOwnLoopsKeepTheirPipelinesInOrder() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 1, extraArguments: ["--io-threads", "2"])
        defer { ServerProcessTests.stop(nodes) }
        let node = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        // Two connections at once, so that both I/O loops carry a pipeline.
        async let first = Task.detached { try Self.runPipeline(on: node, prefix: "first") }.value
        async let second = Task.detached { try Self.runPipeline(on: node, prefix: "second") }.value
        Self.checkOrder(try await first, name: "first connection")
        Self.checkOrder(try await second, name: "second connection")
    }

    static let count = 1000
    static let rounds = 300

    static func commands(prefix: String) -> [[[UInt8]]] {
        let keys = (0..<count).map { Array("\(prefix):\($0)".utf8) }
        var commands: [[[UInt8]]] = keys.map { [Array("SET".utf8), $0, $0] }
        commands += keys.map { [Array("GET".utf8), $0] }
        // Reads, writes and a counter interleaved: each read sees every write before it.
        for round in 0..<rounds {
            commands.append([Array("INCR".utf8), Array("\(prefix):counter".utf8)])
            commands.append([Array("GET".utf8), Array("\(prefix):counter".utf8)])
            if round % 3 == 0 {
                commands.append([Array("APPEND".utf8), Array("\(prefix):log".utf8), [UInt8(48 + round % 10)]])
                commands.append([Array("STRLEN".utf8), Array("\(prefix):log".utf8)])
            }
        }
        return commands
    }

    static func runPipeline(on node: SynodServerProcess, prefix: String) throws -> [RESPReply] {
        let connection = try BlockingRESPConnection(port: node.clientPort)
        return try connection.pipeline(commands(prefix: prefix))
    }

    static func checkOrder(_ replies: [RESPReply], name: String) {
        #expect(replies.prefix(count).allSatisfy { $0 == .simpleString("OK") }, "\(name)")
        let reads = replies[count..<2 * count]
        let wrong = zip(0..<count, reads).filter { index, reply in
            guard case .bulkString(let value?) = reply else { return true }
            return !String(decoding: value, as: UTF8.self).hasSuffix(":\(index)")
        }
        #expect(wrong.isEmpty, "\(name): \(wrong.count) reads missed their own connection's earlier write")
        var counter: Int64 = 0
        var logLength: Int64 = 0
        var position = 2 * count
        for round in 0..<rounds {
            counter += 1
            #expect(replies[position] == .integer(counter), "\(name) round \(round)")
            #expect(replies[position + 1] == .bulkString(Array(String(counter).utf8)), "\(name) round \(round)")
            position += 2
            if round % 3 == 0 {
                logLength += 1
                #expect(replies[position] == .integer(logLength), "\(name) round \(round)")
                #expect(replies[position + 1] == .integer(logLength), "\(name) round \(round)")
                position += 2
            }
        }
    }
}
