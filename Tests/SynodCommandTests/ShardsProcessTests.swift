import Foundation
import SynodTestSupport
import Testing

/// A real 3-node cluster of 3 shards (`--initial-shards 3`): each shard a consensus group on
/// every node, its keys in its own range of slots, and every node serving every command.
@Suite(.serialized)
struct ShardsProcessTests {
    static let shards = 3

    /// Each shard's line of INFO consensus on `node`, by shard: "slots=...,role=...,leader=...".
    static func shardLines(_ node: SynodServerProcess) -> [[String: String]]? {
        guard let fields = node.consensus() else { return nil }
        return (0..<shards).compactMap { shard in
            fields["shard\(shard)"].map { line in
                Dictionary(
                    uniqueKeysWithValues: line.split(separator: ",").compactMap { part -> (String, String)? in
                        let pair = part.split(separator: "=", maxSplits: 1)
                        return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
                    }
                )
            }
        }
    }

    /// Until every shard has a leader that every node knows.
    static func waitForShardLeaders(_ nodes: [SynodServerProcess]) async -> Bool {
        await waitUntil(timeout: .seconds(60)) {
            let lines = nodes.map { shardLines($0) }
            guard lines.allSatisfy({ $0?.count == shards }) else { return false }
            return (0..<shards).allSatisfy { shard in
                let leaders = Set(lines.map { $0![shard]["leader"] ?? "none" })
                return leaders.count == 1 && leaders.first != "none"
            }
        }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Whether a reply says the command was not carried out (TRYAGAIN: a shard's leader changed,
    /// which a loaded machine sees now and then) or may not have been (UNCERTAIN): this test
    /// sends only commands it may send again.
    static func isRefusal(_ reply: RESPReply) -> Bool {
        reply.isError(prefix: "TRYAGAIN") || reply.isError(prefix: "UNCERTAIN")
    }

    /// `words`' reply, the command sent again while it is refused.
    static func reliably(_ connection: BlockingRESPConnection, _ words: [String]) async throws -> RESPReply {
        var reply = try connection.command(words)
        _ = try await waitUntil(timeout: .seconds(60)) {
            guard isRefusal(reply) else { return true }
            reply = try connection.command(words)
            return !isRefusal(reply)
        }
        return reply
    }

    /// MULTI, `commands`, EXEC: EXEC's reply, the transaction sent again while it is refused.
    static func transaction(_ connection: BlockingRESPConnection, _ commands: [[String]]) async throws -> RESPReply {
        func once() throws -> RESPReply {
            _ = try connection.command(["MULTI"])
            for command in commands { _ = try connection.command(command) }
            return try connection.command(["EXEC"])
        }
        var reply = try once()
        _ = try await waitUntil(timeout: .seconds(60)) {
            guard isRefusal(reply) else { return true }
            reply = try once()
            return !isRefusal(reply)
        }
        return reply
    }

    @Test func keysSpreadOverTheShardsAndEveryNodeServesThemAll() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3, extraArguments: ["--initial-shards", "3"])
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForShardLeaders(nodes), "\(nodes.map(\.process.output))")

