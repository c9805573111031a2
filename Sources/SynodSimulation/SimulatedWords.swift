import SynodCore

/// Redis-word commands as a simulated client sends them: written as words and parsed by the
/// node's own parser, on keys of their own (`w0`..`w3`, hashes `h0`, `h1`, lists `l0`, `l1`,
/// sets `s0`, `s1`, sorted sets `z0`, `z1`, streams `x0`, `x1`),
/// apart from the
/// register keys the linearizability model owns; coordination commands on lock, election and
/// service names of their own. Their results are checked against the committed log
/// (`Simulator+Witness`).
enum SimulatedWords {
    static let keys = ["w0", "w1", "w2", "w3"]
    static let hashKeys = ["h0", "h1"]
    static let listKeys = ["l0", "l1"]
    static let setKeys = ["s0", "s1"]
    static let sortedSetKeys = ["z0", "z1"]
    static let streamKeys = ["x0", "x1"]
    static let fields = ["f0", "f1", "f2"]

    /// A random write (sometimes a read) of the Redis and coordination surface. `owner` names
    /// the client in locks, elections and the registry; `lease` is one it was granted, if
    /// any. FLUSHALL empties the register keys too, so it comes only when `mayFlush` (a run
    /// whose clients send nothing but words).
    static func command(
        _ random: inout SeededGenerator,
        value: UInt64,
        owner: String,
        lease: UInt64?,
        mayFlush: Bool
    ) -> [String] {
        func key() -> String { keys[random.nextIndex(below: keys.count)] }
        func hashKey() -> String { hashKeys[random.nextIndex(below: hashKeys.count)] }
        func field() -> String { fields[random.nextIndex(below: fields.count)] }
        func small() -> String { String(Int(random.nextIndex(below: 21)) - 10) }
        func ttl() -> String { String(50 + random.nextIndex(below: 2_000)) }
        let text = String(value)
        let leaseID = String(lease ?? UInt64(1 + random.nextIndex(below: 4)))
        let choice = random.nextIndex(below: mayFlush ? 101 : 100)
        if choice == 100 { return sortedSetCommand(13, &random, text: text) }
        if choice >= 87 { return streamCommand(choice - 87, &random, text: text) }
        if choice >= 74 { return sortedSetCommand(choice - 74, &random, text: text) }
        if choice >= 64 { return setCommand(choice - 64, &random, text: text) }
        if choice >= 49 { return listCommand(choice - 49, &random, text: text) }
        switch choice {
        case 0: return ["SET", key(), text]
        case 1: return ["SET", key(), text, "NX"]
        case 2: return ["SET", key(), text, "XX", "GET"]
        case 3: return ["SET", key(), text, "PX", ttl()]
        case 4: return ["SET", key(), text, "KEEPTTL"]
        case 5: return ["INCR", key()]
        case 6: return ["INCRBY", key(), small()]
        case 7: return ["DECR", key()]
        case 8: return ["DECRBY", key(), small()]
        case 9: return ["INCRBYFLOAT", key(), "\(small()).5"]
        case 10: return ["APPEND", key(), "-\(text)"]
        case 11: return ["SETRANGE", key(), String(random.nextIndex(below: 6)), text]
        case 12: return ["GETSET", key(), text]
        case 13: return ["GETDEL", key()]
        case 14: return ["GETEX", key(), "PX", ttl()]
        case 15: return ["SETNX", key(), text]
        case 16: return ["SETEX", key(), "5", text]
        case 17: return ["PSETEX", key(), ttl(), text]
        case 18: return ["MSET", key(), text, key(), text]
        case 19: return ["MSETNX", key(), text, key(), text]
        case 20: return ["DEL", key(), key()]
        case 21: return ["UNLINK", key()]
        case 22: return ["EXPIRE", key(), "3"]
        case 23: return ["PEXPIRE", key(), ttl(), ["NX", "XX", "GT", "LT"][random.nextIndex(below: 4)]]
        case 24: return ["EXPIREAT", key(), "1700000009"]
        case 25: return ["PEXPIREAT", key(), "1700000004000"]
        case 26: return ["PERSIST", key()]
        case 27: return ["RENAME", key(), key()]
        case 28: return ["RENAMENX", key(), key()]
        case 29: return ["CAS", key(), text, String(value + 1)]
        case 30: return ["CAD", key(), text]
        case 31: return ["HSET", hashKey(), field(), text]
        case 32: return ["HMSET", hashKey(), field(), text, field(), text]
        case 33: return ["HSETNX", hashKey(), field(), text]
        case 34: return ["HDEL", hashKey(), field()]
        case 35: return ["HINCRBY", hashKey(), field(), small()]
        case 36: return ["HINCRBYFLOAT", hashKey(), field(), "\(small()).25"]
        case 37: return ["GET", key()]
        case 38: return ["HGETALL", hashKey()]
        case 39: return ["STRLEN", key()]
        case 40: return ["LOCK.ACQUIRE", "wl0", owner, ttl()]
        case 41: return ["LOCK.REFRESH", "wl0", owner, ttl()]
        case 42: return ["LOCK.RELEASE", "wl0", owner]
        case 43:
            return ["ELECT.CAMPAIGN", "we0", owner] + (random.nextBool(probability: 0.5) ? ["LEASE", leaseID] : [])
        case 44: return ["ELECT.RESIGN", "we0", owner]
        case 45: return ["SERVICE.REGISTER", "ws", owner, "10.0.0.\(value % 250):80", "LEASE", leaseID]
        case 46: return ["SERVICE.DEREGISTER", "ws", owner]
        case 47: return ["LEASE.GRANT", ttl()]
        default: return ["LEASE.REVOKE", leaseID]
        }
    }

