import SynodKeyValue

/// What COMMAND and COMMAND INFO report for each command: arity, flags and key positions (first,
/// last, step), as cluster-aware clients read them to find a command's keys.
public struct CommandInfo: Hashable, Sendable {
    public let name: String
    public let arity: Int
    public let flags: [String]
    public let firstKey: Int
    public let lastKey: Int
    public let step: Int
    /// The ACL categories (`CommandParser.categories`), which COMMAND INFO shows as `@read` ...
    public let categories: [ACLCategory]
}

extension CommandParser {
    /// Key positions by command: (first, last, step); last -1 means "to the end".
    static let keyPositions: [String: (Int, Int, Int)] = [
        "mget": (1, -1, 1), "del": (1, -1, 1), "exists": (1, -1, 1), "unlink": (1, -1, 1), "watch": (1, -1, 1),
        "mset": (1, -1, 2), "msetnx": (1, -1, 2), "rename": (1, 2, 1), "renamenx": (1, 2, 1),
    ]

    /// Commands without keys.
    static let keyless: Set<String> = [
        "ping", "echo", "hello", "auth", "select", "quit", "client", "command", "config", "info", "readonly",
        "readwrite",
        "dbsize", "keys", "scan", "randomkey", "flushall", "time", "multi", "exec", "discard", "unwatch",
        "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish", "pubsub", "cluster", "lease.grant",
        "lease.keepalive", "lease.revoke", "lease.ttl", "watch.cancel", "object", "service.list", "service.watch",
        "service.register", "service.deregister", "elect.campaign", "elect.leader", "elect.resign", "lock.acquire",
        "lock.release", "lock.refresh", "lock.info", "watch.prefix", "acl",
    ]

    public static func commandInfo(_ name: String) -> CommandInfo? {
        guard let arity = arities[name] else { return nil }
        let (first, last, step) = keyless.contains(name) ? (0, 0, 0) : keyPositions[name] ?? (1, 1, 1)
        var flags: [String]
        if keyless.contains(name) && first == 0 {
            flags = ["fast"]
        } else {
            let sample = [Array(name.utf8)] + Array(repeating: [UInt8(ascii: "1")], count: max(0, abs(arity) - 1))
            switch parse(sample) {
            case .success(.read): flags = ["readonly", "fast"]
            default: flags = ["write"]
            }
        }
        if ["subscribe", "unsubscribe", "psubscribe", "punsubscribe", "publish"].contains(name) { flags = ["pubsub"] }
        return CommandInfo(
            name: name,
            arity: arity,
            flags: flags,
            firstKey: first,
            lastKey: last,
            step: step,
            categories: categories[name] ?? []
        )
    }

    public static var allCommandInfo: [CommandInfo] { commandNames.compactMap(commandInfo) }
}
