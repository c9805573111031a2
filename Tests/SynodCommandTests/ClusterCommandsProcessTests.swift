import Foundation
import SynodTestSupport
import Testing

/// Cluster introspection and client administration on a real 3-node cluster.
@Suite(.serialized)
struct ClusterCommandsProcessTests {
    static func text(_ reply: RESPReply?) -> String? {
        guard case .bulkString(let bytes?) = reply else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func clusterAwareClientsAndClientAdministrationWork() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })

        // redis-py's RedisCluster routes every key through a follower.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Clients/redis_py_cluster_client.py").path
        let client = try ChildProcess(executable: "/usr/bin/python3", arguments: [script, String(follower.clientPort)])
        #expect(client.waitForExit() == 0, "\(client.output)")
        #expect(client.output.contains("ok"), "\(client.output)")

        let connection = try BlockingRESPConnection(port: follower.clientPort)
        // Redis's documented slot of "foo"; a hash tag puts keys in its tag's slot.
        #expect(try connection.command(["CLUSTER", "KEYSLOT", "foo"]) == .integer(12_182))
        #expect(
            try connection.command(["CLUSTER", "KEYSLOT", "user:{42}:profile"])
                == (try connection.command(["CLUSTER", "KEYSLOT", "42"]))
        )
        let myID = try #require(Self.text(try connection.command(["CLUSTER", "MYID"])))
        #expect(myID.count == 40 && myID.allSatisfy(\.isHexDigit))
        // The group's leader serves the slots as their master, the other nodes are its
        // replicas (in node order), each named by the address it announced to its peers and
        // its CLUSTER MYID.
        var ids: [Int: String] = [:]
        for node in nodes {
            let nodeConnection = try BlockingRESPConnection(port: node.clientPort)
            ids[node.clientPort] = try #require(Self.text(try nodeConnection.command(["CLUSTER", "MYID"])))
        }
        var masterPort = leader.clientPort
        func describesTheLeader(_ reply: RESPReply) -> Bool {
            guard case .array(let ranges?) = reply, ranges.count == 1, case .array(let range?) = ranges[0],
                range.count == 5, range[0] == .integer(0), range[1] == .integer(16383)
            else { return false }
            let ports = range.dropFirst(2).compactMap { entry -> Int? in
                guard case .array(let fields?) = entry, fields.count == 3,
                    fields[0] == .bulkString(Array("127.0.0.1".utf8)), case .integer(let port) = fields[1],
                    fields[2] == .bulkString(Array((ids[Int(port)] ?? "").utf8))
                else { return nil }
                return Int(port)
            }
            guard ports.count == 3, let master = nodes.first(where: { $0.clientPort == ports[0] }), master.isLeader
            else { return false }
            masterPort = master.clientPort
            return Array(ports.dropFirst()) == nodes.filter { $0 !== master }.map(\.clientPort)
        }
        var slots = try connection.command(["CLUSTER", "SLOTS"])
        #expect(
            try await waitUntil(timeout: .seconds(30)) {
                slots = try connection.command(["CLUSTER", "SLOTS"])
                return describesTheLeader(slots)
            },
            "\(slots)"
        )
        let leaderID = try #require(ids[masterPort])
        let nodesText = try #require(Self.text(try connection.command(["CLUSTER", "NODES"])))
        let nodeLines = nodesText.split(separator: "\n")
        #expect(nodeLines.count == 3, "\(nodesText)")
        #expect(
            nodeLines.contains {
                $0.hasPrefix("\(myID) 127.0.0.1:\(follower.clientPort)@") && $0.contains("myself,slave \(leaderID) ")
            },
            "\(nodesText)"
        )
        #expect(
            nodeLines.contains {
                $0.hasPrefix("\(leaderID) 127.0.0.1:\(masterPort)@") && $0.hasSuffix("connected 0-16383")
            },
            "\(nodesText)"
        )
        #expect(try Self.text(connection.command(["CLUSTER", "INFO"]))?.contains("cluster_state:ok") == true)
        #expect(try Self.text(connection.command(["INFO", "cluster"]))?.contains("cluster_enabled:1") == true)
        let memory = try #require(Self.text(try connection.command(["INFO", "memory"])))
        #expect(memory.contains("used_memory:") && memory.contains("used_memory_rss:"), "\(memory)")
        // The allocator's own figures: what the process holds beyond the dataset's estimate.
        func memoryField(_ name: String) -> Int? {
            memory.split(separator: "\r\n").first { $0.hasPrefix(name + ":") }
                .flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        let allocated = try #require(memoryField("allocator_allocated"), "\(memory)")
        let active = try #require(memoryField("allocator_active"), "\(memory)")
        #expect(allocated > 1 << 20 && active >= allocated, "\(memory)")
        #expect(memoryField("allocator_frag_bytes") == active - allocated, "\(memory)")
        #expect(memory.contains("mem_fragmentation_ratio:"), "\(memory)")
        // The server runs on jemalloc, linked to replace libc's malloc; the figures above are
        // its statistics.
        #expect(memory.contains("\r\nmem_allocator:jemalloc-"), "\(memory)")
        // INFO keyspace counts the keys with a TTL, as Redis's does. The leader has applied
        // each write when it answers it.
        let writer = try BlockingRESPConnection(port: leader.clientPort)
        #expect(try writer.command(["FLUSHALL"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "lasting", "1"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "expiring", "1", "EX", "600"]) == .simpleString("OK"))
        let keyspace = try #require(Self.text(try writer.command(["INFO", "keyspace"])))
        #expect(keyspace.contains("db0:keys=2,expires=1,"), "\(keyspace)")
        #expect(
            try connection.command(["CLUSTER", "FROB"])
                == .error("ERR unknown subcommand 'FROB'. Try CLUSTER HELP.")
        )

        // CLIENT LIST shows both connections; CLIENT KILL ID closes the other one.
        #expect(try connection.command(["CLIENT", "SETNAME", "admin"]) == .simpleString("OK"))
        let victim = try BlockingRESPConnection(port: follower.clientPort)
        guard case .integer(let victimID) = try victim.command(["CLIENT", "ID"]) else {
            Issue.record("no client id")
            return
        }
        let list = try #require(Self.text(try connection.command(["CLIENT", "LIST"])))
        #expect(list.contains("id=\(victimID) ") && list.contains("name=admin"), "\(list)")
        let info = try #require(Self.text(try connection.command(["CLIENT", "INFO"])))
        #expect(info.contains("name=admin") && info.contains("cmd=client|info"), "\(info)")
        // In one pipeline (one read), CLIENT INFO reports itself as the last command (it waits
        // for the SET before it, so it runs after ECHO is read) and INFO counts the commands
        // before it; after a pipeline, CLIENT LIST shows its last command. Both connections
        // are to the same node, whose INFO counts all commands.
        func processed() throws -> Int? {
            let stats = try #require(Self.text(try connection.command(["INFO", "stats"])))
            return stats.split(separator: "\r\n").first { $0.hasPrefix("total_commands_processed:") }
                .flatMap { Int($0.split(separator: ":")[1]) }
        }
        let before = try #require(try processed())
        let pipelined = try connection.pipeline(
            [["PING"], ["SET", "p", "1"], ["CLIENT", "INFO"], ["GET", "p"], ["INFO", "stats"], ["ECHO", "x"]]
                .map { $0.map { Array($0.utf8) } }
        )
        let pipelinedInfo = try #require(Self.text(pipelined[2]))
        #expect(pipelinedInfo.contains("cmd=client|info"), "\(pipelinedInfo)")
        let pipelinedStats = try #require(Self.text(pipelined[4]))
        let countedInPipeline = pipelinedStats.split(separator: "\r\n")
            .first { $0.hasPrefix("total_commands_processed:") }.flatMap { Int($0.split(separator: ":")[1]) }
        // The commands up to INFO at least; ECHO may be counted too (it was read with them).
        #expect(countedInPipeline.map { (before + 5)...(before + 6) ~= $0 } == true, "\(pipelinedStats)")
        #expect(try connection.pipeline([["PING"], ["ECHO", "x"]].map { $0.map { Array($0.utf8) } }).count == 2)
        let listed = try #require(Self.text(try victim.command(["CLIENT", "LIST"])))
        let mine = listed.split(separator: "\n").first { $0.contains("name=admin") }.map(String.init) ?? listed
        #expect(mine.contains("cmd=echo "), "\(mine)")
        // The six, the two, the other connection's CLIENT LIST, and this INFO.
        #expect(try processed() == before + 10)
        #expect(try connection.command(["CLIENT", "KILL", "ID", "\(victimID)"]) == .integer(1))
        #expect(throws: (any Error).self) { _ = try victim.command(["PING"]) }
        #expect(try connection.command(["CLIENT", "KILL", "ID", "\(victimID)"]) == .integer(0))
        #expect(try connection.command(["CLIENT", "KILL", "1.2.3.4:5"]) == .error("ERR No such client"))
    }
}