    /// One of the set commands (`choice` below 9), or COPY (9). Members are few, so that adds,
    /// removes and moves meet members that are there.
    private static func setCommand(_ choice: Int, _ random: inout SeededGenerator, text: String) -> [String] {
        func setKey() -> String {
            random.nextBool(probability: 0.05)
                ? keys[random.nextIndex(below: keys.count)] : setKeys[random.nextIndex(below: setKeys.count)]
        }
        let member = "m\(random.nextIndex(below: 5))"
        switch choice {
        case 0: return ["SADD", setKey(), member, "m\(random.nextIndex(below: 5))"]
        case 1: return ["SREM", setKey(), member]
        case 2: return ["SPOP", setKey()] + (random.nextBool(probability: 0.5) ? ["2"] : [])
        case 3: return ["SMOVE", setKey(), setKey(), member]
        case 4: return ["SINTERSTORE", setKey(), setKey(), setKey()]
        case 5: return ["SUNIONSTORE", setKey(), setKey(), setKey()]
        case 6: return ["SDIFFSTORE", setKey(), setKey(), setKey()]
        case 7: return ["SMEMBERS", setKey()]
        case 8: return ["SINTERCARD", "2", setKey(), setKey()]
        default:
            // Never onto itself: the parser refuses that, and these words must reach the log.
            let destination = setKey()
            let source = random.nextBool(probability: 0.5) ? "w0" : setKeys.first { $0 != destination }!
            return ["COPY", source == destination ? "w1" : source, destination, "REPLACE"]
        }
    }

