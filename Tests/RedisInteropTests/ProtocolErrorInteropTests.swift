import SynodRESP
import SynodTestSupport
import Testing

/// Malformed requests get the same protocol error text from Synod's decoder as from a real
/// redis-server (each on a fresh connection, since both close it after the error). Synod's
/// limits are its own (Redis 7 accepts multibulk lengths up to INT_MAX), so only malformed
/// framing is compared here.
struct ProtocolErrorInteropTests {
    static let malformed: [String] = [
        "*abc\r\n",
        "*2\r\n:1\r\n",
        "*1\r\n$-5\r\n",
        "*1\r\n$abc\r\n",
        "*-\r\n",
        "SET k \"unterminated\r\n",
        "SET k 'a'b\r\n",
        "GET \"a\"b\r\n",
    ]

    @Test func malformedRequestsGetRedisErrorTexts() async throws {
        let redis = try await RedisServerProcess.start()
        for input in Self.malformed {
            let connection = try BlockingRESPConnection(port: redis.port)
            let redisReply = try connection.sendRaw(Array(input.utf8))
            var decoder = RESPRequestDecoder()
            decoder.append(Array(input.utf8))
            guard case .protocolError(let message) = decoder.next() else {
                Issue.record("\(input.debugDescription): Synod accepted it, redis says \(redisReply)")
                continue
            }
            #expect(redisReply == .error("ERR " + message), "\(input.debugDescription)")
        }
    }

    @Test func aTooBigInlineRequestGetsRedisErrorText() async throws {
        let redis = try await RedisServerProcess.start()
        let connection = try BlockingRESPConnection(port: redis.port)
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 70 * 1024)
        let redisReply = try connection.sendRaw(input)
        var decoder = RESPRequestDecoder()
        decoder.append(input)
        #expect(decoder.next() == .protocolError("Protocol error: too big inline request"))
        #expect(redisReply == .error("ERR Protocol error: too big inline request"))
    }
}
