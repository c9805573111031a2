import SynodTestSupport
import Testing

/// `--requirepass` as Redis users know it, on a real three-node cluster: redis-cli -a works,
/// nothing runs before AUTH, and forwarding through a follower is unaffected.
@Suite(.serialized)
struct ClientSecurityProcessTests {
    static let password = "correct horse battery staple"

    static func redisCLI(_ port: Int, _ arguments: [String]) throws -> String {
        let cli = try ChildProcess(executable: "redis-cli", arguments: ["-p", String(port)] + arguments)
        #expect(cli.waitForExit() == 0, "\(cli.output)")
        return cli.output
    }

    @Test func clientsMustAuthenticateWithThePassword() async throws {
        let nodes = try ServerProcessTests.startCluster(count: 3, extraArguments: ["--requirepass", Self.password])
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })

        // redis-cli, with and without the password.
        #expect(try Self.redisCLI(follower.clientPort, ["SET", "k", "v"]).contains("NOAUTH Authentication required."))
        #expect(
            try Self.redisCLI(follower.clientPort, ["-a", Self.password, "--no-auth-warning", "SET", "k", "v"])
                == "OK\n"
        )
        #expect(try Self.redisCLI(leader.clientPort, ["-a", Self.password, "--no-auth-warning", "GET", "k"]) == "v\n")
        #expect(
            try Self.redisCLI(leader.clientPort, ["-a", "guess", "--no-auth-warning", "GET", "k"]).contains("WRONGPASS")
        )

        let client = try BlockingRESPConnection(port: follower.clientPort)
        #expect(try client.command(["GET", "k"]) == .error("NOAUTH Authentication required."))
        #expect(try client.command(["HELLO", "3"]).isError(prefix: "NOAUTH HELLO must be called"))
        #expect(
            try client.command(["AUTH", "guess"])
                == .error("WRONGPASS invalid username-password pair or user is disabled.")
        )
        #expect(try client.command(["AUTH", "admin", Self.password]).isError(prefix: "WRONGPASS"))
        // Unauthenticated, a client may not send Redis's larger requests.
        let big = try BlockingRESPConnection(port: follower.clientPort)
        #expect(
            try big.command(Array(repeating: "x", count: 11))
                == .error("ERR Protocol error: unauthenticated multibulk length")
        )
        #expect(try client.command(["AUTH", Self.password]) == .simpleString("OK"))
        #expect(try client.command(["GET", "k"]) == .bulkString(Array("v".utf8)))

        // HELLO AUTH authenticates and switches protocol in one step.
        let resp3 = try BlockingRESPConnection(port: leader.clientPort)
        #expect(try resp3.command(["HELLO", "3", "AUTH", "default", "wrong"]).isError(prefix: "WRONGPASS"))
        guard case .map = try resp3.command(["HELLO", "3", "AUTH", "default", Self.password]) else {
            Issue.record("HELLO 3 AUTH did not answer a map")
            return
        }
        #expect(try resp3.command(["GET", "absent"]) == .null)
    }
}

extension RESPReply {
    func isError(prefix: String) -> Bool {
        if case .error(let message) = self { return message.hasPrefix(prefix) }
        return false
    }
}
