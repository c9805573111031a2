import Foundation
import SynodTestSupport
import Testing

/// maxmemory on a real 3-node cluster: filled past the limit, the leader's evictions go
/// through the log, and every replica ends up holding exactly the same keys.
@Suite(.serialized)
struct EvictionProcessTests {
    static func field(_ name: String, of reply: RESPReply?) -> String? {
        guard case .bulkString(let bytes?) = reply else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\r\n").first { $0.hasPrefix(name + ":") }.map {
            String($0.dropFirst(name.count + 1))
        }
    }

    /// The keys a node holds itself (READONLY: no trip to the leader), sorted.
    static func localKeys(of node: SynodServerProcess) throws -> [String] {
        let connection = try BlockingRESPConnection(port: node.clientPort)
        _ = try connection.command(["READONLY"])
        guard case .array(let keys?) = try connection.command(["KEYS", "*"]) else { return [] }
        return keys.compactMap {
            if case .bulkString(let key?) = $0 { String(decoding: key, as: UTF8.self) } else { nil }
        }
        .sorted()
    }

    /// OBJECT IDLETIME and FREQ, asked through a follower, are answered by the leader, as
    /// Redis answers them: idle seconds from the key's last write or read under every policy
    /// but LFU (a read resets them, OBJECT itself does not), the logarithmic counter under LFU.
    @Test func objectIdleTimeAndFrequencyCountUseUnderTheirPolicies() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let client = try BlockingRESPConnection(port: follower.clientPort)
        func idle() throws -> Int64? {
            if case .integer(let seconds) = try client.command(["OBJECT", "IDLETIME", "k"]) { seconds } else { nil }
        }
        // Idle seconds counted from a touch that began at `start`: at most the seconds since,
        // plus one for the clock's whole-second steps.
        func expectTouched(since start: ContinuousClock.Instant) throws {
            let seconds = try #require(try idle())
            #expect(seconds >= 0 && seconds <= (ContinuousClock.now - start).components.seconds + 1)
        }
        // Under the default policy (noeviction) as under LRU ones.
        for policy in ["noeviction", "allkeys-lru"] {
            #expect(try client.command(["CONFIG", "SET", "maxmemory-policy", policy]) == .simpleString("OK"))
            let written = ContinuousClock.now
            #expect(try client.command(["SET", "k", "v-\(policy)"]) == .simpleString("OK"))
            try expectTouched(since: written)
            // A poll that fails (a reconnecting client) counts as not idle long enough yet.
            #expect(await waitUntil(timeout: .seconds(30)) { (try? idle()).flatMap { $0 } ?? 0 >= 3 })
            let read = ContinuousClock.now
            #expect(try client.command(["GET", "k"]) == .bulkString(Array("v-\(policy)".utf8)))
            try expectTouched(since: read)
        }
        #expect(try client.command(["OBJECT", "IDLETIME", "missing"]) == .bulkString(nil))
        #expect(
            try client.command(["OBJECT", "FREQ", "k"])
                == .error(
                    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
                )
        )
        #expect(try client.command(["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]) == .simpleString("OK"))
        #expect(try client.command(["SET", "hot", "v"]) == .simpleString("OK"))
        for _ in 0..<20 { _ = try client.command(["GET", "hot"]) }
        guard case .integer(let frequency) = try client.command(["OBJECT", "FREQ", "hot"]) else {
            Issue.record("OBJECT FREQ under allkeys-lfu answered no integer")
            return
        }
        // A new key starts at 5 (Redis's LFU_INIT_VAL); reads raise it, logarithmically.
        #expect(frequency >= 5 && frequency < 255)
        guard case .error(let idleUnderLFU) = try client.command(["OBJECT", "IDLETIME", "hot"]) else {
            Issue.record("OBJECT IDLETIME under allkeys-lfu answered no error")
            return
        }
        #expect(idleUnderLFU.hasPrefix("ERR An LFU maxmemory policy is selected"))
    }

    @Test func replicasEvictTheSameKeys() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let client = try BlockingRESPConnection(port: follower.clientPort)
        #expect(try client.command(["CONFIG", "SET", "maxmemory", "100kb"]) == .simpleString("OK"))
        #expect(try client.command(["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]) == .simpleString("OK"))
        guard case .array(let pairs?) = try client.command(["CONFIG", "GET", "maxmemory*"]) else {
            Issue.record("CONFIG GET answered no array")
            return
        }
        // Other settings match the pattern too (maxmemory-samples ...): the replicated two are
        // among them with the values set through this follower.
        var settings: [String: RESPReply] = [:]
        for position in stride(from: 0, to: pairs.count - 1, by: 2) {
            if case .bulkString(let name?) = pairs[position] {
                settings[String(decoding: name, as: UTF8.self)] = pairs[position + 1]
            }
        }
        #expect(settings["maxmemory"] == .bulkString(Array("102400".utf8)))
        #expect(settings["maxmemory-policy"] == .bulkString(Array("allkeys-lru".utf8)))
        let value = String(repeating: "v", count: 400)
        for batch in 0..<10 {
            let commands = (0..<100).map {
                [Array("SET".utf8), Array("key:\(batch * 100 + $0)".utf8), Array(value.utf8)]
            }
            #expect(try client.pipeline(commands).allSatisfy { $0 == .simpleString("OK") })
        }
        // Evictions catch up, then every node has applied the same entries.
        let settled = await waitUntil(timeout: .seconds(60)) {
            let infos = nodes.map { $0.command(["INFO"]) }
            let applied = Set(infos.map { Self.field("raft_applied_index", of: $0) })
            guard applied.count == 1, applied.first! != nil,
                let used = Self.field("used_memory", of: leader.command(["INFO", "memory"])).flatMap(Int.init)
            else { return false }
            return used <= 102_400
        }
        #expect(settled, "\(nodes.map { $0.command(["INFO"]) as Any })")
        let keys = try nodes.map(Self.localKeys(of:))
        #expect(keys[0].count > 50 && keys[0].count < 1_000, "\(keys[0].count) keys left")
        #expect(keys.allSatisfy { $0 == keys[0] })
        #expect(Int(Self.field("evicted_keys", of: leader.command(["INFO", "stats"])) ?? "") ?? 0 > 0)

        // noeviction: over the limit, writes are refused with Redis's error; reads and deletes work.
        #expect(try client.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"]) == .simpleString("OK"))
        #expect(try client.command(["CONFIG", "SET", "maxmemory", "1kb"]) == .simpleString("OK"))
        #expect(
            try client.command(["SET", "one-more", "x"])
                == .error("OOM command not allowed when used memory > 'maxmemory'.")
        )
        #expect(try client.command(["DEL", keys[0][0]]) == .integer(1))
    }
}
