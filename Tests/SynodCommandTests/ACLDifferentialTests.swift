import Foundation
import SynodTestSupport
import Testing

/// The same ACL script on a real redis-server and a Synod node, reply for reply: users and
/// their descriptions, Redis's errors for malformed rules and arguments, AUTH, and the NOPERM
/// refusals of commands, keys and channels.
///
/// Synod answers in Redis 7.2's words; an older redis-server (7.0 says "this user has no
/// permissions to ...") is translated to them, knowing which user each reply is for. Redis 7.0
/// also lists a user's command rules in its own order, so those are compared as sets.
@Suite(.serialized)
struct ACLDifferentialTests {
    static let script: [[String]] = [
        ["ACL", "SETUSER", "alice", "on", ">apw", "~app:*", "%R~ro:*", "%W~wo:*", "&news.*", "-@all", "+get"],
        ["ACL", "SETUSER", "bob", "on", "nopass", "allkeys", "allchannels", "+@all"],
        ["ACL", "SETUSER", "carol"],
        ["ACL", "SETUSER", "dave", "on", "#" + String(repeating: "0123456789abcdef", count: 4), "~k", "-@all", "+set"],
        ["ACL", "LIST"], ["ACL", "USERS"], ["ACL", "GETUSER", "alice"], ["ACL", "GETUSER", "bob"],
        ["ACL", "GETUSER", "carol"], ["ACL", "GETUSER", "nosuch"], ["ACL", "WHOAMI"], ["ACL", "CAT"],
        ["ACL", "CAT", "nosuch"], ["ACL", "CAT", "a", "b"],
        // Malformed rules and arguments.
        ["ACL", "SETUSER", "x", "bogus"], ["ACL", "SETUSER", "x", "+nosuch"], ["ACL", "SETUSER", "x", "+@nosuch"],
        ["ACL", "SETUSER", "x", "!abc"], ["ACL", "SETUSER", "x", "#ABC"], ["ACL", "SETUSER", "x", "<nopw"],
        ["ACL", "SETUSER", "x", "%Q~x"], ["ACL", "SETUSER", "x", "%RR~x"], ["ACL", "SETUSER", "x", "allkeys", "~x"],
        ["ACL", "SETUSER", "x", "allchannels", "&x"], ["ACL", "SETUSER", "x", "+acl|nosuch"],
        ["ACL", "SETUSER", "x", "+acl|whoami|x"], ["ACL", "SETUSER", "a b"], ["ACL", "SETUSER"], ["ACL", "GETUSER"],
        ["ACL", "DELUSER"], ["ACL", "FOO"], ["ACL"], ["ACL", "USERS"], ["ACL", "DELUSER", "default"],
        ["ACL", "DELUSER", "carol", "nosuch"], ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "x"],
        // DRYRUN.
        ["ACL", "DRYRUN", "alice", "get", "app:1"], ["ACL", "DRYRUN", "alice", "set", "app:1", "v"],
        ["ACL", "DRYRUN", "alice", "get", "other"], ["ACL", "DRYRUN", "nosuch", "get", "x"],
        ["ACL", "DRYRUN", "alice", "nosuchcommand"], ["ACL", "DRYRUN", "alice", "get"],
        // Logging in, and what each user may run.
        ["AUTH", "alice", "wrong"], ["AUTH", "nosuch", "x"], ["AUTH", "x"], ["AUTH", "alice", "apw"],
        ["ACL", "WHOAMI"], ["GET", "app:1"], ["GET", "ro:1"], ["GET", "wo:1"], ["GET", "other"], ["SET", "app:1", "v"],
        ["GET"], ["CLIENT", "ID", "x"], ["NOSUCHCOMMAND"], ["MULTI"], ["AUTH", "bob", "x"], ["SET", "app:1", "v"],
        ["SET", "ro:1", "x"], ["GET", "app:1"], ["PUBLISH", "news.1", "m"], ["MULTI"], ["GET", "app:1"], ["EXEC"],
        ["AUTH", "dave", "x"], ["SET", "k", "v"], ["SET", "k2", "v"], ["GET", "k"], ["SET", "k", "v", "BOGUS"],
        ["ACL", "WHOAMI"], ["AUTH", "bob", "x"],
        ["ACL", "SETUSER", "alice", "resetpass", "nopass", "+publish", "+subscribe", "+psubscribe"],
        ["ACL", "GETUSER", "alice"], ["AUTH", "alice", "whatever"], ["PUBLISH", "sport", "m"],
        ["PUBLISH", "news.1", "m"], ["PSUBSCRIBE", "news.x*"], ["SUBSCRIBE", "news.x", "sport"],
        ["PSUBSCRIBE", "news.*"],
    ]

    @Test func theSameACLScriptGetsRedisRepliesFromSynod() async throws {
        let redis = try await RedisServerProcess.start()
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let theirs = try BlockingRESPConnection(port: redis.port, replyTimeoutSeconds: 10)
        let ours = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 10)
        var user = "default"
        for command in Self.script {
            let expected = Self.normalized(
                Self.inRedis72Words(try theirs.command(command), user: user, command: command)
            )
            let actual = Self.normalized(try ours.command(command))
            #expect(actual == expected, "\(command)")
            if command.first == "AUTH", command.count == 3, actual == .simpleString("OK") { user = command[1] }
        }
    }

    /// Redis 7.0's refusals in Redis 7.2's words (7.2 and later already use them).
    static func inRedis72Words(_ reply: RESPReply, user: String, command: [String]) -> RESPReply {
        switch reply {
        case .error(let message):
            if message.hasPrefix("NOPERM this user has no permissions to run the ") {
                return .error(
                    message.replacingOccurrences(of: "NOPERM this user", with: "NOPERM User \(user)")
                )
            }
            if message == "NOPERM this user has no permissions to access one of the keys used as arguments" {
                return .error("NOPERM No permissions to access a key")
            }
            if message == "NOPERM this user has no permissions to access one of the channels used as arguments" {
                return .error("NOPERM No permissions to access a channel")
            }
            return reply
        case .bulkString(let bytes?) where command.prefix(2) == ["ACL", "DRYRUN"]:
            let text = String(decoding: bytes, as: UTF8.self)
                .replacingOccurrences(
                    of: "This user has no permissions to run",
                    with: "User \(command[2]) has no permissions to run"
                )
                .replacingOccurrences(of: "This user has no permissions to access", with: "No permissions to access")
            return .bulkString(Array(text.utf8))
        default:
            return reply
        }
    }

    /// A user's command rules (after `-@all` or `+@all`) as a set of words, in any order.
    static func normalized(_ reply: RESPReply) -> RESPReply {
        switch reply {
        case .bulkString(let bytes?):
            let words = String(decoding: bytes, as: UTF8.self).split(separator: " ").map(String.init)
            guard let start = words.firstIndex(where: { $0 == "-@all" || $0 == "+@all" }) else { return reply }
            let rules = words[(start + 1)...].sorted()
            return .bulkString(Array((words[...start] + rules).joined(separator: " ").utf8))
        case .array(let elements?):
            return .array(elements.map(normalized))
        default:
            return reply
        }
    }
}
