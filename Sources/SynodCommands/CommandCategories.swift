import SynodCore
import SynodKeyValue

/// Redis's ACL command categories (`+@read`, `-@dangerous`, `ACL CAT`), in the order
/// `ACL CAT` lists them. Synod knows every category Redis has, so that rules written for Redis
/// load unchanged, even where Synod has no command in a category (lists, sets, scripting ...).
public enum ACLCategory: String, CaseIterable, Hashable, Sendable {
    case keyspace, read, write, set, sortedset, list, hash, string, bitmap, hyperloglog, geo, stream, pubsub
    case admin, fast, slow, blocking, dangerous, connection, transaction, scripting
}

/// How a command uses a key, as Redis's key specifications say it: `read` when it returns or
/// depends on the value (Redis's ACCESS flag), `write` when it inserts, updates or deletes it,
/// `none` when it only looks at whether the key exists, its type or length (any key pattern
/// of the user's allows that, whatever its `%R`/`%W` flags).
public struct ACLKeyAccess: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = ACLKeyAccess(rawValue: 1)
    public static let write = ACLKeyAccess(rawValue: 2)
    public static let none: ACLKeyAccess = []
    public static let readWrite: ACLKeyAccess = [.read, .write]
}

/// One key a command names, with what it does to it; `isPrefix` for the Synod commands that
/// act on every key under a prefix (WATCH.PREFIX, SERVICE.LIST, SERVICE.WATCH).
public struct ACLKeyUse: Hashable, Sendable {
    public let key: [UInt8]
    public let access: ACLKeyAccess
    public let isPrefix: Bool
}

extension CommandParser {
    /// Each command's ACL categories, by its ACL name: the command, or `container|subcommand`
    /// for the subcommands of CLIENT, CONFIG, COMMAND, CLUSTER, PUBSUB, OBJECT and ACL (a
    /// container's own entry is what `+client` adds besides its subcommands, and what a bare
    /// `COMMAND` needs). From `CommandRegistry`; this is where ACL rules learn that
    /// `client|id` exists.
    public static let categories: [String: [ACLCategory]] = CommandRegistry.specs.mapValues(\.categories)

    /// Commands a client runs whatever its user's rules allow, as Redis does (its `no_auth`
    /// flag): logging in, switching protocol, leaving.
    static let alwaysPermitted = Set(CommandRegistry.specs.values.filter { $0.flags.contains(.noAuth) }.map(\.name))

    /// The subcommands of each container command (`client`: `client|id`, ...), sorted.
    static let subcommandsByContainer: [String: [String]] = Dictionary(
        grouping: categories.keys.filter { $0.contains("|") },
        by: { String($0.prefix { $0 != "|" }) }
    ).mapValues { $0.sorted() }

    /// The subcommands of a container command (`client` gives `client|id`, ...), sorted.
    public static func subcommands(of container: String) -> [String] { subcommandsByContainer[container] ?? [] }

    /// The commands and subcommands in a category, sorted (ACL CAT category).
    public static func commands(in category: ACLCategory) -> [String] {
        categories.filter { $0.value.contains(category) }.map(\.key).sorted()
    }

    /// The name ACL rules know a request by (`get`, `client|id`, `command` for a bare COMMAND),
    /// or nil when the request fails before permissions are looked at, as in Redis: an unknown
    /// command, the wrong number of words, an unknown subcommand.
    public static func aclName(of words: [[UInt8]]) -> String? {
        guard let first = words.first else { return nil }
        let name = asciiLowercased(first)
        guard let arity = CommandRegistry.command(name)?.arity,
            RedisWordCommands.accepts(arity: arity, wordCount: words.count)
        else {
            return nil
        }
        guard words.count > 1, subcommandsByContainer[name] != nil else { return name }
        // An unknown subcommand is refused by the parser, or (OBJECT's) by the store without
        // looking at any data.
        let full = name + "|" + asciiLowercased(words[1])
        return categories[full] == nil ? nil : full
    }

    /// The keys a request names and what it does to each, for the user's key patterns.
    public static func keyUses(of words: [[UInt8]], aclName: String) -> [ACLKeyUse] {
        func uses(_ keys: [[UInt8]], _ access: ACLKeyAccess, prefix: Bool = false) -> [ACLKeyUse] {
            keys.map { ACLKeyUse(key: $0, access: access, isPrefix: prefix) }
        }
        switch aclName {
        case "set":
            // SET ... GET reads the old value too.
            let getsOld = words.dropFirst(3).contains { keyword($0) == "GET" }
            return uses([words[1]], getsOld ? .readWrite : .write)
        case "rename", "renamenx", "lmove", "rpoplpush", "smove", "blmove", "brpoplpush":
            return uses([words[1]], .readWrite) + uses([words[2]], .write)
        case "copy":
            return uses([words[1]], .read) + uses([words[2]], .write)
        case "sinterstore", "sunionstore", "sdiffstore":
            return uses([words[1]], .write) + uses(Array(words.dropFirst(2)), .read)
        case "zunionstore", "zinterstore", "zdiffstore":
            let keys = keys(of: words)
            return uses(Array(keys.prefix(1)), .write) + uses(Array(keys.dropFirst()), .read)
        case "zrangestore":
            return uses([words[1]], .write) + uses([words[2]], .read)
        case "object|encoding":
            return words.count > 2 ? uses([words[2]], .none) : []
        case "watch.key":
            return uses([words[1]], .read)
        case "watch.prefix":
            return uses([words[1]], .read, prefix: true)
        case "service.register", "service.deregister":
            guard let key = try? ServiceRegistry.key(service: words[1], instance: words[2]) else {
                return []  // An invalid name: the parser refuses the request anyway.
            }
            return uses([key], .write)
        case "service.list", "service.watch":
            return uses([KeyValueStore.serviceRegistryPrefix(of: words[1])], .read, prefix: true)
        default:
            return uses(keys(of: words), CommandRegistry.specs[aclName]?.access ?? .none)
        }
    }
}
