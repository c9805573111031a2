/// A node's ACL users, by name, as ACL SETUSER, DELUSER and LOAD change them. Each node keeps
/// its own (as Redis Cluster does): nothing here is replicated.
///
/// Invariant: the `default` user exists; there are at most `ACLLimits.usersMax` users.
public struct AccessControlList: Hashable, Sendable {
    public private(set) var users: [[UInt8]: ACLUser]
    /// What the `default` user is when an ACL file does not say (`--requirepass`).
    public let configuredDefault: ACLUser

    /// Only the `default` user.
    public init(defaultUser: ACLUser) {
        precondition(defaultUser.name == Self.defaultName, "the default user is named default")
        configuredDefault = defaultUser
        users = [Self.defaultName: defaultUser]
    }

    public static let defaultName = Array(ACLUser.defaultName.utf8)

    public func user(named name: [UInt8]) -> ACLUser? { users[name] }

    /// The names, in byte order (ACL USERS, ACL LIST).
    public var sortedNames: [[UInt8]] { users.keys.sorted { $0.lexicographicallyPrecedes($1) } }

    /// ACL LIST: one line per user, in name order.
    public var listLines: [[UInt8]] { sortedNames.compactMap { users[$0]?.listLine } }

    /// What ACL SAVE writes: the same lines, each ended by a newline.
    public var fileBytes: [UInt8] { listLines.flatMap { $0 + [UInt8(ascii: "\n")] } }

    /// ACL SETUSER: the rules, applied in order to a copy of the user (a new one if it does not
    /// exist); the copy replaces the user only if every rule applies.
    public mutating func setUser(
        _ name: [UInt8],
        rules: [[UInt8]],
        digest: ([UInt8]) -> [UInt8]
    ) throws(CommandRejection) -> ACLUser {
        guard users[name] != nil || users.count < ACLLimits.usersMax else {
            throw CommandRejection(
                "ERR Synod allows at most \(ACLLimits.usersMax) ACL users; remove one with ACL DELUSER first"
            )
        }
        var user = users[name] ?? ACLUser(name: name)
        for word in rules {
            do throws(ACLRuleError) {
                try user.apply(ACLRule.parse(word), digest: digest)
            } catch {
                throw CommandRejection(
                    "ERR Error in ACL SETUSER modifier '\(Self.quoted(word))': \(error.message)"
                )
            }
        }
        users[name] = user
        return user
    }

    /// ACL DELUSER: the users that existed and are gone, in the order named.
    public mutating func deleteUsers(_ names: [[UInt8]]) throws(CommandRejection) -> [[UInt8]] {
        guard !names.contains(Self.defaultName) else {
            throw CommandRejection("ERR The 'default' user cannot be removed")
        }
        return names.filter { users.removeValue(forKey: $0) != nil }
    }

    /// ACL LOAD (and start): the users of a parsed ACL file replace all users; the `default`
    /// user, if the file does not define it, is the configured one. Returns the names of the
    /// users other than `default` that were removed or changed, whose clients Redis disconnects.
    public mutating func replace(with loaded: [ACLUser]) -> [[UInt8]] {
        var next: [[UInt8]: ACLUser] = [Self.defaultName: configuredDefault]
        for user in loaded { next[user.name] = user }
        precondition(next.count <= ACLLimits.usersMax, "ACLFile.parse bounds the users")
        // Connections of the default user stay: it is never removed, as in Redis.
        let gone = users.filter { name, user in name != Self.defaultName && next[name] != user }.map(\.key)
        users = next
        return gone
    }

    /// A word as an error message quotes it: at most 128 bytes.
    static func quoted(_ word: [UInt8]) -> String { String(decoding: word.prefix(128), as: UTF8.self) }
}
