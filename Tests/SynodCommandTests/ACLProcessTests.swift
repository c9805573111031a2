import Foundation
import SynodTestSupport
import Testing

/// ACL users on real nodes: rules refuse commands, keys and channels with Redis's NOPERM
/// errors, the ACL file is read at start and by ACL LOAD and written by ACL SAVE, deleted
/// users' clients are disconnected, and users belong to one node (they are not replicated).
@Suite(.serialized)
struct ACLProcessTests {
    static let adminPassword = "admin-password"

    static func bytes(_ text: String) -> RESPReply { .bulkString(Array(text.utf8)) }

    static func strings(_ texts: [String]) -> RESPReply { .array(texts.map(bytes)) }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synod-acl-\(UUID().uuidString).acl")
            .path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func connection(_ node: SynodServerProcess, user: String, password: String) throws -> BlockingRESPConnection
    {
        let connection = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 10)
        #expect(try connection.command(["AUTH", user, password]) == .simpleString("OK"), "AUTH \(user)")
        return connection
    }

    /// Whether the server has closed `connection` (a command then fails instead of answering).
    static func isClosed(_ connection: BlockingRESPConnection) -> Bool {
        (try? connection.command(["PING"])) == nil
    }

    @Test func rulesRefuseCommandsKeysAndChannelsAndAllowTheRest() async throws {
        let file = try Self.temporaryFile("user reader on >rpw ~* &* -@all +get +@connection\n")
        defer { try? FileManager.default.removeItem(atPath: file) }  // Best effort: /tmp is cleaned anyway.
        let node = try ServerProcessTests.startCluster(
            count: 1,
            extraArguments: ["--requirepass", Self.adminPassword, "--aclfile", file]
        )[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let admin = try Self.connection(node, user: "default", password: Self.adminPassword)

        // Loaded from --aclfile at start.
        let reader = try Self.connection(node, user: "reader", password: "rpw")
        #expect(try reader.command(["GET", "k"]) == .bulkString(nil))
        #expect(
            try reader.command(["SET", "k", "v"])
                == .error("NOPERM User reader has no permissions to run the 'set' command")
        )
        #expect(
            try reader.command(["ACL", "WHOAMI"])
                == .error("NOPERM User reader has no permissions to run the 'acl|whoami' command")
        )

        #expect(
            try admin.command([
                "ACL", "SETUSER", "carol", "on", ">cpw", "~app:*", "%R~ro:*", "&news.*", "-@all", "+get", "+set",
                "+publish", "+subscribe", "+acl|whoami",
            ]) == .simpleString("OK")
        )
        let carol = try Self.connection(node, user: "carol", password: "cpw")
        #expect(try carol.command(["ACL", "WHOAMI"]) == Self.bytes("carol"))
        #expect(
            try carol.command(["DEL", "app:1"])
                == .error("NOPERM User carol has no permissions to run the 'del' command")
        )
        #expect(try carol.command(["GET", "other"]) == .error("NOPERM No permissions to access a key"))
        #expect(try carol.command(["SET", "ro:1", "x"]) == .error("NOPERM No permissions to access a key"))
        #expect(try carol.command(["SET", "app:1", "v"]) == .simpleString("OK"))
        #expect(try carol.command(["GET", "app:1"]) == Self.bytes("v"))
        #expect(try carol.command(["GET", "ro:1"]) == .bulkString(nil))
        #expect(try carol.command(["PUBLISH", "sport", "m"]) == .error("NOPERM No permissions to access a channel"))
        #expect(try carol.command(["PUBLISH", "news.today", "m"]) == .integer(0))
        // A change of rights holds for the user's open connections from their next command
        // (a connection keeps its user between changes).
        #expect(
            try admin.command(["ACL", "SETUSER", "erin", "on", ">epw", "~*", "-@all", "+get"]) == .simpleString("OK")
        )
        let erin = try Self.connection(node, user: "erin", password: "epw")
        #expect(try erin.command(["GET", "app:1"]) == Self.bytes("v"))
        #expect(try admin.command(["ACL", "SETUSER", "erin", "-get"]) == .simpleString("OK"))
        #expect(
            try erin.command(["GET", "app:1"]) == .error("NOPERM User erin has no permissions to run the 'get' command")
        )
        #expect(try admin.command(["ACL", "SETUSER", "erin", "+get"]) == .simpleString("OK"))
        #expect(try erin.command(["GET", "app:1"]) == Self.bytes("v"))
        #expect(try admin.command(["ACL", "DELUSER", "erin"]) == .integer(1))
        #expect(
            try carol.command(["AUTH", "carol", "wrong"])
                == .error("WRONGPASS invalid username-password pair or user is disabled.")
        )
        let listener = try Self.connection(node, user: "carol", password: "cpw")
        #expect(
            try listener.command(["SUBSCRIBE", "news.today"])
                == .array([Self.bytes("subscribe"), Self.bytes("news.today"), .integer(1)])
        )

        let carolLine =
            "user carol on #ca4dc450c14cdef138a04e7eb748e1d8be297042e51c28848c0c29de65abf5a2 ~app:* %R~ro:* "
            + "resetchannels &news.* -@all +get +set +publish +subscribe +acl|whoami"
        let defaultLine =
            "user default on #\(Self.digests[Self.adminPassword] ?? "") ~* &* +@all"
        let readerLine =
            "user reader on #\(Self.digests["rpw"] ?? "") ~* &* -@all +get +@connection"
        #expect(try admin.command(["ACL", "LIST"]) == Self.strings([carolLine, defaultLine, readerLine]))
        #expect(try admin.command(["ACL", "USERS"]) == Self.strings(["carol", "default", "reader"]))
        #expect(
            try admin.command(["ACL", "GETUSER", "carol"])
                == .array([
                    Self.bytes("flags"), Self.strings(["on"]), Self.bytes("passwords"),
                    Self.strings(["ca4dc450c14cdef138a04e7eb748e1d8be297042e51c28848c0c29de65abf5a2"]),
                    Self.bytes("commands"), Self.bytes("-@all +get +set +publish +subscribe +acl|whoami"),
                    Self.bytes("keys"), Self.bytes("~app:* %R~ro:*"), Self.bytes("channels"), Self.bytes("&news.*"),
                    Self.bytes("selectors"), .array([]),
                ])
        )
        #expect(try admin.command(["ACL", "GETUSER", "nobody"]) == .bulkString(nil))
        #expect(try admin.command(["ACL", "WHOAMI"]) == Self.bytes("default"))
        #expect(
            try admin.command(["ACL", "CAT", "transaction"])
                == Self.strings(["discard", "exec", "multi", "unwatch", "watch"])
        )
        guard case .array(let categories?) = try admin.command(["ACL", "CAT"]) else {
            Issue.record("ACL CAT did not answer an array")
            return
        }
        #expect(categories.count == 21)
        #expect(categories.first == Self.bytes("keyspace"))

        // ACL SAVE writes what ACL LIST shows.
        #expect(try admin.command(["ACL", "SAVE"]) == .simpleString("OK"))
        #expect(
            try String(contentsOfFile: file, encoding: .utf8)
                == [carolLine, defaultLine, readerLine].map { $0 + "\n" }.joined()
        )

        // Taking the channel away disconnects the subscriber, as Redis does.
        #expect(try admin.command(["ACL", "SETUSER", "carol", "resetchannels", "&other"]) == .simpleString("OK"))
        #expect(await waitUntil { Self.isClosed(listener) })

        // ACL LOAD replaces the users: carol is gone (her connections closed), dave is new.
        try (defaultLine + "\nuser dave on nopass ~* &* +@all\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try admin.command(["ACL", "LOAD"]) == .simpleString("OK"))
        #expect(await waitUntil { Self.isClosed(carol) })
        #expect(try admin.command(["ACL", "USERS"]) == Self.strings(["dave", "default"]))
        let dave = try Self.connection(node, user: "dave", password: "anything")

        // A bad file changes nothing.
        try "user eve +nosuch\n".write(toFile: file, atomically: true, encoding: .utf8)
        guard case .error(let refusal) = try admin.command(["ACL", "LOAD"]) else {
            Issue.record("ACL LOAD took a bad file")
            return
        }
        #expect(
            refusal.hasSuffix(
                "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
            )
        )
        #expect(try admin.command(["ACL", "USERS"]) == Self.strings(["dave", "default"]))

        // ACL DELUSER disconnects the user's clients; the node carries on.
        #expect(try admin.command(["ACL", "DELUSER", "dave", "nobody"]) == .integer(1))
        #expect(await waitUntil { Self.isClosed(dave) })
        #expect(try admin.command(["PING"]) == .simpleString("PONG"))
        #expect(try admin.command(["GET", "app:1"]) == Self.bytes("v"))
        // reader was not in the loaded file either.
        #expect(Self.isClosed(reader))
    }

    @Test func usersBelongToOneNodeAndForwardedRequestsAreCheckedWhereTheClientIs() async throws {
        let nodes = try ServerProcessTests.startCluster(
            count: 3,
            extraArguments: ["--requirepass", Self.adminPassword]
        )
        defer { ServerProcessTests.stop(nodes) }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        let admin = try Self.connection(follower, user: "default", password: Self.adminPassword)
        #expect(
            try admin.command(["ACL", "SETUSER", "writer", "on", ">wpw", "~app:*", "-@all", "+set", "+get"])
                == .simpleString("OK")
        )

        // The user exists on the follower only: ACLs are not replicated.
        let elsewhere = try BlockingRESPConnection(port: leader.clientPort, replyTimeoutSeconds: 10)
        #expect(try elsewhere.command(["AUTH", "writer", "wpw"]).isError(prefix: "WRONGPASS"))

        // Through the follower, the write is checked there and forwarded to the leader.
        let writer = try Self.connection(follower, user: "writer", password: "wpw")
        #expect(try writer.command(["SET", "app:1", "v"]) == .simpleString("OK"))
        #expect(try writer.command(["SET", "other", "v"]) == .error("NOPERM No permissions to access a key"))
        #expect(leader.command(["GET", "app:1"]) == Self.bytes("v"))
    }

    /// SHA-256 of the passwords used here, as ACL LIST shows them (`printf %s PASSWORD | sha256sum`).
    static let digests = [
        adminPassword: "8e70fdbd0400b7a21539fd15fb4ab86c129f7cbd99261dbb0d95c18df8dec177",
        "rpw": "6dde532e82159e351f3b9b685073aa8531b0f11d64a13d6c7947e66e0fb0ef5c",
        "cpw": "ca4dc450c14cdef138a04e7eb748e1d8be297042e51c28848c0c29de65abf5a2",
    ]
}
