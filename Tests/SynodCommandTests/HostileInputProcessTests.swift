import Foundation
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRaft
import SynodTestSupport
import Testing

/// Input as attackers and buggy clients send it, on a real three-node cluster: after every
/// case each node is alive, the cluster is writable, and it is writable again after every
/// node restarts (nothing poisoned the log).
@Suite(.serialized)
struct HostileInputProcessTests {
    /// A write as a follower forwards it, with its own session.
    static func forwardedWrite(_ command: KeyValueCommand) -> ForwardedRequest {
        .write(KeyValueEntry(requestID: 1, timeMilliseconds: 0, command: command, session: 77))
    }

    static let requestBytesMax = 1 << 20

    @Test func noInputStopsANodeAndTheClusterStaysWritableThroughRestarts() async throws {
        let nodes = try ServerProcessTests.startCluster(
            count: 3,
            extraArguments: ["--max-request-bytes", String(Self.requestBytesMax)]
        )
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })

        for node in [leader, follower] { try await Self.clientAttacks(node) }
        await Self.expectAliveAndWritable(nodes, key: "after-client-attacks")
        #expect(
            await waitUntil { Self.readLocally(follower, "big") == 1_000_000 },
            "the largest allowed value reaches the followers"
        )

        let term = try #require(leader.consensus()?["raft_term"].flatMap { UInt64($0) })
        for target in [leader, follower] { try Self.peerAttacks(on: target, term: term, cluster: nodes) }
        #expect(await ServerProcessTests.leader(of: nodes) != nil, "\(nodes.map(\.process.output))")
        await Self.expectAliveAndWritable(nodes, key: "after-peer-attacks")

        // Every node restarts from what it wrote: nothing in the log traps on replay.
        for node in nodes {
            node.process.send(signal: SIGTERM)
            #expect(node.process.waitForExit() == 0, "\(node.process.output)")
        }
        for node in nodes { try node.restart() }
        #expect(await ServerProcessTests.leader(of: nodes) != nil, "\(nodes.map(\.process.output))")
        await Self.expectAliveAndWritable(nodes, key: "after-restart")
        let again = try #require(await ServerProcessTests.leader(of: nodes))
        #expect(again.command(["GET", "after-peer-attacks"]) == .bulkString(Array("written".utf8)))
        #expect(again.command(["STRLEN", "big"]) == .integer(1_000_000))
    }

    /// With a cluster secret, the cluster works, and a connection to the peer port that does
    /// not prove the secret is closed before any frame it sends is read.
    @Test func peersWithoutTheClusterSecretAreRefused() async throws {
        let secretFile = ServerProcessTests.temporaryDirectory() + "-secret"
        try "a secret only the members know\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secretFile) }  // Best effort: /tmp is cleaned anyway.
        let nodes = try ServerProcessTests.startCluster(
            count: 3,
            extraArguments: ["--cluster-secret-file", secretFile]
        )
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        #expect(follower.command(["SET", "through-follower", "1"]) == .simpleString("OK"))

        // A forged forwarded write sent without a handshake is never obeyed.
        let forged = PeerFrame.encodeForwarded(
            Self.forwardedWrite(.redis(words: ["SET", "pwned", "1"].map { Array($0.utf8) })),
            from: NodeID(UInt64(follower.nodeID)),
            requestID: 1,
            group: GroupID(1)
        )
        let intruder = try BlockingRESPConnection(port: leader.peerPort, replyTimeoutSeconds: 10)
        let challenge = try intruder.readBytes(count: Self.challengeCount)
        #expect(Array(challenge.prefix(4)) == [0x53, 0x59, 0x4E, 0x48], "a challenge starts with SYNH")
        try intruder.sendBytes(forged)
        #expect(throws: (any Error).self, "the connection closes") { try intruder.readBytes(count: 1) }

        // A response that does not prove the secret is refused the same way.
        let guesser = try BlockingRESPConnection(port: leader.peerPort, replyTimeoutSeconds: 10)
        let guessed = try guesser.readBytes(count: Self.challengeCount)
        var response = Self.response(to: guessed, claiming: NodeID(UInt64(follower.nodeID)), of: leader)
        response += try Self.incarnation(of: follower)
        response += [UInt8](repeating: 7, count: 64)
        try guesser.sendBytes(response + forged)
        #expect(throws: (any Error).self, "the connection closes") { try guesser.readBytes(count: 1) }

        #expect(leader.command(["EXISTS", "pwned"]) == .integer(0))
        #expect(leader.command(["SET", "still", "writable"]) == .simpleString("OK"))
        #expect((Self.droppedCount(leader) ?? 0) >= 2)
    }

    /// A member whose data directory was lost starts again empty, with a new incarnation: the
    /// others refuse its connections (it would vote again in terms it had voted in, and
    /// acknowledge entries it no longer has), say why, and go on without it.
    @Test func aMemberThatLostItsDataIsKeptOutUntilReAdded() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let victim = try #require(nodes.first { $0 !== leader })
        #expect(leader.command(["SET", "before", "1"]) == .simpleString("OK"))
        #expect(await waitUntil { Self.readLocally(victim, "before") == 1 }, "the victim took part before")
        victim.process.terminate()
        try FileManager.default.removeItem(atPath: victim.dataDirectory)
        try victim.restart()
        #expect(
            await waitUntil { leader.process.output.contains("started again without its data") },
            "\(leader.process.output)"
        )
        // The victim's own log says why it cannot rejoin.
        #expect(
            await waitUntil { victim.process.output.contains("refuses this node's peer connections") },
            "\(victim.process.output)"
        )
        // The others go on; the victim may hear them, but nothing it sends (an acknowledgement,
        // a vote) is taken.
        #expect(leader.command(["SET", "after", "1"]) == .simpleString("OK"))
        #expect((Self.droppedCount(leader) ?? 0) >= 1)
    }

    // MARK: - The client port

    static func clientAttacks(_ node: SynodServerProcess) async throws {
        // Header integers at the 64-bit limits.
        for (raw, error) in [
            ("*9223372036854775808\r\n", "ERR Protocol error: invalid multibulk length"),
            ("*-9223372036854775809\r\n", "ERR Protocol error: invalid multibulk length"),
            ("*1\r\n$9223372036854775808\r\n", "ERR Protocol error: invalid bulk length"),
            ("*1\r\n$-9223372036854775808\r\n", "ERR Protocol error: invalid bulk length"),
        ] {
            let connection = try BlockingRESPConnection(port: node.clientPort)
            #expect(try connection.sendRaw(Array(raw.utf8)) == .error(error), "\(raw)")
            #expect(throws: (any Error).self, "the connection closes after a protocol error") {
                try connection.readNext()
            }
        }

        // A pattern that a recursive matcher would not survive. CONFIG GET reads maxmemory
        // through the group, so on a loaded machine a term change may answer it TRYAGAIN (not
        // served: asked again); anything but an array or that is a failure.
        let client = try BlockingRESPConnection(port: node.clientPort)
        let stars = String(repeating: "*", count: 1_000_000)
        var starsReply = try client.command(["CONFIG", "GET", stars])
        let answered = try await waitUntil {
            if case .array = starsReply { return true }
            guard starsReply.isError(prefix: "TRYAGAIN") else { return false }
            starsReply = try client.command(["CONFIG", "GET", stars])
            if case .array = starsReply { return true }
            return false
        }
        guard answered else {
            Issue.record("CONFIG GET with a million stars answered \(String(describing: starsReply).prefix(300))")
            return
        }

        // Integers at their limits in every command that takes one: each gets an answer.
        // On a slow machine (tests run a debug build) a heavy request may cost an election:
        // retrying is fine, a dead node is not.
        for words in [["SET", "n", "1"], ["SET", "s", "hello"], ["HSET", "h", "f", "1"]] {
            #expect(
                try await waitUntil {
                    let reply = try client.command(words)
                    return reply == .simpleString("OK") || reply == .integer(1) || reply == .integer(0)
                },
                "\(words)"
            )
        }
        let limits = ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "-1", "0"]
        for limit in limits {
            for words in [
                ["SETRANGE", "s", limit, "x"], ["GETRANGE", "s", limit, limit], ["GETRANGE", "s", "0", limit],
                ["INCRBY", "n", limit], ["DECRBY", "n", limit], ["HINCRBY", "h", "f", limit],
                ["EXPIRE", "n", limit], ["PEXPIRE", "n", limit], ["EXPIREAT", "n", limit], ["PEXPIREAT", "n", limit],
                ["SET", "t", "v", "EX", limit], ["SET", "t", "v", "PX", limit], ["SET", "t", "v", "EXAT", limit],
                ["SET", "t", "v", "PXAT", limit], ["SETEX", "t", limit, "v"], ["PSETEX", "t", limit, "v"],
                ["GETEX", "s", "EX", limit], ["GETEX", "s", "PXAT", limit], ["INCRBYFLOAT", "n", limit],
                ["SCAN", limit, "COUNT", limit], ["HSCAN", "h", limit, "COUNT", limit], ["SELECT", limit],
                ["LEASE.GRANT", limit], ["LOCK.ACQUIRE", "l", "me", limit], ["LOCK.ACQUIRE", "l", "me", "1000", limit],
                ["OBJECT", "FREQ", limit], ["RANDOMKEY"], ["KEYS", "*"],
            ] {
                guard let reply = try? client.command(words) else {
                    Issue.record("no reply to \(words)")
                    return
                }
                _ = reply  // Any answer will do; the node must answer and stay up.
            }
            #expect(try await waitUntil { try client.command(["SET", "n", "1"]) == .simpleString("OK") })
        }
        if case .error = try client.command(["SETRANGE", "s", "9223372036854775807", "x"]) {
        } else {
            Issue.record("SETRANGE at the largest offset was accepted")
        }
        for words in [["GETEX"], ["SCAN"], ["SETRANGE", "s"], ["GETRANGE"]] {
            guard case .error = try client.command(words) else {
                Issue.record("\(words) was not refused")
                return
            }
        }

        // One request limit: the largest allowed value is stored and replicated; a larger one
        // is read past, refused with a clear error, and the connection goes on.
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 1_000_000)
        #expect(
            try await waitUntil {
                try client.pipeline([[Array("SET".utf8), Array("big".utf8), value]]) == [.simpleString("OK")]
            }
        )
        let tooBig = try BlockingRESPConnection(port: node.clientPort)
        let oversized = [UInt8](repeating: UInt8(ascii: "w"), count: requestBytesMax)
        #expect(
            try tooBig.pipeline([
                [Array("SET".utf8), Array("big".utf8), oversized], [Array("GET".utf8), Array("big".utf8)],
            ]) == [.error("ERR request larger than max-request-bytes (\(requestBytesMax) bytes)"), .bulkString(value)]
        )
        // A transaction is one entry: its queue obeys the same limit.
        let half = [UInt8](repeating: UInt8(ascii: "h"), count: requestBytesMax / 2 + 1)
        let replies = try client.pipeline([
            [Array("MULTI".utf8)], [Array("SET".utf8), Array("a".utf8), half],
            [Array("SET".utf8), Array("b".utf8), half], [Array("EXEC".utf8)],
        ])
        #expect(replies[1] == .simpleString("QUEUED"))
        #expect(replies[3] == .error("EXECABORT Transaction discarded because of previous errors."), "\(replies)")

        // HTTP sent to the client port (a web page's POST) is not obeyed: the connection closes.
        let browser = try BlockingRESPConnection(port: node.clientPort)
        #expect(throws: (any Error).self) {
            try browser.sendRaw(Array("POST / HTTP/1.1\r\nHost: localhost\r\n\r\nSET pwned 1\r\n".utf8))
        }
        // (Asked until answered: on a loaded machine a read may meet a leader change.)
        #expect(await waitUntil { node.command(["EXISTS", "pwned"]) == .integer(0) })
    }

    // MARK: - The peer port

    /// Forged frames from a process that is not a member (the peer port has no other
    /// authentication in this cluster) and with member ids it does not own.
    static func peerAttacks(on target: SynodServerProcess, term: UInt64, cluster: [SynodServerProcess]) throws {
        let group = GroupID(1)
        let me = NodeID(UInt64(target.nodeID))
        let otherNode = cluster.first { $0 !== target }!
        let other = NodeID(UInt64(otherNode.nodeID))
        func message(from: NodeID, term: UInt64, _ body: RaftMessage.Body) -> [UInt8] {
            PeerFrame.encode(RaftMessage(from: from, to: me, term: Term(term), body: body), group: group)
        }
        let entry = LogEntry(term: Term(term), index: LogIndex(1), payload: .noop)
        var frames: [[UInt8]] = [
            message(
                from: other,
                term: term,
                .append(previousIndex: LogIndex(.max), previousTerm: Term(term), entries: [], commit: LogIndex(.max))
            ),
            message(
                from: other,
                term: term,
                .append(previousIndex: LogIndex(.max - 1), previousTerm: Term(term), entries: [entry], commit: .zero)
            ),
            message(from: me, term: term + 1, .preVote(lastIndex: LogIndex(.max), lastTerm: Term(.max))),
            message(from: me, term: term, .heartbeat(commit: LogIndex(.max), leaderTick: .max, readRound: .max)),
            message(from: other, term: term, .heartbeat(commit: LogIndex(.max), leaderTick: .max, readRound: .max)),
            message(
                from: other,
                term: .max,
                .vote(lastIndex: LogIndex(.max), lastTerm: Term(.max), leadershipTransfer: true)
            ),
            message(from: NodeID(99), term: term, .appendResponse(.accepted(matchIndex: LogIndex(.max)))),
            message(from: other, term: term, .appendResponse(.accepted(matchIndex: LogIndex(.max)))),
            message(
                from: other,
                term: term,
                .appendResponse(
                    .rejected(rejectedIndex: LogIndex(.max), hintIndex: LogIndex(.max), hintTerm: Term(.max))
                )
            ),
            message(from: other, term: term, .heartbeatResponse(leaderTick: .max, readRound: .max)),
        ]
        let forwarded: [ForwardedRequest] = [
            .read(.redis(words: [Array("SCAN".utf8)])),
            Self.forwardedWrite(.redis(words: [Array("GETEX".utf8)])),
            Self.forwardedWrite(.redis(words: ["SETRANGE", "s", "9223372036854775807", "x"].map { Array($0.utf8) })),
            Self.forwardedWrite(.string(.setRange(key: Array("s".utf8), offset: .max, value: Array("x".utf8)))),
            Self.forwardedWrite(
                .string(.setExpiring(key: Array("s".utf8), value: [], milliseconds: .min, unit: .seconds))
            ),
            Self.forwardedWrite(.evict(keys: [Array("after-client-attacks".utf8)])),
            Self.forwardedWrite(.removeExpired(keys: [Array("big".utf8)])),
        ]
        for request in forwarded {
            frames.append(PeerFrame.encodeForwarded(request, from: other, requestID: 1, group: group))
        }
        frames.append(Array("*1\r\n$4\r\nPING\r\n".utf8))
        var random = SeededGenerator(seed: 13)
        frames.append((0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        for frame in frames {
            // Without a cluster secret a loopback peer's claimed id is believed: this intruder
            // claims to be a member, which is what a buggy or hostile member can send.
            let intruder = try handshaken(with: target, claiming: other, as: otherNode)
            try intruder.sendBytes(frame)
            #expect(target.command(["PING"]) == .simpleString("PONG"), "\(target.process.output)")
        }
        // A connection claiming to be the node itself is refused at the handshake.
        #expect(throws: (any Error).self) { try handshaken(with: target, claiming: me, as: target) }
        // So is one claiming a member with another incarnation: that member lost its data.
        let impostor = try BlockingRESPConnection(port: target.peerPort, replyTimeoutSeconds: 5)
        let challenge = try impostor.readBytes(count: challengeCount)
        try impostor.sendBytes(
            response(to: challenge, claiming: other, of: target) + [UInt8](repeating: 0xEE, count: 8 + 64)
        )
        // It is told why (it proved it holds the secret: here, that there is none), then cut off.
        let refusal = try impostor.readBytes(count: proofCount)
        #expect(refusal[5] == 4 && refusal[6] == 1, "a refusal for lost data: \(refusal)")
        #expect(throws: (any Error).self, "the connection closes") { try impostor.readBytes(count: 1) }
        #expect(target.process.isRunning, "\(target.process.output)")
        // What was refused was counted (at least the messages that claimed the node's own id).
        #expect((droppedCount(target) ?? 0) >= 2)
    }

    /// `synod_peer_messages_dropped_total` from the node's /metrics.
    static func droppedCount(_ node: SynodServerProcess) -> Int? {
        guard let metrics = httpGet(port: node.httpPort, path: "/metrics")?.body else { return nil }
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("synod_peer_messages_dropped_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// The sizes of the handshake's challenge and proof (`PeerHandshake`).
    static let challengeCount = 54
    static let proofCount = 38

    /// A peer connection through the handshake of a cluster without a secret, claiming to be
    /// `claimed` with the incarnation read from its data directory: what a buggy or hostile
    /// member can send.
    static func handshaken(
        with target: SynodServerProcess,
        claiming id: NodeID,
        as claimed: SynodServerProcess
    ) throws -> BlockingRESPConnection {
        let connection = try BlockingRESPConnection(port: target.peerPort, replyTimeoutSeconds: 5)
        let challenge = try connection.readBytes(count: challengeCount)
        let response =
            Self.response(to: challenge, claiming: id, of: target) + (try incarnation(of: claimed))
            + [UInt8](repeating: 0, count: 64)
        try connection.sendBytes(response)
        _ = try connection.readBytes(count: proofCount)
        return connection
    }

    /// A response's header, ids and cluster id (copied from the challenge), up to the
    /// incarnation.
    static func response(to challenge: [UInt8], claiming id: NodeID, of target: SynodServerProcess) -> [UInt8] {
        // The version the challenge states, and the kind of a response.
        var response = Array(challenge.prefix(5)) + [2]
        response += withUnsafeBytes(of: id.rawValue.littleEndian, Array.init)
        response += withUnsafeBytes(of: UInt64(target.nodeID).littleEndian, Array.init)
        response += challenge[14..<22]
        return response
    }

    /// A node's incarnation, from the identity file in its data directory, little-endian.
    static func incarnation(of node: SynodServerProcess) throws -> [UInt8] {
        let text = try String(contentsOfFile: node.dataDirectory + "/identity", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("incarnation ") })
        let value = try #require(UInt64(line.dropFirst("incarnation ".count), radix: 16))
        return withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    // MARK: - Checks

    /// Every node answers, and a write through each of them is applied.
    static func expectAliveAndWritable(_ nodes: [SynodServerProcess], key: String) async {
        for node in nodes {
            #expect(node.process.isRunning, "\(node.process.output)")
            // A forged vote may have started an election: a retry is fine, a dead node is not.
            #expect(
                await waitUntil { node.command(["SET", key, "written"]) == .simpleString("OK") },
                "\(node.process.output)"
            )
        }
    }

    /// STRLEN of `key` in the node's own state (READONLY), or nil.
    static func readLocally(_ node: SynodServerProcess, _ key: String) -> Int64? {
        guard let connection = try? BlockingRESPConnection(port: node.clientPort),
            (try? connection.command(["READONLY"])) == .simpleString("OK"),
            case .integer(let length) = try? connection.command(["STRLEN", key])
        else { return nil }
        return length
    }
}