    /// One of the sorted set commands (`choice` below 13); 13 is FLUSHALL or FLUSHDB. Members
    /// and scores are few, so that options and ranges meet members that are there.
    private static func sortedSetCommand(_ choice: Int, _ random: inout SeededGenerator, text: String) -> [String] {
        func key() -> String {
            random.nextBool(probability: 0.05)
                ? setKeys[random.nextIndex(below: setKeys.count)]
                : sortedSetKeys[random.nextIndex(below: sortedSetKeys.count)]
        }
        func member() -> String { "m\(random.nextIndex(below: 5))" }
        func score() -> String { ["0", "1", "2.5", "-1", "inf", String(text.suffix(2))][random.nextIndex(below: 6)] }
        let options = [[], ["NX"], ["XX", "CH"], ["GT"], ["LT", "CH"], ["INCR"]][random.nextIndex(below: 6)]
        // A blocking form now and then, with a short timeout so that every client goes on.
        let blocking = random.nextBool(probability: 0.3)
        let timeout = ["0.05", "0.2", "1"][random.nextIndex(below: 3)]
        switch choice {
        case 6 where blocking:
            return [random.nextBool(probability: 0.5) ? "BZPOPMIN" : "BZPOPMAX", key(), key(), timeout]
        case 7 where blocking:
            return [
                "BZMPOP", timeout, "2", key(), key(), random.nextBool(probability: 0.5) ? "MIN" : "MAX", "COUNT", "2",
            ]
        case 0:
            return ["ZADD", key()] + options + [score(), member()] + (options == ["INCR"] ? [] : [score(), member()])
        case 1: return ["ZINCRBY", key(), score(), member()]
        case 2: return ["ZREM", key(), member(), member()]
        case 3: return ["ZREMRANGEBYRANK", key(), "0", String(random.nextIndex(below: 3) - 1)]
        case 4: return ["ZREMRANGEBYSCORE", key(), "(0", score()]
        case 5: return ["ZREMRANGEBYLEX", key(), "[m1", "(m3"]
        case 6:
            return [random.nextBool(probability: 0.5) ? "ZPOPMIN" : "ZPOPMAX", key()]
                + (random.nextBool(probability: 0.5) ? ["2"] : [])
        case 7: return ["ZMPOP", "2", key(), key(), random.nextBool(probability: 0.5) ? "MIN" : "MAX", "COUNT", "2"]
        case 8: return ["ZUNIONSTORE", key(), "2", key(), key(), "WEIGHTS", "2", "1"]
        case 9: return ["ZINTERSTORE", key(), "2", key(), key(), "AGGREGATE", "MAX"]
        case 10: return ["ZDIFFSTORE", key(), "2", key(), key()]
        case 11: return ["ZRANGESTORE", key(), key(), "0", "2", "REV"]
        case 12: return ["ZRANGE", key(), "-inf", "+inf", "BYSCORE", "WITHSCORES"]
        default: return [random.nextBool(probability: 0.5) ? "FLUSHALL" : "FLUSHDB"]
        }
    }

    /// One of the stream commands (`choice` below 13), on two streams, two groups and three
    /// consumers, so that reads, acknowledgements and claims meet entries that are pending.
    private static func streamCommand(_ choice: Int, _ random: inout SeededGenerator, text: String) -> [String] {
        func key() -> String {
            random.nextBool(probability: 0.05)
                ? keys[random.nextIndex(below: keys.count)] : streamKeys[random.nextIndex(below: streamKeys.count)]
        }
        func group() -> String { ["g0", "g1"][random.nextIndex(below: 2)] }
        func consumer() -> String { "c\(random.nextIndex(below: 3))" }
        // Small explicit ids, never 0-0 (which the parser refuses, leaving nothing to check).
        func id() -> String {
            random.nextBool(probability: 0.5) ? "0-\(1 + random.nextIndex(below: 4))" : "\(1 + (Int(text) ?? 0) % 997)"
        }
        switch choice {
        case 0:
            let trim = [[], ["MAXLEN", "~", "3"], ["MAXLEN", "5"], ["MINID", id()], ["NOMKSTREAM"]][
                random.nextIndex(below: 5)
            ]
            return ["XADD", key()] + trim + [random.nextBool(probability: 0.8) ? "*" : id(), "v", text]
        case 1: return ["XTRIM", key(), "MAXLEN", String(random.nextIndex(below: 6))]
        case 2: return ["XDEL", key(), id(), id()]
        case 3: return ["XGROUP", "CREATE", key(), group(), random.nextBool(probability: 0.5) ? "$" : "0", "MKSTREAM"]
        case 4: return ["XGROUP", "SETID", key(), group(), random.nextBool(probability: 0.5) ? "$" : "0"]
        case 5:
            return random.nextBool(probability: 0.2)
                ? ["XGROUP", "DESTROY", key(), group()] : ["XGROUP", "CREATECONSUMER", key(), group(), consumer()]
        case 6: return ["XGROUP", "DELCONSUMER", key(), group(), consumer()]
        case 7, 8:
            // Now and then blocking, with a short timeout so that every client goes on.
            let blocking =
                random.nextBool(probability: 0.3) ? ["BLOCK", ["50", "200"][random.nextIndex(below: 2)]] : []
            if choice == 8 && !blocking.isEmpty {
                return ["XREAD", "COUNT", "2"] + blocking + ["STREAMS", key(), key(), "$", id()]
            }
            let options = [[], ["COUNT", "2"], ["NOACK"]][random.nextIndex(below: 3)] + blocking
            return ["XREADGROUP", "GROUP", group(), consumer()] + options
                + ["STREAMS", key(), random.nextBool(probability: 0.7) ? ">" : "0"]
        case 9: return ["XACK", key(), group(), id(), id()]
        case 10: return ["XCLAIM", key(), group(), consumer(), "0", id(), id()]
        case 11: return ["XAUTOCLAIM", key(), group(), consumer(), "0", "0", "COUNT", "2"]
        default: return ["XSETID", key(), "\(1 + (Int(text) ?? 0) % 997)-5"]
        }
    }

