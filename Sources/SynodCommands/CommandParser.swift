import SynodKeyValue

/// Parses a request into a `ClientCommand`, or the error Redis would answer.
public enum CommandParser {
    /// Each command's arity as Redis states it: n means exactly n words (the name included),
    /// -n at least n. The commands the store runs from their words bring their own
    /// (`RedisWordCommands`).
    static let arities: [String: Int] = [
        "get": 2, "set": -3, "del": -2, "exists": -2, "expire": -3, "pexpire": -3, "expireat": -3,
        "pexpireat": -3, "ttl": 2, "pttl": 2, "persist": 2, "incr": 2, "incrby": 3, "decr": 2, "decrby": 3,
        "mget": -2, "mset": -3, "dbsize": 1, "ping": -1, "echo": 2, "hello": -1, "auth": -2, "select": 2, "quit": -1,
        "client": -2, "command": -1, "config": -2, "info": -1, "readonly": 1, "readwrite": 1,
        "cas": -4, "cad": 3, "lease.grant": 2, "lease.keepalive": 2, "lease.revoke": 2, "lease.ttl": 2,
        "lock.acquire": -4, "lock.release": 3, "lock.refresh": 4, "lock.info": 2, "elect.campaign": -3,
        "elect.leader": 2, "elect.resign": 3, "watch.key": -2, "watch.prefix": -2, "watch.cancel": 1,
        "time": 1, "multi": 1, "exec": 1, "discard": 1, "watch": -2, "unwatch": 1, "cluster": -2,
        "subscribe": -2, "unsubscribe": -1, "psubscribe": -2, "punsubscribe": -1, "publish": 3, "pubsub": -2,
        "service.register": -6, "service.deregister": 3, "service.list": 2, "service.watch": -2, "acl": -2,
    ].merging(
        RedisWordCommands.writeArities.merging(RedisWordCommands.readArities) { _, _ in
            preconditionFailure("a command is both a write and a read")
        }
    ) { _, _ in preconditionFailure("a command is parsed here and run from its words") }

    /// The command names Synod knows, lowercased.
    public static var commandNames: [String] { arities.keys.sorted() }

    /// Parses any request, however it arrived (a client, a forwarding peer): an empty one or
    /// one with the wrong words is a rejection, never a trap.
    public static func parse(_ request: [[UInt8]]) -> Result<ClientCommand, CommandRejection> {
        guard let first = request.first else { return .failure(CommandRejection(CommandError.emptyCommand)) }
        let name = asciiLowercased(first)
        guard let arity = arities[name] else {
            return .failure(CommandRejection(CommandError.unknownCommand(first, arguments: request.dropFirst())))
        }
        guard RedisWordCommands.accepts(arity: arity, wordCount: request.count) else {
            return .failure(CommandRejection(CommandError.wrongArity(name)))
        }
        do {
            return .success(try parse(name, Array(request.dropFirst())))
        } catch {
            return .failure(error)
        }
    }

