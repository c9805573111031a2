import Foundation
import SynodTestSupport
import Testing

/// Client-side caching on a real 3-node cluster: a client's local cache stays coherent while
/// other clients write through other nodes.
@Suite(.serialized)
struct TrackingProcessTests {
    static func bytes(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }

    /// A client with a local cache, kept coherent by RESP3 invalidation pushes.
    final class CachingClient {
        let connection: BlockingRESPConnection
        var cache: [String: String?] = [:]
        var invalidations = 0

        init(port: Int) throws {
            connection = try BlockingRESPConnection(port: port)
            guard case .map = try connection.command(["HELLO", "3"]) else {
                throw RESPProtocolError(description: "no HELLO 3")
            }
            _ = try connection.command(["CLIENT", "TRACKING", "on"])
        }

        func handle(_ push: RESPReply) {
            guard case .push(let items) = push, items.first == TrackingProcessTests.bytes("invalidate"),
                case .array(let keys?) = items.last
            else { return }
            for case .bulkString(let key?) in keys { cache[String(decoding: key, as: UTF8.self)] = nil }
            invalidations += 1
        }

        func command(_ words: [String]) throws -> RESPReply { try connection.command(words, onPush: handle) }

        /// GET through the cache.
        func get(_ key: String) throws -> String? {
            if let cached = cache[key] { return cached }
            let reply = try command(["GET", key])
            var value: String?
            if case .bulkString(let bytes?) = reply { value = String(decoding: bytes, as: UTF8.self) }
            cache[key] = .some(value)
            return value
        }
    }

    @Test func aLocalCacheStaysCoherentWhileOthersWriteThroughOtherNodes() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let followers = nodes.filter { $0 !== leader }
        let writers = try nodes.map { try BlockingRESPConnection(port: $0.clientPort) }
        let reference = try BlockingRESPConnection(port: leader.clientPort)
        let client = try CachingClient(port: followers[0].clientPort)
        let keys = (0..<5).map { "k\($0)" }
        for key in keys { #expect(try writers[0].command(["SET", key, "0"]) == .simpleString("OK")) }

        // Another client's write, through another node, invalidates the cached key.
        #expect(try client.get("k0") == "0")
        #expect(try writers[2].command(["SET", "k0", "1"]) == .simpleString("OK"))
        #expect(await waitUntil { (try? client.command(["PING"])) != nil && client.cache["k0"] == nil })
        #expect(try client.get("k0") == "1")

        // The client's own write is invalidated before its reply arrives.
        #expect(try client.get("k1") == "0")
        #expect(try client.command(["SET", "k1", "5"]) == .simpleString("OK"))
        #expect(client.cache["k1"] == nil)
        #expect(try client.get("k1") == "5")

        // Writers race the cached reader: values only grow, and a read never goes back.
        var random = SystemRandomNumberGenerator()
        var counter = 10
        var lastSeen: [String: Int] = [:]
        for _ in 0..<300 {
            let key = keys[Int.random(in: 0..<keys.count, using: &random)]
            if Bool.random(using: &random) {
                counter += 1
                _ = try writers[Int.random(in: 0..<writers.count, using: &random)].command(["SET", key, "\(counter)"])
            } else {
                let seen = Int(try client.get(key) ?? "0") ?? 0
                #expect(seen >= lastSeen[key] ?? 0, "\(key) went back from \(lastSeen[key] ?? 0) to \(seen)")
                lastSeen[key] = seen
            }
        }
        // Once the writers stop, every cached value becomes the server's.
        let coherent = await waitUntil {
            guard (try? client.command(["PING"])) != nil else { return false }
            return keys.allSatisfy { key in
                guard let cached = client.cache[key] else { return true }
                return (try? reference.command(["GET", key])) == cached.map { Self.bytes($0) } ?? .bulkString(nil)
            }
        }
        #expect(coherent, "\(client.cache)")
        #expect(client.invalidations > 0)
    }

