import Foundation
import SynodTestSupport
import Testing

/// `synod server` as real processes on loopback: durability across restarts, graceful
/// shutdown, bad input from clients and peers, and failover in a three-node cluster.
@Suite(.serialized)
struct ServerProcessTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("synod-node-\(UUID().uuidString)").path
    }

    static func startCluster(count: Int, extraArguments: [String] = []) throws -> [SynodServerProcess] {
        let plan = try SynodServerProcess.plan(count: count)
        let cluster = SynodServerProcess.cluster(plan)
        let directory = temporaryDirectory()
        return try plan.enumerated().map { offset, ports in
            try SynodServerProcess(
                executable: synodExecutablePath(),
                nodeID: offset + 1,
                clientPort: ports.clientPort,
                peerPort: ports.peerPort,
                initialCluster: cluster,
                dataDirectory: directory + "/n\(offset + 1)",
                extraArguments: extraArguments
            )
        }
    }

    /// How many requests the node has forwarded to a leader, from its /metrics.
    static func forwardedCount(_ node: SynodServerProcess) -> Int? {
        guard let metrics = httpGet(port: node.httpPort, path: "/metrics")?.body else { return nil }
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("synod_client_requests_forwarded_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// Kills the nodes and removes their data.
    static func stop(_ nodes: [SynodServerProcess]) {
        for node in nodes { node.process.terminate() }
        if let directory = nodes.first.map({ URL(fileURLWithPath: $0.dataDirectory).deletingLastPathComponent() }) {
            try? FileManager.default.removeItem(at: directory)  // Best effort: /tmp is cleaned anyway.
        }
    }

    /// Waits until exactly one of `nodes` leads and the others follow it; returns the leader.
    static func leader(of nodes: [SynodServerProcess]) async -> SynodServerProcess? {
        var found: SynodServerProcess?
        _ = await waitUntil(timeout: .seconds(60)) {
            let states = nodes.map { $0.consensus() }
            let leaders = nodes.indices.filter { states[$0]?["raft_role"] == "leader" }
            guard leaders.count == 1 else { return false }
            let leaderID = String(nodes[leaders[0]].nodeID)
            guard states.allSatisfy({ $0?["raft_leader"] == leaderID }) else { return false }
            found = nodes[leaders[0]]
            return true
        }
        return found
    }

    /// A node whose event loop could not run for a while (here it is paused: SIGSTOP) counts
    /// the late tick, reports how late it was in INFO and /metrics, and logs a warning.
    @Test func aLoopThatRanLateIsCountedReportedAndLogged() async throws {
        let nodes = try Self.startCluster(count: 1)
        defer { Self.stop(nodes) }
        let node = nodes[0]
        #expect(await waitUntil { node.consensus()?["raft_role"] == "leader" }, "\(node.process.output)")
        // A busy machine may already have held the loop up while the node started: count from here.
        let stallsBefore = try #require(node.consensus()?["loop_stalls"].flatMap { Int($0) })
        node.process.send(signal: SIGSTOP)
        // The stimulus, not a wait for a result: the node is held still for 400 ms.
        let resumeAt = ContinuousClock.now + .milliseconds(400)
        while ContinuousClock.now < resumeAt { try await Task.sleep(for: .milliseconds(20)) }
        node.process.send(signal: SIGCONT)
        #expect(
            await waitUntil { (node.consensus()?["loop_stalls"]).flatMap { Int($0) } ?? 0 > stallsBefore },
            "\(node.consensus() as Any)"
        )
        let longest = try #require(node.consensus()?["loop_stall_longest_ms"].flatMap { Int($0) })
        #expect(longest >= 300, "\(longest) ms")
        #expect(await waitUntil { node.process.output.contains("ms late (busy or paused)") }, "\(node.process.output)")
        let metrics = httpGet(port: node.httpPort, path: "/metrics")?.body ?? ""
        #expect(metrics.contains("synod_loop_stalls_total "), "\(metrics)")
    }

    @Test func pythonsRedisClientWorksThroughAFollowerAndTheLeader() async throws {
        let nodes = try Self.startCluster(count: 3)
        defer { Self.stop(nodes) }
        let leader = try #require(await Self.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Clients/redis_py_client.py").path
        for (node, other) in [(follower, leader), (leader, follower)] {
            _ = node.command(["DEL", "py:k", "py:n", "py:counter", "py:user", "py:withdrawals", "py:tx"])
            let client = try ChildProcess(
                executable: "/usr/bin/python3",
                arguments: [script, String(node.clientPort), String(other.clientPort)]
            )
            #expect(client.waitForExit() == 0, "\(client.output)")
            #expect(client.output.contains("ok"), "\(client.output)")
        }
    }

    @Test func killingTheLeaderWhileWritingAndThenEveryNodeLosesNoAcknowledgedWrite() async throws {
        let nodes = try Self.startCluster(count: 3)
        defer { Self.stop(nodes) }
        var leader = try #require(await Self.leader(of: nodes), "\(nodes.map(\.process.output))")
        var acknowledged: [Int] = []
        var killed = false
        var attempt = 0
        while acknowledged.count < 300 && attempt < 20_000 {
            if acknowledged.count == 100 && !killed {
                leader.process.terminate()
                killed = true
            }
            // Any live node takes the write (followers forward it); the first OK counts.
            for node in nodes where node.process.isRunning {
                if node.command(["SET", "w\(attempt)", "\(attempt)"]) == .simpleString("OK") {
                    acknowledged.append(attempt)
                    break
                }
            }
            attempt += 1
        }
        #expect(acknowledged.count == 300, "\(nodes.map(\.process.output))")
        let survivors = nodes.filter { $0.process.isRunning }
        leader = try #require(await Self.leader(of: survivors))
        for key in acknowledged {
            #expect(leader.command(["GET", "w\(key)"]) == .bulkString(Array("\(key)".utf8)), "w\(key)")
        }

        // Every node down at once, then up again: nothing acknowledged is lost.
        for node in nodes { node.process.terminate() }
        for node in nodes { try node.restart() }
        let restarted = try #require(await Self.leader(of: nodes), "\(nodes.map(\.process.output))")
        for key in acknowledged {
            #expect(restarted.command(["GET", "w\(key)"]) == .bulkString(Array("\(key)".utf8)), "w\(key)")
        }
    }

    /// A client that asks for more than it reads is cut off at the output buffer limit; the
    /// node and its other clients are unaffected.
    @Test func aClientThatDoesNotReadIsDisconnectedAtTheOutputBufferLimit() async throws {
        let node = try Self.startCluster(count: 1, extraArguments: ["--client-output-buffer-limit", "1048576"])[0]
        defer { Self.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let value = String(repeating: "v", count: 512 << 10)
        #expect(node.command(["SET", "big", value]) == .simpleString("OK"))
        let greedy = try BlockingRESPConnection(port: node.clientPort)
        try greedy.sendOnly([["MGET"] + Array(repeating: "big", count: 40)])  // 20 MiB of reply, unread.
        let disconnected = await waitUntil {
            guard case .bulkString(let bytes?) = node.command(["INFO", "stats"]) else { return false }
            return String(decoding: bytes, as: UTF8.self).contains("client_output_buffer_limit_disconnections:1")
        }
        #expect(disconnected, "\(node.process.output)")
        #expect(throws: (any Error).self) { _ = try greedy.readNext() }
        #expect(node.command(["GET", "absent"]) == .bulkString(nil))
    }

    @Test func oneNodeServesKeepsItsDataAndStopsCleanly() async throws {
        let node = try Self.startCluster(count: 1)[0]
        defer { Self.stop([node]) }
        #expect(await waitUntil { node.command(["PING"]) == .simpleString("PONG") }, "\(node.process.output)")
        // A single node elects itself after one election timeout.
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let connection = try BlockingRESPConnection(port: node.clientPort)
        #expect(try connection.command(["SET", "greeting", "hello", "EX", "1000"]) == .simpleString("OK"))
        #expect(try connection.command(["INCRBY", "counter", "41"]) == .integer(41))
        let pipelined = try connection.pipeline((0..<200).map { _ in [Array("INCR".utf8), Array("counter".utf8)] })
        #expect(pipelined.last == .integer(241))
        #expect(try connection.command(["SET", "greeting", "x", "NX"]) == .bulkString(nil))
        #expect(
            try connection.command(["GETX", "a"])
                == .error("ERR unknown command 'GETX', with args beginning with: 'a' ")
        )

        // RESP3 end to end: HELLO 3 answers a map, and replies switch to RESP3 types.
        let resp3 = try BlockingRESPConnection(port: node.clientPort)
        guard case .map(let hello) = try resp3.command(["HELLO", "3"]) else {
            Issue.record("HELLO 3 did not answer a map")
            return
        }
        let fields = stride(from: 0, to: hello.count - 1, by: 2).map { (hello[$0], hello[$0 + 1]) }
        #expect(fields.contains { $0.0 == .bulkString(Array("proto".utf8)) && $0.1 == .integer(3) })
        #expect(try resp3.command(["GET", "absent"]) == .null)
        #expect(
            try resp3.command(["MGET", "greeting", "absent"]) == .array([.bulkString(Array("hello".utf8)), .null])
        )
        #expect(try resp3.command(["HELLO", "2"]) != .null)
        #expect(try resp3.command(["GET", "absent"]) == .bulkString(nil))

        // A peer speaking garbage is disconnected; the node goes on serving.
        let intruder = try BlockingRESPConnection(port: node.peerPort)
        #expect(throws: (any Error).self) { try intruder.sendRaw(Array("GET / HTTP/1.1\r\nHost: synod\r\n\r\n".utf8)) }
        // A client whose stream cannot be parsed gets Redis's error, then the connection closes.
        let confused = try BlockingRESPConnection(port: node.clientPort)
        #expect(try confused.sendRaw(Array("*x\r\n".utf8)) == .error("ERR Protocol error: invalid multibulk length"))
        #expect(node.command(["GET", "greeting"]) == .bulkString(Array("hello".utf8)))

        // COMMAND INFO and COMMAND DOCS come from the command registry.
        func bulk(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }
        #expect(
            node.command(["COMMAND", "DOCS", "GET", "NOSUCH"])
                == .array([
                    bulk("get"), .array([bulk("summary"), bulk("The value of a key."), bulk("group"), bulk("string")]),
                ])
        )
        let lockInfo = node.command(["COMMAND", "INFO", "LOCK.ACQUIRE"])
        #expect(
            lockInfo
                == .array([
                    .array([
                        bulk("lock.acquire"), .integer(-4),
                        .array([.simpleString("write"), .simpleString("blocking")]),
                        .integer(0), .integer(0), .integer(0),
                        .array([.simpleString("@write"), .simpleString("@slow"), .simpleString("@blocking")]),
                    ])
                ]),
            "\(String(describing: lockInfo))"
        )

        // The operator's endpoints.
        #expect(httpGet(port: node.httpPort, path: "/healthz")?.status == 200)
        #expect(httpGet(port: node.httpPort, path: "/readyz").map { $0.status == 200 && $0.body == "ready\n" } == true)
        let status = try #require(httpGet(port: node.httpPort, path: "/v1/status"))
        #expect(status.body.contains("\"node_id\":1") && status.body.contains("\"role\":\"leader\""), "\(status.body)")
        let metrics = try #require(httpGet(port: node.httpPort, path: "/metrics"))
        #expect(metrics.body.contains("synod_client_requests_total{kind=\"write\"}"), "\(metrics.body)")
        #expect(metrics.body.contains("synod_wal_fsyncs_total"), "\(metrics.body)")
        #expect(httpGet(port: node.httpPort, path: "/nope")?.status == 404)

        node.process.send(signal: SIGTERM)
        #expect(node.process.waitForExit() == 0, "\(node.process.output)")
        try node.restart()
        #expect(
            await waitUntil { node.command(["GET", "counter"]) == .bulkString(Array("241".utf8)) },
            "\(node.process.output)"
        )
        #expect(
            node.command(["TTL", "greeting"]).map { if case .integer(let ttl) = $0 { ttl > 900 } else { false } }
                == true
        )
    }

    @Test func aThreeNodeClusterFailsOverWithoutLosingAcknowledgedWrites() async throws {
        let nodes = try Self.startCluster(count: 3)
        defer { Self.stop(nodes) }
        let first = try #require(await Self.leader(of: nodes), "\(nodes.map(\.process.output))")
        let connection = try BlockingRESPConnection(port: first.clientPort)
        for index in 0..<50 {
            #expect(try connection.command(["SET", "key\(index)", "value\(index)"]) == .simpleString("OK"))
        }
        // Any node takes any command: a follower forwards it to the leader.
        let follower = try #require(nodes.first { $0 !== first })
        #expect(follower.command(["SET", "via-follower", "yes"]) == .simpleString("OK"))
        #expect(first.command(["GET", "via-follower"]) == .bulkString(Array("yes".utf8)))
        #expect(follower.command(["GET", "key7"]) == .bulkString(Array("value7".utf8)))
        #expect(follower.command(["INCR", "key7"]) == .error("ERR value is not an integer or out of range"))
        #expect(
            follower.command(["MGET", "key1", "nope"]) == .array([.bulkString(Array("value1".utf8)), .bulkString(nil)])
        )
        // READONLY: the follower answers from its own state (eventually it has every write).
        let stale = try BlockingRESPConnection(port: follower.clientPort)
        #expect(try stale.command(["READONLY"]) == .simpleString("OK"))
        #expect(await waitUntil { (try? stale.command(["GET", "via-follower"])) == .bulkString(Array("yes".utf8)) })
        let forwardedBefore = try #require(Self.forwardedCount(follower))
        for _ in 0..<5 { _ = try stale.command(["GET", "key3"]) }
        #expect(Self.forwardedCount(follower) == forwardedBefore, "READONLY reads were forwarded")
        #expect(try stale.command(["READWRITE"]) == .simpleString("OK"))
        _ = try stale.command(["GET", "key3"])
        #expect(Self.forwardedCount(follower) == forwardedBefore + 1)

        first.process.terminate()  // kill -9: no goodbye
        let survivors = nodes.filter { $0 !== first }
        let second = try #require(await Self.leader(of: survivors), "\(survivors.map(\.process.output))")
        for index in 0..<50 {
            #expect(second.command(["GET", "key\(index)"]) == .bulkString(Array("value\(index)".utf8)))
        }
        #expect(second.command(["SET", "after", "failover"]) == .simpleString("OK"))

        // The leader reports each peer's match index; the dead one has fallen behind.
        let status = try #require(httpGet(port: second.httpPort, path: "/v1/status"))
        #expect(status.body.contains("\"match_index\""), "\(status.body)")
        #expect(httpGet(port: second.httpPort, path: "/readyz")?.status == 200)

        // The old leader comes back as a follower and catches up.
        try first.restart()
        let caughtUp = await waitUntil(timeout: .seconds(60)) {
            guard let state = first.consensus(), let leaderState = second.consensus() else { return false }
            return state["raft_role"] == "follower" && state["raft_applied_index"] == leaderState["raft_commit_index"]
        }
        #expect(caughtUp, "\(first.process.output)")
        // The snapshot counters are reported (the log was short: it caught up without one).
        let counters = first.consensus()
        #expect(counters?["raft_snapshots_installed"] == "0", "\(counters ?? [:])")
        #expect(counters?["raft_snapshots_taken"].flatMap { Int($0) } != nil, "\(counters ?? [:])")
    }
}

