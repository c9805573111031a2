import SynodCore
import SynodPartitioning
import SynodTestSupport
import Testing

/// Checks Synod's key-slot function against a real redis-server's CLUSTER KEYSLOT.
struct KeySlotInteropTests {
    @Test func slotsMatchRedisForRandomBinaryKeys() async throws {
        // The cluster config file lands in the server's own temporary directory.
        let redis = try await RedisServerProcess.start(extraArguments: ["--cluster-enabled", "yes"])
        let connection = try BlockingRESPConnection(port: redis.port)
        var generator = SeededGenerator(seed: 2024)
        // Bytes drawn mostly from a small alphabet rich in braces, so hash tags of every shape occur.
        let alphabet: [UInt8] = Array("{}ab{}01".utf8) + [0, 255, 13, 10, 32]
        var keys: [[UInt8]] = []
        for index in 0..<5_000 {
            let length = generator.nextIndex(below: 24)
            keys.append(
                (0..<length).map { _ in
                    index % 2 == 0
                        ? alphabet[generator.nextIndex(below: alphabet.count)] : UInt8(generator.next() & 0xFF)
                }
            )
        }
        let replies = try connection.pipeline(keys.map { [Array("CLUSTER".utf8), Array("KEYSLOT".utf8), $0] })
        var mismatches = 0
        for (key, reply) in zip(keys, replies) {
            let expected = RESPReply.integer(Int64(HashSlot.of(key: key).rawValue))
            if reply != expected {
                mismatches += 1
                Issue.record("key \(key): redis says \(reply), Synod says \(expected)")
            }
            if mismatches > 10 { break }
        }
        #expect(mismatches == 0)
    }
}