    static func parse(_ name: String, _ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        if RedisWordCommands.writeArities[name] != nil {
            try checkWrite(name, arguments)
            return .write(.redis(words: [Array(name.utf8)] + arguments))
        }
        if RedisWordCommands.readArities[name] != nil {
            return .read(.redis(words: [Array(name.utf8)] + arguments))
        }
        switch name {
        case "get": return .read(.get(key: arguments[0]))
        case "mget": return .read(.multiGet(keys: arguments))
        case "exists": return .read(.exists(keys: arguments))
        case "ttl": return .read(.timeToLive(key: arguments[0], inMilliseconds: false))
        case "pttl": return .read(.timeToLive(key: arguments[0], inMilliseconds: true))
        case "dbsize": return .read(.keyCount)
        case "set": return .write(try parseSet(arguments))
        case "del": return .write(.delete(keys: arguments))
        case "expire", "pexpire", "expireat", "pexpireat": return .write(try parseExpire(name, arguments))
        case "persist": return .write(.persist(key: arguments[0]))
        case "incr": return .write(.increment(key: arguments[0], by: 1))
        case "decr": return .write(.increment(key: arguments[0], by: -1))
        case "incrby": return .write(.increment(key: arguments[0], by: try integer(arguments[1])))
        case "decrby":
            let amount = try integer(arguments[1])
            guard amount != Int64.min else { throw CommandRejection("ERR decrement would overflow") }
            return .write(.increment(key: arguments[0], by: -amount))
        case "mset":
            guard arguments.count % 2 == 0 else { throw CommandRejection(CommandError.wrongArity(name)) }
            let pairs = stride(from: 0, to: arguments.count, by: 2).map {
                KeyValuePair(key: arguments[$0], value: arguments[$0 + 1])
            }
            return .write(.multiSet(pairs: pairs))
        case "time":
            return .connection(.time)
        case "config"
        where arguments.count == 3 && keyword(arguments[0]) == "SET"
            && ["maxmemory", "maxmemory-policy"].contains(String(decoding: arguments[1], as: UTF8.self).lowercased()):
            return .write(try parseMemorySetting(arguments[1], arguments[2]))
        case "multi":
            return .connection(.multi)
        case "exec":
            return .connection(.exec)
        case "discard":
            return .connection(.discard)
        case "watch":
            return .connection(.watchKeys(arguments))
        case "unwatch":
            return .connection(.unwatch)
        default:
            if let command = try parseCoordination(name, arguments) { return command }
            return .connection(try parseConnection(name, arguments))
        }
    }

    /// What Redis refuses of a write run from its words before it looks at the data: the
    /// store checks the same again when it applies them, but a refusal here keeps the
    /// entry out of the log (SETRANGE's offset and size, as Redis checks them).
    static func checkWrite(_ name: String, _ arguments: [[UInt8]]) throws(CommandRejection) {
        switch name {
        case "msetnx":
            guard arguments.count % 2 == 0 else { throw CommandRejection(CommandError.wrongArity(name)) }
        case "setrange":
            let offset = try integer(arguments[1])
            guard offset >= 0 else { throw CommandRejection(KeyValueStore.offsetOutOfRange) }
            guard arguments[2].isEmpty || KeyValueStore.fitsStringBytesMax(offset: offset, count: arguments[2].count)
            else { throw CommandRejection(KeyValueStore.stringTooLong) }
        case "append":
            guard arguments[1].count <= KeyValueStore.stringBytesMax else {
                throw CommandRejection(KeyValueStore.stringTooLong)
            }
        default:
            break
        }
    }

    /// CONFIG SET maxmemory | maxmemory-policy: replicated, so every replica evicts alike.
    static func parseMemorySetting(_ name: [UInt8], _ value: [UInt8]) throws(CommandRejection) -> KeyValueCommand {
        let text = String(decoding: value, as: UTF8.self)
        if String(decoding: name, as: UTF8.self).lowercased() == "maxmemory" {
            guard let bytes = MemoryLimit.parseBytes(text) else {
                throw CommandRejection(
                    "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
                )
            }
            return .configure(maxMemoryBytes: bytes, policy: nil)
        }
        guard let policy = EvictionPolicy(rawValue: text.lowercased()) else {
            throw CommandRejection(
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, allkeys-random, volatile-ttl, noeviction"
            )
        }
        return .configure(maxMemoryBytes: nil, policy: policy)
    }

    /// A 64-bit integer argument, parsed exactly as Redis does.
    static func integer(_ bytes: [UInt8]) throws(CommandRejection) -> Int64 {
        guard let value = KeyValueStore.parseInteger(bytes) else { throw CommandRejection(CommandError.notAnInteger) }
        return value
    }

    static func keyword(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self).uppercased() }

    /// Command names are ASCII: folding only A-Z is what Redis does, and far cheaper than
    /// Unicode lowercasing on every request.
    static func asciiLowercased(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (position, byte) in bytes.enumerated() {
                buffer[position] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return bytes.count
        }
    }
}

/// A request Synod will not run, with the error reply Redis gives for it.
public struct CommandRejection: Error, Hashable, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }
}