        // 300 keys, each written through one node and read back through another.
        let keys = (0..<300).map { "key:\($0)" }
        for (node, offset) in zip(nodes, 0..<3) {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            let mine = keys.enumerated().filter { $0.offset % 3 == offset }.map(\.element)
            let replies = try connection.pipeline(
                mine.map { [Self.bytes("SET"), Self.bytes($0), Self.bytes("v-" + $0)] }
            )
            for (key, reply) in zip(mine, replies) where reply != .simpleString("OK") {
                #expect(try await Self.reliably(connection, ["SET", key, "v-" + key]) == .simpleString("OK"))
            }
        }
        for (node, offset) in zip(nodes, 0..<3) {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            let theirs = keys.enumerated().filter { $0.offset % 3 != offset }.map(\.element)
            let replies = try connection.pipeline(theirs.map { [Self.bytes("GET"), Self.bytes($0)] })
            for (key, reply) in zip(theirs, replies) {
                let answer = Self.isRefusal(reply) ? try await Self.reliably(connection, ["GET", key]) : reply
                #expect(answer == .bulkString(Self.bytes("v-" + key)))
            }
            #expect(try await Self.reliably(connection, ["DBSIZE"]) == .integer(300))
        }
        // Every shard holds some of them, on every node once applied.
        #expect(
            await waitUntil {
                nodes.allSatisfy { node in
                    Self.shardLines(node)?.map { Int($0["keys"] ?? "") ?? 0 }.reduce(0, +) == 300
                        && Self.shardLines(node)?.allSatisfy { (Int($0["keys"] ?? "") ?? 0) > 50 } == true
                }
            },
            "\(nodes.map { Self.shardLines($0) ?? [] })"
        )

        // A plain client is forwarded (above); one that says it follows redirections is sent to
        // the leader of the key's shard ("foo" is in the third).
        var redirected = RESPReply.null
        #expect(
            try await waitUntil(timeout: .seconds(60)) {
                guard let leader = Self.shardLines(nodes[0])?[2]["leader"],
                    let leading = nodes.first(where: { "\($0.nodeID)" == leader }),
                    let other = nodes.first(where: { $0 !== leading })
                else { return false }
                let aware = try BlockingRESPConnection(port: other.clientPort)
                guard try aware.command(["CLIENT", "CAPA", "redirect"]) == .simpleString("OK") else { return false }
                redirected = try aware.command(["GET", "foo"])
                return redirected == .error("MOVED 12182 127.0.0.1:\(leading.clientPort)")
            },
            "\(redirected)"
        )

        let connection = try BlockingRESPConnection(port: nodes[1].clientPort)
        // KEYS and SCAN see the keys of every shard; SCAN's cursor walks them one after the other.
        let found = try await Self.reliably(connection, ["KEYS", "key:*"])
        guard case .array(let found?) = found else {
            Issue.record("KEYS answered \(found)")
            return
        }
        #expect(found.count == 300)
        var scanned: [String] = []
        var cursor = "0"
        var pages = 0
        repeat {
            let reply = try await Self.reliably(connection, ["SCAN", cursor, "COUNT", "20"])
            guard case .array(let page?) = reply, page.count == 2, case .bulkString(let next?) = page[0],
                case .array(let names?) = page[1]
            else {
                Issue.record("SCAN answered \(reply)")
                return
            }
            cursor = String(decoding: next, as: UTF8.self)
            for case .bulkString(let name?) in names { scanned.append(String(decoding: name, as: UTF8.self)) }
            pages += 1
        } while cursor != "0" && pages < 10_000
        #expect(scanned.count == 300 && Set(scanned) == Set(keys), "\(scanned.count) keys scanned in \(pages) pages")
        let random = try await Self.reliably(connection, ["RANDOMKEY"])
        if case .bulkString(let random?) = random {
            #expect(keys.contains(String(decoding: random, as: UTF8.self)))
        } else {
            Issue.record("RANDOMKEY answered \(random)")
        }

        // Keys of one request must share a shard, as Redis Cluster's must share a slot; a hash
        // tag puts them together. "foo" is in slot 12182 (the third shard), "bar" in 5061.
        let crossSlot = RESPReply.error("CROSSSLOT Keys in request don't hash to the same slot")
        #expect(try connection.command(["MSET", "foo", "a", "bar", "b"]) == crossSlot)
        #expect(
            try await Self.reliably(connection, ["MSET", "{user7}:a", "1", "{user7}:b", "2"]) == .simpleString("OK")
        )
        #expect(
            try await Self.reliably(connection, ["MGET", "{user7}:a", "{user7}:b"])
                == .array([.bulkString(Self.bytes("1")), .bulkString(Self.bytes("2"))])
        )
        // A transaction is one entry of one shard's log: one of two shards' keys discards it.
        #expect(try connection.command(["MULTI"]) == .simpleString("OK"))
        #expect(try connection.command(["SET", "foo", "x"]) == .simpleString("QUEUED"))
        #expect(try connection.command(["SET", "bar", "y"]) == crossSlot)
        #expect(
            try connection.command(["EXEC"]) == .error("EXECABORT Transaction discarded because of previous errors.")
        )
        #expect(
            try await Self.transaction(connection, [["SET", "{user7}:a", "3"], ["GETSET", "{user7}:b", "4"]])
                == .array([.simpleString("OK"), .bulkString(Self.bytes("2"))])
        )

        // maxmemory is the node's: each shard keeps a share, and the shares add up.
        #expect(try await Self.reliably(connection, ["CONFIG", "SET", "maxmemory", "300001"]) == .simpleString("OK"))
        let other = try BlockingRESPConnection(port: nodes[2].clientPort)
        #expect(
            try await Self.reliably(other, ["CONFIG", "GET", "maxmemory"])
                == .array([.bulkString(Self.bytes("maxmemory")), .bulkString(Self.bytes("300001"))])
        )
        // Revision watches follow one shard's revisions: refused, clearly, with several.
        guard case .error(let refusal) = try connection.command(["WATCH.KEY", "key:1"]) else {
            Issue.record("WATCH.KEY was not refused")
            return
        }
        #expect(refusal.contains("3 shards"))

        #expect(try await Self.reliably(other, ["FLUSHALL"]) == .simpleString("OK"))
        #expect(try await Self.reliably(connection, ["DBSIZE"]) == .integer(0))
    }

    /// Each shard's leader as CLUSTER SLOTS on `node` names it: the client port of each range's
    /// master, in shard order; nil until the node describes 3 ranges.
    static func slotMasters(_ node: SynodServerProcess) -> [Int]? {
        guard case .array(let ranges?) = node.command(["CLUSTER", "SLOTS"]), ranges.count == shards else { return nil }
        let division = (0..<shards).map { shard in
            (shard * 16384 + shards - 1) / shards..<((shard + 1) * 16384 + shards - 1) / shards
        }
        var masters: [Int] = []
        for (range, slots) in zip(ranges, division) {
            guard case .array(let fields?) = range, fields.count == 5,
                fields[0] == .integer(Int64(slots.lowerBound)), fields[1] == .integer(Int64(slots.upperBound - 1)),
                case .array(let master?) = fields[2], master.count == 3, case .integer(let port) = master[1]
            else { return nil }
            masters.append(Int(port))
        }
        return masters
    }

    /// Cluster-aware clients: CLUSTER SLOTS names each shard's leader as its range's master;
    /// with `--cluster-redirects` a node that does not lead a key's shard answers MOVED to the
    /// one that does, which redis-cli -c follows; redis-py's RedisCluster routes every key to
    /// its shard's leader.
    @Test func clusterAwareClientsGoToEachShardsLeader() async throws {
        let nodes = try ServerProcessTests.startCluster(
            count: 3,
            extraArguments: ["--initial-shards", "3", "--cluster-redirects"]
        )
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForShardLeaders(nodes), "\(nodes.map(\.process.output))")
        // Every node names the same masters, each the leader INFO consensus reports, and the
        // leaders spread: each node leads one shard (`LeaderPlacement`), whichever nodes the
        // first elections chose.
        var masters: [[Int]?] = []
        #expect(
            await waitUntil(timeout: .seconds(60)) {
                masters = nodes.map { Self.slotMasters($0) }
                guard let first = masters[0], masters.allSatisfy({ $0 == first }), Set(first).count == 3,
                    let lines = Self.shardLines(nodes[0])
                else { return false }
                return zip(first, lines).allSatisfy { port, line in
                    nodes.first { $0.clientPort == port }.map { "\($0.nodeID)" } == line["leader"]
                }
            },
            "\(masters)"
        )
        // "foo" is in slot 12182, the third shard's: a node that does not lead it answers MOVED
        // to the one that does (asked again should its leader change meanwhile).
        var moved = RESPReply.null
        #expect(
            try await waitUntil(timeout: .seconds(60)) {
                guard let third = Self.slotMasters(nodes[0])?[2],
                    let other = nodes.first(where: { $0.clientPort != third })
                else { return false }
                moved = try BlockingRESPConnection(port: other.clientPort).command(["SET", "foo", "bar"])
                return moved == .error("MOVED 12182 127.0.0.1:\(third)")
            },
            "\(moved)"
        )
        let elsewhere = nodes.first { $0.clientPort != Self.slotMasters(nodes[0])?[2] } ?? nodes[0]
        let plain = try BlockingRESPConnection(port: elsewhere.clientPort)
        #expect(try plain.command(["CLUSTER", "KEYSLOT", "foo"]) == .integer(12_182))
        // A command naming no key is served by any node.
        guard case .integer = try await Self.reliably(plain, ["DBSIZE"]) else {
            Issue.record("DBSIZE was not served")
            return
        }

        let follow = try ChildProcess(
            executable: "/usr/bin/redis-cli",
            arguments: ["-c", "-p", "\(elsewhere.clientPort)", "SET", "foo", "followed"]
        )
        #expect(follow.waitForExit() == 0 && follow.output.contains("OK"), "\(follow.output)")
        let read = try ChildProcess(
            executable: "/usr/bin/redis-cli",
            arguments: ["-c", "-p", "\(elsewhere.clientPort)", "GET", "foo"]
        )
        #expect(read.waitForExit() == 0 && read.output.contains("followed"), "\(read.output)")

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Clients/redis_py_cluster_client.py").path
        let client = try ChildProcess(
            executable: "/usr/bin/python3",
            arguments: [script, String(elsewhere.clientPort), String(Self.shards)]
        )
        #expect(client.waitForExit() == 0, "\(client.output)")
        #expect(client.output.contains("ok"), "\(client.output)")
        // Its 102 keys, and foo.
        #expect(try await Self.reliably(plain, ["DBSIZE"]) == .integer(103))
    }

    /// A shard's preferred leader killed and started again: another node leads meanwhile, then
    /// hands leadership back once the restarted node has caught up, while a writer keeps
    /// writing the shard's keys through a third node; every write acknowledged is there after.
    @Test func leadershipReturnsToThePreferredNodeUnderWrites() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3, extraArguments: ["--initial-shards", "3"])
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForShardLeaders(nodes), "\(nodes.map(\.process.output))")
        // The first shard's preferred leader, once it leads.
        var preferred: SynodServerProcess?
        #expect(
            await waitUntil(timeout: .seconds(60)) {
                guard let line = Self.shardLines(nodes[0])?.first, let wanted = line["preferred_leader"],
                    line["leader"] == wanted
                else { return false }
                preferred = nodes.first { "\($0.nodeID)" == wanted }
                return true
            },
            "\(nodes.map { Self.shardLines($0) ?? [] })"
        )
        let returning = try #require(preferred)
        let writer = try #require(nodes.first { $0 !== returning })
        let observer = try #require(nodes.first { $0 !== returning && $0 !== writer })
        returning.process.terminate()
        // Keys tagged "{b}" are in slot 3300: the first shard's.
        let tag = "{b}"
        #expect(returning.command(["CLUSTER", "KEYSLOT", tag]) == nil)
        #expect(writer.command(["CLUSTER", "KEYSLOT", tag]) == .integer(3300))
        #expect(
            await waitUntil(timeout: .seconds(60)) {
                guard let leader = Self.shardLines(observer)?.first?["leader"] else { return false }
                return leader != "none" && leader != "\(returning.nodeID)"
            }
        )
        try returning.restart()
        let connection = try BlockingRESPConnection(port: writer.clientPort)
        var acknowledged: [String] = []
        var refused: [RESPReply] = []
        var number = 0
        // Write until the restarted node leads its shard again, and a while after.
        var handedBackAt: Int?
        _ = try await waitUntil(timeout: .seconds(90)) {
            let key = "\(tag):\(number)"
            let reply = try connection.command(["SET", key, "\(number)"])
            if reply == .simpleString("OK") { acknowledged.append(key) } else { refused.append(reply) }
            number += 1
            if handedBackAt == nil, Self.shardLines(observer)?.first?["leader"] == "\(returning.nodeID)" {
                handedBackAt = number
            }
            return handedBackAt.map { number >= $0 + 200 } ?? false
        }
        #expect(handedBackAt != nil, "\(nodes.map { Self.shardLines($0) ?? [] })")
        let handovers = nodes.compactMap { Self.shardLines($0)?.first?["handovers"] }.compactMap(Int.init)
        #expect(handovers.reduce(0, +) >= 1, "\(handovers)")
        // No write was refused: the handover waits for the new leader rather than refuse, and
        // the restarted node rejoined as a follower (TRYAGAIN or UNCERTAIN would say not).
        #expect(refused.isEmpty, "\(refused.count) of \(number) writes refused: \(refused.prefix(3))")
        let reader = try BlockingRESPConnection(port: returning.clientPort)
        for key in acknowledged {
            let value = String(key.dropFirst(tag.count + 1))
            #expect(try await Self.reliably(reader, ["GET", key]) == .bulkString(Self.bytes(value)), "\(key)")
        }
    }

    /// Idle shards hibernate (no heartbeats) on every node, and a shard whose leader's node
    /// dies while it hibernates still elects a new leader: the other nodes hear nothing more
    /// from that node and wake its groups. Every write after the kill succeeds.
    @Test func idleShardsHibernateAndWakeWhenTheirLeaderDies() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3, extraArguments: ["--initial-shards", "3"])
        defer { ServerProcessTests.stop(nodes) }
        #expect(await Self.waitForShardLeaders(nodes), "\(nodes.map(\.process.output))")
        #expect(
            await waitUntil(timeout: .seconds(60)) {
                nodes.allSatisfy { $0.consensus()?["hibernating_shards"] == "\(Self.shards)" }
            },
            "\(nodes.map { $0.consensus() ?? [:] })"
        )
        // The node that leads the first shard dies while every shard hibernates.
        let leaderID = try #require(Self.shardLines(nodes[0])?.first?["leader"])
        let dead = try #require(nodes.first { "\($0.nodeID)" == leaderID })
        let survivors = nodes.filter { $0 !== dead }
        dead.process.terminate()
        try #require(
            await waitUntil(timeout: .seconds(60)) {
                survivors.allSatisfy { node in
                    guard let lines = Self.shardLines(node), lines.count == Self.shards else { return false }
                    return lines.allSatisfy { $0["leader"] != "none" && $0["leader"] != leaderID }
                }
            },
            "\(survivors.map { Self.shardLines($0) ?? [] })"
        )
        let connection = try BlockingRESPConnection(port: survivors[0].clientPort)
        for number in 0..<60 {
            #expect(try await Self.reliably(connection, ["SET", "key:\(number)", "\(number)"]) == .simpleString("OK"))
        }
        let reader = try BlockingRESPConnection(port: survivors[1].clientPort)
        #expect(try await Self.reliably(reader, ["DBSIZE"]) == .integer(60))
    }

    /// A read wakes hibernating groups without costing an election: each shard's term stays
    /// the same over rounds of DBSIZE (a read of every shard) sent to every node once all the
    /// groups hibernate again. A woken leader must not count the ticks it was owed while quiet
    /// against its followers' first answers; with 64 shards woken at once, those answers are
    /// often not back by the next tick. Ticks of 100 ms (an election timeout of 1 s), so that
    /// only a loop stalled for a second could cost an election here.
    @Test func hibernatingShardsAnswerReadsWithoutAnElection() async throws {
        let shards = 64
        let nodes = try ServerProcessTests.startCluster(
            count: 3,
            extraArguments: [
                "--initial-shards", "\(shards)", "--tick-milliseconds", "100", "--hibernate-after-ticks", "5",
            ]
        )
        defer { ServerProcessTests.stop(nodes) }
        try #require(await waitUntil(timeout: .seconds(60)) { nodes.allSatisfy { $0.consensus() != nil } })
        let writer = try BlockingRESPConnection(port: nodes[0].clientPort)
        for number in 0..<30 {
            #expect(try await Self.reliably(writer, ["SET", "key:\(number)", "\(number)"]) == .simpleString("OK"))
        }
        /// Each shard's line of INFO consensus on the first node, as "field=value" parts.
        func lines() -> [[Substring]] {
            let fields = nodes[0].consensus() ?? [:]
            return (0..<shards).map { (fields["shard\($0)"] ?? "").split(separator: ",") }
        }
        func field(_ name: String, _ line: [Substring]) -> Substring? {
            line.first { $0.hasPrefix(name + "=") }?.dropFirst(name.count + 1)
        }
        /// Every group hibernates on every node, each led by its preferred node (no handover
        /// left to come).
        func settled() async -> Bool {
            await waitUntil(timeout: .seconds(90)) {
                nodes.allSatisfy { $0.consensus()?["hibernating_shards"] == "\(shards)" }
                    && lines().allSatisfy {
                        field("leader", $0) != nil && field("leader", $0) == field("preferred_leader", $0)
                    }
            }
        }
        try #require(await settled(), "\(nodes.map { $0.consensus() ?? [:] })")
        let before = lines().map { field("term", $0) }
        let connections = try nodes.map { try BlockingRESPConnection(port: $0.clientPort) }
        for round in 0..<10 {
            try #require(await settled(), "round \(round): \(nodes.map { $0.consensus() ?? [:] })")
            let connection = connections[round % connections.count]
            #expect(try connection.command(["DBSIZE"]) == .integer(30), "round \(round)")
        }
        #expect(lines().map { field("term", $0) } == before)
    }

    /// A node keeps the shard count its cluster was founded with: started with another, it
    /// refuses to start rather than look for keys in the wrong shards.
    @Test func aNodeStartedWithAnotherShardCountRefusesItsData() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 1, extraArguments: ["--initial-shards", "3"])
        defer { ServerProcessTests.stop(nodes) }
        let node = nodes[0]
        #expect(await waitUntil { node.command(["SET", "k", "v"]) == .simpleString("OK") }, "\(node.process.output)")
        node.process.terminate()
        let other = try ChildProcess(
            executable: synodExecutablePath(),
            arguments: [
                "server", "--node-id", "1", "--data-dir", node.dataDirectory, "--client-addr",
                "127.0.0.1:\(node.clientPort)", "--peer-addr", "127.0.0.1:\(node.peerPort)", "--http-addr",
                "127.0.0.1:\(node.httpPort)", "--initial-cluster", node.initialCluster, "--initial-shards", "2",
            ]
        )
        #expect(other.waitForExit() != 0)
        #expect(
            other.output.contains("keeps the shard count and replicas its cluster was founded with"),
            "\(other.output)"
        )
        // Started as founded, it has its keys.
        try node.restart()
        #expect(
            await waitUntil { node.command(["GET", "k"]) == .bulkString(Self.bytes("v")) },
            "\(node.process.output)"
        )
    }
}
