/// The Redis commands the store runs from their words (`KeyValueCommand.redis`,
/// `ReadCommand.redis`), each with its arity as Redis states it: n means exactly n words (the
/// name included), -n at least n.
///
/// Written once: the parser's arity table is built from these, and the store checks the same
/// arities again when it runs words, because words in a committed entry may come from an
/// older or buggier node and every replica must refuse them alike.
public enum RedisWordCommands {
    /// Writes, run by `KeyValueStore.executeRedis` when their entry is applied.
    public static let writeArities: [String: Int] = [
        "setnx": 3, "setex": 4, "psetex": 4, "getset": 3, "getdel": 2, "getex": -2, "msetnx": -3,
        "incrbyfloat": 3, "append": 3, "setrange": 4, "unlink": -2, "rename": 3, "renamenx": 3, "flushall": -1,
        "hset": -4, "hmset": -4, "hsetnx": 4, "hdel": -3, "hincrby": 4, "hincrbyfloat": 4,
    ]

    /// Reads, served by `KeyValueStore.readRedis` (and run at apply time inside a transaction).
    public static let readArities: [String: Int] = [
        "strlen": 2, "getrange": 4, "substr": 4, "expiretime": 2, "pexpiretime": 2, "type": 2, "keys": 2,
        "scan": -2, "randomkey": 1, "object": -2, "hget": 3, "hmget": -3, "hgetall": 2, "hkeys": 2, "hvals": 2,
        "hlen": 2, "hexists": 3, "hstrlen": 3, "hscan": -3,
    ]

    /// Whether `wordCount` words (the name included) satisfy `arity`.
    public static func accepts(arity: Int, wordCount: Int) -> Bool {
        arity > 0 ? wordCount == arity : wordCount >= -arity
    }

    /// Redis's reply to a command given the wrong number of words.
    public static func wrongArity(_ name: String) -> String {
        "ERR wrong number of arguments for '\(name)' command"
    }
}