    /// Reads of lists, sets, sorted sets, streams and hashes are tracked like GET, and writes
    /// to them through another node invalidate them, a push that serves a blocked client
    /// among them.
    @Test func readsOfEveryTypeAreInvalidatedByWritesThroughAnotherNode() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let followers = nodes.filter { $0 !== leader }
        let writer = try BlockingRESPConnection(port: leader.clientPort)
        let client = try CachingClient(port: followers[0].clientPort)
        let cases: [(setup: [String], read: [String], write: [String])] = [
            (["RPUSH", "l", "a", "b"], ["LRANGE", "l", "0", "-1"], ["LPOP", "l"]),
            (["SADD", "s", "a"], ["SMEMBERS", "s"], ["SADD", "s", "b"]),
            (["ZADD", "z", "1", "a"], ["ZRANGE", "z", "0", "-1"], ["ZINCRBY", "z", "2", "a"]),
            (["XADD", "x", "1-1", "f", "v"], ["XRANGE", "x", "-", "+"], ["XADD", "x", "2-1", "f", "w"]),
            (["HSET", "h", "f", "v"], ["HGETALL", "h"], ["HDEL", "h", "f"]),
        ]
        for (setup, read, write) in cases {
            let key = read[1]
            _ = try writer.command(setup)
            _ = try client.command(read)
            client.cache[key] = .some("cached")
            _ = try writer.command(write)
            #expect(
                await waitUntil { (try? client.command(["PING"])) != nil && client.cache[key] == nil },
                "\(write) did not invalidate \(read)"
            )
        }
        // A push served to a blocked client (the list is empty again after the entry) still
        // invalidates the list for the reader.
        _ = try client.command(["LRANGE", "q", "0", "-1"])
        client.cache["q"] = .some("cached")
        let blocked = try BlockingRESPConnection(port: followers[1].clientPort)
        try blocked.sendOnly([["BLPOP", "q", "0"]])
        #expect(await waitUntil { BlockingListProcessTests.blockedCommands(leader) == 1 })
        _ = try writer.command(["RPUSH", "q", "v"])
        #expect(try blocked.readNext() == .array([Self.bytes("q"), Self.bytes("v")]))
        #expect(await waitUntil { (try? client.command(["PING"])) != nil && client.cache["q"] == nil })
    }

    @Test func broadcastAndRedirectAndOptIn() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let writer = try BlockingRESPConnection(port: leader.clientPort)

        // RESP2: invalidations for prefix user: go to a connection subscribed to __redis__:invalidate.
        let receiver = try BlockingRESPConnection(port: follower.clientPort)
        guard case .integer(let receiverID) = try receiver.command(["CLIENT", "ID"]) else { return }
        _ = try receiver.command(["SUBSCRIBE", "__redis__:invalidate"])
        let tracker = try BlockingRESPConnection(port: follower.clientPort)
        #expect(
            try tracker.command(["CLIENT", "TRACKING", "on", "REDIRECT", "\(receiverID)", "BCAST", "PREFIX", "user:"])
                == .simpleString("OK")
        )
        #expect(try tracker.command(["CLIENT", "GETREDIR"]) == .integer(receiverID))
        #expect(try writer.command(["SET", "other", "x"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "user:1", "x"]) == .simpleString("OK"))
        #expect(
            try receiver.readNext()
                == .array([Self.bytes("message"), Self.bytes("__redis__:invalidate"), .array([Self.bytes("user:1")])])
        )
        #expect(
            try tracker.command(["CLIENT", "TRACKING", "on", "PREFIX", "x"])
                == .error("ERR PREFIX option requires BCAST mode to be enabled")
        )
        #expect(
            try tracker.command(["CLIENT", "TRACKING", "on", "REDIRECT", "999999"])
                == .error("ERR The client ID you want redirect to does not exist")
        )

        // OPTIN: only a read right after CLIENT CACHING yes is tracked.
        let optIn = try BlockingRESPConnection(port: follower.clientPort)
        _ = try optIn.command(["HELLO", "3"])
        #expect(try optIn.command(["CLIENT", "TRACKING", "on", "OPTIN"]) == .simpleString("OK"))
        _ = try optIn.command(["GET", "plain"])
        #expect(try optIn.command(["CLIENT", "CACHING", "yes"]) == .simpleString("OK"))
        _ = try optIn.command(["GET", "cached"])
        #expect(try writer.command(["SET", "plain", "1"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "cached", "1"]) == .simpleString("OK"))
        #expect(try optIn.readNext() == .push([Self.bytes("invalidate"), .array([Self.bytes("cached")])]))

        // NOLOOP: the client's own write is not reported (and the key stays tracked), another's is.
        let noLoop = try BlockingRESPConnection(port: follower.clientPort)
        _ = try noLoop.command(["HELLO", "3"])
        #expect(try noLoop.command(["CLIENT", "TRACKING", "on", "NOLOOP"]) == .simpleString("OK"))
        _ = try noLoop.command(["GET", "mine"])
        #expect(try noLoop.command(["SET", "mine", "1"]) == .simpleString("OK"))
        let local = try BlockingRESPConnection(port: follower.clientPort)
        _ = try local.command(["READONLY"])
        #expect(await waitUntil { (try? local.command(["GET", "mine"])) == Self.bytes("1") })
        var pushes = 0
        #expect(try noLoop.command(["PING"]) { _ in pushes += 1 } == .simpleString("PONG"))
        #expect(pushes == 0)
        #expect(try writer.command(["SET", "mine", "2"]) == .simpleString("OK"))
        #expect(try noLoop.readNext() == .push([Self.bytes("invalidate"), .array([Self.bytes("mine")])]))
    }
}
