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
    /// `COMMAND` needs). Redis's own commands carry Redis 7's categories (from its COMMAND INFO);
    /// Synod's own are chosen to fit: writes `@write`, waits `@blocking`.
    ///
    /// The subcommands listed here are the ones Synod runs: this table is where ACL rules learn
    /// that `client|id` exists.
    public static let categories: [String: [ACLCategory]] = [
        // Strings and keys.
        "get": [.read, .string, .fast], "set": [.write, .string, .slow], "del": [.keyspace, .write, .slow],
        "exists": [.keyspace, .read, .fast], "expire": [.keyspace, .write, .fast],
        "pexpire": [.keyspace, .write, .fast], "expireat": [.keyspace, .write, .fast],
        "pexpireat": [.keyspace, .write, .fast], "ttl": [.keyspace, .read, .fast], "pttl": [.keyspace, .read, .fast],
        "persist": [.keyspace, .write, .fast], "incr": [.write, .string, .fast], "incrby": [.write, .string, .fast],
        "decr": [.write, .string, .fast], "decrby": [.write, .string, .fast], "mget": [.read, .string, .fast],
        "mset": [.write, .string, .slow], "dbsize": [.keyspace, .read, .fast], "setnx": [.write, .string, .fast],
        "setex": [.write, .string, .slow], "psetex": [.write, .string, .slow], "getset": [.write, .string, .fast],
        "getdel": [.write, .string, .fast], "getex": [.write, .string, .fast], "msetnx": [.write, .string, .slow],
        "incrbyfloat": [.write, .string, .fast], "append": [.write, .string, .fast],
        "setrange": [.write, .string, .slow], "unlink": [.keyspace, .write, .fast],
        "rename": [.keyspace, .write, .slow], "renamenx": [.keyspace, .write, .fast],
        "flushall": [.keyspace, .write, .slow, .dangerous], "strlen": [.read, .string, .fast],
        "getrange": [.read, .string, .slow], "substr": [.read, .string, .slow],
        "expiretime": [.keyspace, .read, .fast], "pexpiretime": [.keyspace, .read, .fast],
        "type": [.keyspace, .read, .fast], "keys": [.keyspace, .read, .slow, .dangerous],
        "scan": [.keyspace, .read, .slow], "randomkey": [.keyspace, .read, .slow], "object": [.slow],
        "object|encoding": [.keyspace, .read, .slow],
        // Hashes.
        "hset": [.write, .hash, .fast], "hmset": [.write, .hash, .fast], "hsetnx": [.write, .hash, .fast],
        "hdel": [.write, .hash, .fast], "hincrby": [.write, .hash, .fast], "hincrbyfloat": [.write, .hash, .fast],
        "hget": [.read, .hash, .fast], "hmget": [.read, .hash, .fast], "hgetall": [.read, .hash, .slow],
        "hkeys": [.read, .hash, .slow], "hvals": [.read, .hash, .slow], "hlen": [.read, .hash, .fast],
        "hexists": [.read, .hash, .fast], "hstrlen": [.read, .hash, .fast], "hscan": [.read, .hash, .slow],
        // The connection.
        "ping": [.fast, .connection], "echo": [.fast, .connection], "hello": [.fast, .connection],
        "auth": [.fast, .connection], "select": [.fast, .connection], "quit": [.fast, .connection],
        "readonly": [.fast, .connection], "readwrite": [.fast, .connection], "time": [.fast],
        "client": [.slow], "client|setname": [.slow, .connection], "client|getname": [.slow, .connection],
        "client|id": [.slow, .connection], "client|list": [.admin, .slow, .dangerous, .connection],
        "client|tracking": [.slow, .connection], "client|caching": [.slow, .connection],
        "client|getredir": [.slow, .connection], "client|info": [.slow, .connection],
        "client|kill": [.admin, .slow, .dangerous, .connection],
        // The server.
        "command": [.slow, .connection], "command|count": [.slow, .connection],
        "command|docs": [.slow, .connection], "command|info": [.slow, .connection], "config": [.slow],
        "config|get": [.admin, .slow, .dangerous], "config|set": [.admin, .slow, .dangerous],
        "info": [.slow, .dangerous], "cluster": [.slow], "cluster|info": [.slow], "cluster|myid": [.slow],
        "cluster|keyslot": [.slow], "cluster|slots": [.slow], "cluster|shards": [.slow], "cluster|nodes": [.slow],
        "acl": [.slow], "acl|cat": [.slow], "acl|deluser": [.admin, .slow, .dangerous],
        "acl|dryrun": [.admin, .slow, .dangerous], "acl|genpass": [.slow],
        "acl|getuser": [.admin, .slow, .dangerous], "acl|help": [.slow], "acl|list": [.admin, .slow, .dangerous],
        "acl|load": [.admin, .slow, .dangerous], "acl|save": [.admin, .slow, .dangerous],
        "acl|setuser": [.admin, .slow, .dangerous], "acl|users": [.admin, .slow, .dangerous],
        "acl|whoami": [.slow],
        // Transactions.
        "multi": [.fast, .transaction], "exec": [.slow, .transaction], "discard": [.fast, .transaction],
        "watch": [.fast, .transaction], "unwatch": [.fast, .transaction],
        // Publish/subscribe.
        "subscribe": [.pubsub, .slow], "unsubscribe": [.pubsub, .slow], "psubscribe": [.pubsub, .slow],
        "punsubscribe": [.pubsub, .slow], "publish": [.pubsub, .fast], "pubsub": [.slow],
        "pubsub|channels": [.pubsub, .slow], "pubsub|numsub": [.pubsub, .slow], "pubsub|numpat": [.pubsub, .slow],
        // Synod's own: compare-and-swap, leases, locks, elections, watches, the service registry.
        "cas": [.write, .string, .fast], "cad": [.keyspace, .write, .fast], "lease.grant": [.write, .fast],
        "lease.keepalive": [.write, .fast], "lease.revoke": [.write, .fast], "lease.ttl": [.read, .fast],
        "lock.acquire": [.write, .slow, .blocking], "lock.release": [.write, .fast],
        "lock.refresh": [.write, .fast], "lock.info": [.read, .fast], "elect.campaign": [.write, .slow, .blocking],
        "elect.leader": [.read, .fast], "elect.resign": [.write, .fast], "watch.key": [.read, .slow],
        "watch.prefix": [.read, .slow], "watch.cancel": [.fast, .connection],
        "service.register": [.write, .slow], "service.deregister": [.write, .fast],
        "service.list": [.read, .slow], "service.watch": [.read, .slow],
    ]

    /// What a command does to the keys at its key positions (`keys(of:)`), where Redis's key
    /// specifications say more than "looks at it": commands missing here only look (`none`).
    /// SET, RENAME and RENAMENX depend on more than the name (`keyUses(of:)`).
    static let keyAccess: [String: ACLKeyAccess] = [
        "get": .read, "ttl": .read, "pttl": .read, "mget": .read, "getrange": .read, "substr": .read,
        "expiretime": .read, "pexpiretime": .read, "hget": .read, "hmget": .read, "hgetall": .read,
        "hkeys": .read, "hvals": .read, "hscan": .read, "object|encoding": .none,
        "del": .write, "expire": .write, "pexpire": .write, "expireat": .write, "pexpireat": .write,
        "persist": .write, "mset": .write, "setnx": .write, "setex": .write, "psetex": .write, "msetnx": .write,
        "append": .write, "setrange": .write, "unlink": .write, "hset": .write, "hmset": .write, "hsetnx": .write,
        "hdel": .write, "incr": .readWrite, "incrby": .readWrite, "decr": .readWrite, "decrby": .readWrite,
        "getset": .readWrite, "getdel": .readWrite, "getex": .readWrite, "incrbyfloat": .readWrite,
        "hincrby": .readWrite, "hincrbyfloat": .readWrite, "cas": .readWrite, "cad": .readWrite,
    ]

    /// Commands a client runs whatever its user's rules allow, as Redis does (its `no_auth`
    /// flag): logging in, switching protocol, leaving.
    static let alwaysPermitted: Set<String> = ["auth", "hello", "quit"]

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
        guard let arity = arities[name], RedisWordCommands.accepts(arity: arity, wordCount: words.count) else {
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
        case "rename", "renamenx":
            return uses([words[1]], .readWrite) + uses([words[2]], .write)
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
            return uses([ServiceRegistry.prefix(words[1])], .read, prefix: true)
        default:
            return uses(keys(of: words), keyAccess[aclName] ?? .none)
        }
    }
}
