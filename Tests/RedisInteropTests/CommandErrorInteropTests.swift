import SynodCommands
import SynodTestSupport
import Testing

/// Requests Synod refuses get exactly the error a real redis-server gives, and requests Redis
/// accepts parse in Synod too.
struct CommandErrorInteropTests {
    static let refused: [[String]] = [
        ["GETT", "a", "b"],
        ["nosuchcommand"],
        ["frobnicate", String(repeating: "x", count: 200), "more"],
        ["frobnicate", "a", "b", "c", "d"],
        ["GET"],
        ["get", "a", "b"],
        ["SET", "k"],
        ["SET", "k", "v", "NX", "XX"],
        ["SET", "k", "v", "EX"],
        ["SET", "k", "v", "EX", "abc"],
        ["SET", "k", "v", "EX", "0"],
        ["SET", "k", "v", "PX", "-5"],
        ["SET", "k", "v", "EX", "10", "PX", "10"],
        ["SET", "k", "v", "KEEPTTL", "EX", "10"],
        ["SET", "k", "v", "EX", "9223372036854775807"],
        ["SET", "k", "v", "BOGUS"],
        ["INCRBY", "k", "1.5"],
        ["DECRBY", "k", "-9223372036854775808"],
        ["MSET", "a", "1", "b"],
        ["EXPIRE", "k", "ten"],
        ["EXPIRE", "k", "10", "NX", "XX"],
        ["EXPIRE", "k", "10", "GT", "LT"],
        ["EXPIRE", "k", "10", "SOON"],
        ["EXPIRE", "k", "9223372036854775807"],
        ["PING", "a", "b"],
        ["SELECT", "1"],
        ["SELECT", "x"],
        ["CLIENT", "FROB"],
        ["CLIENT", "SETNAME", "has space"],
        ["HELLO", "4"],
        ["HELLO", "x"],
        ["HELLO", "3", "BOGUS"],
        ["CONFIG", "FROB"],
        ["COMMAND", "FROB"],
    ]

    static let accepted: [[String]] = [
        ["SET", "k", "v", "NX", "GET", "PX", "100"],
        ["SET", "k", "v", "xx", "keepttl"],
        ["SET", "k", "v", "EXAT", "99999999999"],
        ["EXPIRE", "k", "10", "XX", "GT"],
        ["PEXPIREAT", "k", "99999999999999"],
        ["MSET", "a", "1", "b", "2"],
        ["MGET", "a", "b", "c"],
        ["INCRBY", "n", "-5"],
        ["DECR", "n"],
        ["PING"],
        ["PING", "hi"],
        ["ECHO", "x"],
        ["SELECT", "0"],
        ["CLIENT", "SETNAME", "worker-1"],
        ["CLIENT", "GETNAME"],
        ["CLIENT", "ID"],
        ["HELLO", "2", "SETNAME", "n"],
        ["CONFIG", "GET", "save", "appendonly"],
        ["COMMAND", "COUNT"],
        ["DBSIZE"],
        ["TTL", "k"],
        ["EXISTS", "a", "a", "zz"],
    ]

    @Test func refusedRequestsGetRedisErrorTexts() async throws {
        // Synod has one database, so the reference does too.
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let connection = try BlockingRESPConnection(port: redis.port)
        for request in Self.refused {
            let redisReply = try connection.command(request)
            switch CommandParser.parse(request.map { Array($0.utf8) }) {
            case .success(let command):
                Issue.record("\(request): Synod accepted it as \(command), redis says \(redisReply)")
            case .failure(let rejection):
                #expect(redisReply == .error(rejection.message), "\(request)")
            }
        }
    }

    @Test func requestsRedisAcceptsParse() async throws {
        let redis = try await RedisServerProcess.start()
        let connection = try BlockingRESPConnection(port: redis.port)
        for request in Self.accepted {
            let redisReply = try connection.command(request)
            if case .error(let message) = redisReply { Issue.record("\(request): redis refused it: \(message)") }
            if case .failure(let rejection) = CommandParser.parse(request.map { Array($0.utf8) }) {
                Issue.record("\(request): Synod refused it: \(rejection.message)")
            }
        }
    }
}