struct DevCommandTests {
    @Test func devStartsAClusterThatServesAndStopsOnInterrupt() async throws {
        let directory = ServerProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }  // Best effort: /tmp is cleaned anyway.
        let clientPort = try freeLoopbackPort()
        let peerPort = try freeLoopbackPort()
        let httpPort = try freeLoopbackPort()
        let dev = try ChildProcess(
            executable: synodExecutablePath(),
            arguments: [
                "dev", "--nodes", "1", "--data-dir", directory, "--client-port-base", String(clientPort - 1),
                "--peer-port-base", String(peerPort - 1), "--http-port-base", String(httpPort - 1),
            ]
        )
        defer { dev.terminate() }
        let started = ContinuousClock.now
        let serving = await waitUntil {
            // Refused or TRYAGAIN until the node is up and has elected itself.
            (try? BlockingRESPConnection(port: clientPort).command(["SET", "k", "v"])) == .simpleString("OK")
        }
        #expect(serving, "\(dev.output)")
        #expect(dev.output.contains("redis-cli -p \(clientPort)"))
        // The parent only waits for its nodes: it must not spin a core doing so (Foundation's
        // waitUntilExit did, starving the nodes of a 2-core machine into elections).
        let client = try BlockingRESPConnection(port: clientPort)
        for round in 0..<200 { _ = try client.command(["SET", "k", String(round)]) }
        let elapsed = ContinuousClock.now - started
        let busy = try #require(try Self.cpuTime(of: dev.processIdentifier))
        #expect(busy < elapsed / 2, "the dev process was busy \(busy) of \(elapsed)")
        dev.send(signal: SIGINT)
        #expect(dev.waitForExit() == 0, "\(dev.output)")
        #expect(throws: (any Error).self) { try BlockingRESPConnection(port: clientPort) }
    }

    /// The CPU time (user and system) a process has used, from /proc.
    static func cpuTime(of pid: pid_t) throws -> Duration? {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let end = stat.lastIndex(of: ")") else { return nil }
        // After the command name: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return .milliseconds((user + system) * 1_000 / ticksPerSecond)
    }
}
