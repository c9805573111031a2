import Foundation
import SynodTestSupport
import Testing

/// Locks under real faults: Python clients contend for a lock while the leader is killed, and a
/// holder is paused past its TTL.
@Suite(.serialized)
struct LockProcessTests {
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/\(name)").path
    }

    /// The lines of `output` that start with `word`, split into fields.
    static func lines(_ output: String, _ word: String) -> [[Substring]] {
        output.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.first.map(String.init) == word }
    }

    @Test func contendingClientsGetIncreasingTokensAndTheFencedCounterLosesNothingThroughALeaderKill()
        async throws
    {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let ports = nodes.map { String($0.clientPort) }.joined(separator: ",")
        let clients = try (1...4).map { number in
            try ChildProcess(
                executable: "/usr/bin/python3",
                arguments: [Self.script("lock_counter.py"), ports, "counter-lock", "client\(number)", "25"]
            )
        }
        func writes() -> Int { clients.map { Self.lines($0.output, "write").count }.reduce(0, +) }
        #expect(await waitUntil(timeout: .seconds(120)) { writes() >= 20 }, "\(clients.map(\.output))")
        leader.process.terminate()  // SIGKILL, in the middle of the contention
        #expect(await waitUntil(timeout: .seconds(120)) { writes() >= 45 }, "\(clients.map(\.output))")
        try leader.restart()
        for client in clients { #expect(client.waitForExit() == 0, "\(client.output)") }

        var allTokens: [UInt64] = []
        var written: [(value: Int, token: UInt64)] = []
        for client in clients {
            #expect(client.output.contains("done"), "\(client.output)")
            let tokens = Self.lines(client.output, "token").compactMap { UInt64($0[1]) }
            #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "\(client.output)")
            allTokens += tokens
            for line in Self.lines(client.output, "write") where line.count >= 4 && line[3] == "ok" {
                written.append((Int(line[1])!, UInt64(line[2])!))
            }
        }
        // No token was granted twice.
        #expect(Set(allTokens).count == allTokens.count)
        // Every successful fenced increment is in the counter, each value written once, each
        // under a newer token than the value before it.
        // No two clients were both told their write of the same value succeeded (that would
        // be a lost increment), and each value was written under a newer token than the one
        // before it. A write whose reply was lost and whose retry was refused (the lock had
        // expired meanwhile) may still have taken effect: the counter may exceed the
        // acknowledged writes by those, never fall short of them.
        written.sort { $0.value < $1.value }
        #expect(Set(written.map(\.value)).count == written.count, "\(written)")
        #expect(zip(written, written.dropFirst()).allSatisfy { $0.token < $1.token }, "\(written)")
        let counter = try #require(await Self.counter(in: nodes))
        let refused = clients.map { Self.lines($0.output, "write").filter { $0.count >= 4 && $0[3] != "ok" }.count }
            .reduce(0, +)
        #expect(counter >= (written.last?.value ?? 0), "\(clients.map(\.output))")
        #expect(counter <= written.count + refused, "\(clients.map(\.output))")
    }

    static func counter(in nodes: [SynodServerProcess]) async -> Int? {
        var value: Int?
        _ = await waitUntil {
            for node in nodes {
                if case .bulkString(let bytes?) = node.command(["GET", "counter"]) {
                    value = Int(String(decoding: bytes, as: UTF8.self))
                    return true
                }
            }
            return false
        }
        return value
    }

    /// A holder stopped (SIGSTOP) past its TTL loses the lock to the next client; when it
    /// runs again, its fenced write is refused and its refresh fails.
    @Test func aHolderPausedPastItsTTLLosesTheLockAndItsLateWriteIsRefused() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3)
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let ports = nodes.map { String($0.clientPort) }.joined(separator: ",")
        let holder = try ChildProcess(
            executable: "/usr/bin/python3",
            arguments: [Self.script("lock_holder.py"), ports, "resource-lock", "holder", "800"]
        )
        #expect(await waitUntil { Self.lines(holder.output, "refresh").count >= 2 }, "\(holder.output)")
        let held = try #require(Self.lines(holder.output, "token").first.flatMap { UInt64($0[1]) })

        holder.send(signal: SIGSTOP)
        let connection = try BlockingRESPConnection(port: leader.clientPort)
        // Granted once the paused holder's TTL runs out.
        guard
            case .integer(let taken) = try connection.command([
                "LOCK.ACQUIRE", "resource-lock", "next", "60000", "WAIT", "30000",
            ])
        else {
            Issue.record("the lock was not granted after the holder's TTL")
            return
        }
        #expect(UInt64(taken) > held)
        #expect(
            try connection.command(["SET", "resource", "next", "FENCE", "resource-lock", "\(taken)"])
                == .simpleString("OK")
        )

        holder.send(signal: SIGCONT)
        #expect(await waitUntil { holder.output.contains("lost") }, "\(holder.output)")
        #expect(holder.waitForExit() == 0, "\(holder.output)")
        // The write after the failed refresh came after the pause for sure: refused.
        let lateWrite = try #require(Self.lines(holder.output, "write").last)
        #expect(lateWrite.count > 1 && lateWrite[1] == "FENCED", "\(holder.output)")
        #expect(Self.lines(holder.output, "refresh").last?.last == "0", "\(holder.output)")
        #expect(try connection.command(["GET", "resource"]) == .bulkString(Array("next".utf8)))
    }
}