    /// One of the list commands (`choice` below 15).
    private static func listCommand(_ choice: Int, _ random: inout SeededGenerator, text: String) -> [String] {
        // Now and then a string's key, so that WRONGTYPE is answered alike everywhere too.
        func listKey() -> String {
            random.nextBool(probability: 0.05)
                ? keys[random.nextIndex(below: keys.count)] : listKeys[random.nextIndex(below: listKeys.count)]
        }
        func end() -> String { random.nextBool(probability: 0.5) ? "LEFT" : "RIGHT" }
        let index = String(Int(random.nextIndex(below: 7)) - 3)
        // A blocking form now and then, with a short timeout so that every client goes on.
        let blocking = random.nextBool(probability: 0.3)
        let timeout = ["0.05", "0.2", "1"][random.nextIndex(below: 3)]
        switch choice {
        case 4 where blocking: return ["BLPOP", listKey(), listKey(), timeout]
        case 5 where blocking: return ["BRPOP", listKey(), timeout]
        case 6 where blocking: return ["BLMPOP", timeout, "2", listKey(), listKey(), end(), "COUNT", "2"]
        case 11 where blocking: return ["BLMOVE", listKey(), listKey(), end(), end(), timeout]
        case 12 where blocking: return ["BRPOPLPUSH", listKey(), listKey(), timeout]
        case 0: return ["LPUSH", listKey(), text, "\(text)-b"]
        case 1: return ["RPUSH", listKey(), text]
        case 2: return ["LPUSHX", listKey(), text]
        case 3: return ["RPUSHX", listKey(), text]
        case 4: return ["LPOP", listKey()] + (random.nextBool(probability: 0.5) ? ["2"] : [])
        case 5: return ["RPOP", listKey()]
        case 6: return ["LMPOP", "2", listKey(), listKey(), end(), "COUNT", "2"]
        case 7: return ["LSET", listKey(), index, text]
        case 8:
            return ["LINSERT", listKey(), random.nextBool(probability: 0.5) ? "BEFORE" : "AFTER", text, "\(text)-i"]
        case 9: return ["LREM", listKey(), index, text]
        case 10: return ["LTRIM", listKey(), index, String(random.nextIndex(below: 6))]
        case 11: return ["LMOVE", listKey(), listKey(), end(), end()]
        case 12: return ["RPOPLPUSH", listKey(), listKey()]
        case 13: return ["LRANGE", listKey(), "0", "-1"]
        default: return ["LPOS", listKey(), text, "RANK", "-1", "COUNT", "0"]
        }
    }
}
