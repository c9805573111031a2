import Foundation
import SynodTestSupport
import Testing

/// The wider command surface, checked against a real redis-server: the same scripts run on
/// both, reply for reply (sorted where Redis's order is a hash table's).
@Suite(.serialized)
struct RedisDifferentialTests {
    /// Commands whose reply order Redis leaves to its hash tables.
    static let unordered: Set<String> = [
        "KEYS", "HKEYS", "HVALS", "SMEMBERS", "SINTER", "SUNION", "SDIFF", "SPOP", "SRANDMEMBER", "SCAN", "SSCAN",
        "ZRANDMEMBER", "HRANDFIELD",
    ]

    static let scripts: [[[String]]] = [
        // Strings.
        [
            ["SETNX", "s", "1"], ["SETNX", "s", "2"], ["GET", "s"], ["SETEX", "s", "100", "x"], ["TTL", "s"],
            ["PSETEX", "p", "100000", "y"], ["PTTL", "p"], ["SETEX", "s", "0", "x"], ["SETEX", "s", "-1", "x"],
            ["SETEX", "s", "abc", "x"], ["GETSET", "s", "z"], ["TTL", "s"], ["GETSET", "new", "v"], ["GETDEL", "new"],
            ["GETDEL", "new"], ["GETEX", "s", "EX", "50"], ["TTL", "s"], ["GETEX", "s", "PERSIST"], ["TTL", "s"],
            ["GETEX", "s", "BOGUS"], ["GETEX", "s", "EX"], ["GETEX", "missing"], ["MSETNX", "a", "1", "b", "2"],
            ["MSETNX", "a", "3", "c", "4"], ["MGET", "a", "b", "c"], ["MSETNX", "a"],
            ["INCRBYFLOAT", "f", "10.5"], ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "-5"],
            ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "f", "3.0e3"], ["SET", "notnum", "x"],
            ["INCRBYFLOAT", "notnum", "1"], ["APPEND", "ap", "Hello"], ["APPEND", "ap", " World"], ["GET", "ap"],
            ["STRLEN", "ap"], ["STRLEN", "missing"], ["GETRANGE", "ap", "0", "4"], ["GETRANGE", "ap", "-5", "-1"],
            ["GETRANGE", "ap", "5", "2"], ["GETRANGE", "ap", "0", "100"], ["GETRANGE", "ap", "-100", "2"],
            ["GETRANGE", "missing", "0", "1"], ["GETRANGE", "ap", "x", "1"], ["SETRANGE", "ap", "6", "Redis"],
            ["GET", "ap"], ["SETRANGE", "pad", "3", "x"], ["GET", "pad"], ["SETRANGE", "ap", "-1", "x"],
            ["SETRANGE", "empty", "0", ""], ["EXISTS", "empty"], ["TYPE", "ap"], ["TYPE", "missing"],
            ["SET", "n", "12345"], ["OBJECT", "ENCODING", "n"],
            ["SET", "long", String(repeating: "x", count: 60)], ["OBJECT", "ENCODING", "long"],
            ["OBJECT", "ENCODING", "missing"], ["SET", "small", "7"], ["OBJECT", "REFCOUNT", "small"],
            ["OBJECT", "REFCOUNT", "n"], ["OBJECT", "REFCOUNT", "long"], ["object", "refcount", "missing"],
            ["OBJECT", "FREQ", "n"], ["OBJECT", "IDLETIME", "missing"], ["OBJECT", "FREQ", "missing"],
            ["OBJECT", "HELP"], ["OBJECT", "REFCOUNT"], ["OBJECT", "FOO", "n"], ["OBJECT", "HELP", "x"],
            ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"], ["OBJECT", "IDLETIME", "n"],
            ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
            ["SET", "big", "9223372036854775807"], ["INCR", "big"],
            ["INCRBYFLOAT", "big", "1"], ["SET", "fl", "1e308"], ["INCRBYFLOAT", "fl", "1e308"], ["SETNX", "s"],
            ["GETRANGE", "ap", "0"], ["SETRANGE", "ap", "536870912", "x"], ["APPEND", "ap"],
        ],
        // Keys.
        [
            ["MSET", "k1", "a", "k2", "b", "other", "c"], ["KEYS", "k*"], ["KEYS", "*"], ["KEYS", "k[12]"],
            ["RENAME", "k1", "k3"], ["GET", "k1"], ["GET", "k3"], ["RENAME", "nothere", "x"], ["RENAMENX", "k3", "k2"],
            ["RENAMENX", "k3", "k4"], ["RENAME", "k4", "k4"], ["EXPIRE", "k2", "100"], ["RENAME", "k2", "k5"],
            ["TTL", "k5"], ["EXPIRETIME", "missing"], ["EXPIRETIME", "other"], ["UNLINK", "k5", "other", "nope"],
            ["DBSIZE"], ["FLUSHALL"], ["DBSIZE"], ["FLUSHALL", "BOGUS"], ["RANDOMKEY"], ["SET", "only", "1"],
            ["RANDOMKEY"], ["SET", "c1", "v"], ["EXPIRE", "c1", "100"], ["COPY", "c1", "c2"], ["TTL", "c2"],
            ["GET", "c2"], ["COPY", "c1", "c2"], ["COPY", "c1", "c2", "REPLACE"], ["COPY", "c1", "c1"],
            ["COPY", "c1", "c3", "DB", "1"], ["COPY", "c1", "c3", "DB", "0"], ["COPY", "c1", "c4", "DB", "x"],
            ["COPY", "c1", "c4", "REPLACE", "FOO"], ["COPY", "c1", "c4", "DB"], ["COPY", "nothere", "c5"],
            ["RPUSH", "cl", "a", "b"], ["COPY", "cl", "cl2"], ["RPUSH", "cl2", "c"], ["LRANGE", "cl", "0", "-1"],
            ["LRANGE", "cl2", "0", "-1"], ["SADD", "cs", "m"], ["COPY", "cs", "cl2", "REPLACE"], ["TYPE", "cl2"],
            ["DEBUG", "SLEEP", "0"], ["DEBUG"], ["FLUSHDB"], ["DBSIZE"], ["FLUSHDB", "ASYNC"], ["FLUSHDB", "BOGUS"],
        ],
        // Hashes.
        [
            ["HSET", "h", "f1", "v1", "f2", "v2"], ["HSET", "h", "f1", "x", "f3", "v3"], ["HGET", "h", "f1"],
            ["HGET", "h", "nope"], ["HGET", "missing", "f"], ["HMGET", "h", "f1", "nope", "f3"], ["HLEN", "h"],
            ["HEXISTS", "h", "f2"], ["HEXISTS", "h", "nope"], ["HSTRLEN", "h", "f3"], ["HRANDFIELD", "h", "10"],
            ["HRANDFIELD", "h", "10", "WITHVALUES"], ["HRANDFIELD", "nokey"], ["HRANDFIELD", "nokey", "2"],
            ["HRANDFIELD", "h", "0"], ["HRANDFIELD", "h", "1", "bogus"], ["HRANDFIELD", "h", "x"],
            ["HRANDFIELD", "h", "1", "WITHVALUES", "x"], ["HRANDFIELD", "h", "-9223372036854775808"],
            ["ZRANDMEMBER", "h", "-9223372036854775808"], ["HSETNX", "h", "f1", "y"],
            ["HSETNX", "h", "f4", "y"], ["HKEYS", "h"], ["HVALS", "h"], ["HDEL", "h", "f4", "nope"],
            ["HINCRBY", "h", "n", "5"], ["HINCRBY", "h", "n", "-2"], ["HINCRBY", "h", "f1", "1"],
            ["HINCRBY", "h", "n", "x"], ["HINCRBY", "h", "n", "9223372036854775807"],
            ["HINCRBYFLOAT", "h", "fl", "1.5"],
            ["HINCRBYFLOAT", "h", "f1", "1"], ["HGET", "h"], ["HSETNX", "h", "f"],
            ["HSET", "h", "odd"], ["HMSET", "h2", "a", "1"], ["EXISTS", "h", "h2", "nothere"], ["TYPE", "h"],
            ["OBJECT", "ENCODING", "h"],
            ["GET", "h"], ["INCR", "h"], ["APPEND", "h", "x"], ["SET", "str", "v"], ["HGET", "str", "f"],
            ["HSET", "str", "f", "v"], ["HLEN", "str"], ["HSCAN", "missing", "0", "COUNT", "x"],
            ["HSCAN", "str", "0", "COUNT", "x"], ["HSCAN", "h", "0", "COUNT", "0"], ["HSCAN", "h", "x"],
            ["SCAN", "0", "COUNT", "0"], ["SCAN", "0", "NOVALUES"], ["HDEL", "h", "f1", "f2", "f3", "n", "fl"],
            ["EXISTS", "h"],
            ["HDEL", "missing", "f"], ["HLEN", "missing"], ["SET", "h2", "now a string"], ["TYPE", "h2"],
        ],
        // Lists.
        [
            ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z", "y"], ["LPUSHX", "none", "x"], ["RPUSHX", "l", "d"],
            ["LRANGE", "l", "0", "-1"], ["LLEN", "l"], ["LPOP", "l"], ["RPOP", "l", "2"], ["LPOP", "l", "0"],
            ["LPOP", "none", "2"], ["RPOP", "none"], ["LPOP", "l", "-1"], ["LPOP", "l", "x"], ["LPOP", "l", "1", "2"],
            ["RPUSH", "l", "c", "c", "b"], ["LINSERT", "l", "BEFORE", "c", "x"], ["LINSERT", "l", "after", "b", "y"],
            ["LINSERT", "l", "AFTER", "nothere", "y"], ["LINSERT", "none", "AFTER", "a", "y"],
            ["LINSERT", "l", "MIDDLE", "a", "b"], ["LSET", "l", "-1", "last"], ["LSET", "l", "100", "x"],
            ["LSET", "none", "0", "x"], ["LSET", "l", "x", "x"], ["LRANGE", "l", "0", "-1"], ["LREM", "l", "-1", "c"],
            ["LREM", "l", "0", "a"], ["LREM", "l", "1", "q"], ["LREM", "l", "x", "q"], ["LINDEX", "l", "0"],
            ["LINDEX", "l", "-1"], ["LINDEX", "l", "99"], ["LINDEX", "none", "0"], ["LINDEX", "l", "x"],
            ["LRANGE", "l", "-3", "100"], ["LRANGE", "l", "5", "2"], ["LRANGE", "l", "-100", "-50"],
            ["LRANGE", "none", "0", "-1"], ["LTRIM", "l", "1", "-1"], ["LRANGE", "l", "0", "-1"],
            ["LTRIM", "none", "0", "1"], ["TYPE", "l"], ["OBJECT", "ENCODING", "l"], ["EXISTS", "l", "none"],
            ["SET", "s", "v"], ["LPUSH", "s", "x"], ["LRANGE", "s", "0", "1"], ["LLEN", "s"], ["GET", "l"],
            ["APPEND", "l", "x"], ["HSET", "l", "f", "v"], ["INCR", "l"], ["MGET", "l", "s"], ["STRLEN", "l"],
            ["LTRIM", "l", "5", "10"], ["EXISTS", "l"], ["LPUSH", "l"], ["LLEN"],
        ],
        [
            ["RPUSH", "src", "1", "2", "3"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"],
            ["LMOVE", "src", "dst", "right", "left"], ["LRANGE", "dst", "0", "-1"], ["RPOPLPUSH", "src", "dst"],
            ["EXISTS", "src"], ["RPOPLPUSH", "src", "dst"], ["LMOVE", "dst", "dst", "LEFT", "RIGHT"],
            ["LRANGE", "dst", "0", "-1"], ["LMOVE", "dst", "x", "UP", "LEFT"], ["SET", "str", "v"],
            ["LMOVE", "dst", "str", "LEFT", "LEFT"], ["LMOVE", "str", "dst", "LEFT", "LEFT"],
            ["LRANGE", "dst", "0", "-1"], ["LMPOP", "2", "none", "dst", "LEFT"],
            ["LMPOP", "2", "none", "dst", "RIGHT", "COUNT", "10"], ["LMPOP", "1", "dst", "LEFT"],
            ["LMPOP", "2", "str", "dst", "LEFT"], ["LMPOP", "0", "dst", "LEFT"], ["LMPOP", "x", "dst", "LEFT"],
            ["LMPOP", "5", "dst", "LEFT"], ["LMPOP", "1", "dst", "MIDDLE"],
            ["LMPOP", "1", "dst", "LEFT", "COUNT", "0"],
            ["LMPOP", "1", "dst", "LEFT", "COUNT", "1", "COUNT", "2"], ["LMPOP", "1", "dst", "LEFT", "BOGUS"],
            ["RPUSH", "p", "a", "b", "c", "a", "b", "a"], ["LPOS", "p", "a"], ["LPOS", "p", "a", "RANK", "2"],
            ["LPOS", "p", "a", "RANK", "-1"], ["LPOS", "p", "a", "COUNT", "0"],
            ["LPOS", "p", "a", "RANK", "-2", "COUNT", "2"],
            ["LPOS", "p", "a", "COUNT", "0", "MAXLEN", "4"], ["LPOS", "p", "q"], ["LPOS", "p", "q", "COUNT", "2"],
            ["LPOS", "none", "a"], ["LPOS", "none", "a", "COUNT", "1"], ["LPOS", "p", "a", "RANK", "0"],
            ["LPOS", "p", "a", "RANK", "x"], ["LPOS", "p", "a", "COUNT", "-1"], ["LPOS", "p", "a", "MAXLEN", "-1"],
            ["LPOS", "p", "a", "RANK"], ["LPOS", "p", "a", "FROB", "1"], ["LPOS", "str", "a"],
            ["SCAN", "0", "TYPE", "list", "COUNT", "1000"], ["MULTI"], ["RPUSH", "t", "1"], ["LPOP", "t"],
            ["LPOP", "t"], ["LRANGE", "p", "0", "1"], ["EXEC"], ["RENAME", "p", "q"], ["LRANGE", "q", "0", "-1"],
            ["DEL", "q"], ["FLUSHALL"], ["DBSIZE"],
        ],
        // Sets.
        [
            ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a", "d"], ["SCARD", "s"], ["SMEMBERS", "s"],
            ["SISMEMBER", "s", "a"], ["SISMEMBER", "s", "z"], ["SISMEMBER", "none", "a"],
            ["SMISMEMBER", "s", "a", "z", "d"], ["SMISMEMBER", "none", "a"], ["SREM", "s", "d", "z"],
            ["SREM", "none", "a"],
            ["SMEMBERS", "none"], ["SCARD", "none"], ["SADD", "t", "b", "c", "e"], ["SINTER", "s", "t"],
            ["SINTER", "s", "none"], ["SUNION", "s", "t", "none"], ["SDIFF", "s", "t"], ["SDIFF", "none", "s"],
            ["SINTERSTORE", "i", "s", "t"], ["SMEMBERS", "i"], ["SUNIONSTORE", "u", "s", "t"], ["SCARD", "u"],
            ["SDIFFSTORE", "d", "s", "t"], ["SMEMBERS", "d"], ["SINTERSTORE", "d", "s", "none"], ["EXISTS", "d"],
            ["SET", "str", "v"], ["EXPIRE", "str", "100"], ["SUNIONSTORE", "str", "s"], ["TYPE", "str"],
            ["TTL", "str"],
            ["SINTER", "s", "str"], ["SADD", "str2", "x"], ["SET", "plain", "v"], ["SADD", "plain", "x"],
            ["SINTER", "none", "plain"], ["SCARD", "plain"], ["SINTERCARD", "2", "s", "t"],
            ["SINTERCARD", "2", "s", "t", "LIMIT", "1"], ["SINTERCARD", "2", "s", "t", "LIMIT", "0"],
            ["SINTERCARD", "3", "s", "t"], ["SINTERCARD", "0", "s"], ["SINTERCARD", "1", "s", "LIMIT", "-1"],
            ["SINTERCARD", "1", "s", "LIMIT"], ["SINTERCARD", "1", "s", "FROB", "1"], ["SINTERCARD", "1", "plain"],
            ["SMOVE", "s", "t", "a"], ["SMOVE", "s", "t", "zz"], ["SMOVE", "none", "plain", "a"],
            ["SMOVE", "s", "plain", "b"], ["SMOVE", "t", "t", "a"], ["SMOVE", "t", "t", "q"], ["SMEMBERS", "t"],
            ["SADD", "one", "x"], ["SPOP", "one"], ["EXISTS", "one"], ["SPOP", "one"], ["SPOP", "none", "2"],
            ["SPOP", "t", "0"], ["SPOP", "t", "-1"], ["SPOP", "t", "x"], ["SPOP", "t", "1", "2"], ["SPOP", "t", "10"],
            ["EXISTS", "t"], ["SADD", "one", "x"], ["SRANDMEMBER", "one"], ["SRANDMEMBER", "one", "-3"],
            ["SRANDMEMBER", "one", "5"], ["SRANDMEMBER", "one", "0"], ["SRANDMEMBER", "none"],
            ["SRANDMEMBER", "none", "3"], ["SRANDMEMBER", "one", "x"], ["SRANDMEMBER", "one", "1", "2"],
            ["SRANDMEMBER", "one", "-9223372036854775808"], ["SRANDMEMBER", "u", "100"],
            ["SADD", "ints", "3", "1", "2"], ["OBJECT", "ENCODING", "ints"], ["OBJECT", "ENCODING", "u"],
            ["TYPE", "u"], ["SSCAN", "u", "0"], ["SSCAN", "ints", "0", "MATCH", "[12]"], ["SSCAN", "none", "0"],
            ["SSCAN", "plain", "0"], ["SSCAN", "u", "x"], ["SSCAN", "u", "0", "NOVALUES"],
            ["SCAN", "0", "TYPE", "set", "COUNT", "1000"], ["GET", "u"], ["LPUSH", "u", "x"], ["SADD", "u"],
            ["MULTI"], ["SADD", "m", "1"], ["SREM", "m", "1"], ["SCARD", "m"], ["EXEC"], ["FLUSHALL"],
        ],
        // Sorted sets: ranges of every kind, ZADD's options, scores printed as Redis 7.0 prints them.
        [
            ["flushall"], ["zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
            [
                "zadd", "z", "1.5", "a", "0.1", "f", "-0", "g", "inf", "h", "-inf", "i", "1e20", "j", "2.5e-10", "k",
                "123456789012345678", "l",
            ], ["zrange", "z", "0", "-1", "withscores"], ["zrange", "z", "0", "-1"],
            ["zrange", "z", "2", "3", "withscores"], ["zrange", "z", "-3", "-1"], ["zrange", "z", "5", "1"],
            ["zrange", "z", "100", "200"], ["zrange", "z", "-100", "100"], ["zrevrange", "z", "0", "2", "withscores"],
            ["zrevrange", "z", "-2", "-1"], ["zrangebyscore", "z", "1", "3"],
            ["zrangebyscore", "z", "(1", "3", "withscores"], ["zrangebyscore", "z", "1", "(3"],
            ["zrangebyscore", "z", "-inf", "+inf", "limit", "2", "3"],
            ["zrangebyscore", "z", "-inf", "+inf", "limit", "-1", "3"],
            ["zrangebyscore", "z", "-inf", "+inf", "limit", "1", "-1"],
            ["zrangebyscore", "z", "-inf", "+inf", "limit", "1", "0"], ["zrangebyscore", "z", "3", "1"],
            ["zrangebyscore", "z", "abc", "1"], ["zrangebyscore", "z", "(1", "(1"], ["zrangebyscore", "z", "1", "1"],
            ["zrevrangebyscore", "z", "3", "1", "withscores"],
            ["zrevrangebyscore", "z", "+inf", "-inf", "limit", "1", "2"], ["zrange", "z", "1", "3", "byscore"],
            ["zrange", "z", "3", "1", "byscore", "rev", "withscores"],
            ["zrange", "z", "(1", "3", "byscore", "limit", "1", "1"], ["zrange", "z", "0", "-1", "limit", "1", "1"],
            ["zrange", "z", "0", "-1", "rev"], ["zrange", "z", "0", "-1", "rev", "withscores"],
            ["zrange", "z", "-", "+", "bylex", "withscores"], ["zrange", "z", "0", "-1", "bogus"],
            ["zrange", "z", "0", "-1", "byscore", "byscore"], ["zrevrange", "z", "0", "-1", "rev"],
            ["zrangebyscore", "z", "0", "1", "byscore"], ["zcard", "z"], ["zcard", "nosuch"],
            ["zcount", "z", "1", "3"], ["zcount", "z", "(1", "3"], ["zcount", "z", "-inf", "+inf"],
            ["zcount", "z", "x", "1"], ["zscore", "z", "a"], ["zscore", "z", "nosuch"], ["zscore", "z", "g"],
            ["zscore", "nosuch", "a"], ["zmscore", "z", "a", "b", "nosuch", "f"], ["zrank", "z", "c"],
            ["zrevrank", "z", "c"], ["zrank", "z", "nosuch"], ["zincrby", "z", "2", "a"], ["zincrby", "z", "1", "new"],
            ["zincrby", "z", "abc", "new"], ["zincrby", "z", "inf", "h"], ["zincrby", "z", "-inf", "h"],
            ["zadd", "z", "nx", "10", "a", "11", "newer"], ["zadd", "z", "xx", "10", "a", "11", "newest"],
            ["zadd", "z", "xx", "ch", "20", "a", "21", "b"], ["zadd", "z", "gt", "1", "a"],
            ["zadd", "z", "lt", "1", "a"], ["zadd", "z", "gt", "ch", "100", "a"], ["zadd", "z", "incr", "5", "a"],
            ["zadd", "z", "incr", "nx", "5", "a"], ["zadd", "z", "incr", "xx", "5", "nothere"],
            ["zadd", "z", "nx", "xx", "1", "a"], ["zadd", "z", "gt", "lt", "1", "a"],
            ["zadd", "z", "nx", "gt", "1", "a"], ["zadd", "z", "incr", "1", "a", "2", "b"],
            ["zadd", "z", "1", "a", "2"], ["zadd", "z", "abc", "a"], ["zadd", "z", "nan", "a"],
            ["zadd", "z", "1e400", "a"], ["zadd", "z", " 1", "a"], ["zadd", "z", "", "a"],
            ["zadd", "z", "0x10", "hexa"], ["zadd", "nosuch", "xx", "1", "a"],
            ["zadd", "nosuch", "xx", "incr", "1", "a"], ["zrange", "z", "0", "-1", "withscores"],
            ["zrem", "z", "a", "b", "nosuch"], ["zrem", "nosuch", "a"], ["zremrangebyrank", "z", "0", "1"],
            ["zremrangebyscore", "z", "(5", "10"], ["zremrangebyscore", "z", "x", "1"],
            ["zrange", "z", "0", "-1", "withscores"], ["del", "lex"],
            ["zadd", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g"],
            ["zrangebylex", "lex", "-", "+"], ["zrangebylex", "lex", "[b", "(e"],
            ["zrangebylex", "lex", "(b", "[e", "limit", "1", "2"], ["zrevrangebylex", "lex", "+", "-"],
            ["zrevrangebylex", "lex", "[e", "(b"], ["zrangebylex", "lex", "b", "e"],
            ["zrangebylex", "lex", "-", "+", "withscores"], ["zlexcount", "lex", "-", "+"],
            ["zlexcount", "lex", "[c", "+"], ["zlexcount", "lex", "x", "+"], ["zremrangebylex", "lex", "[b", "[c"],
            ["zrange", "lex", "0", "-1"], ["zrange", "lex", "[f", "(a", "bylex", "rev"],
            ["zrangebylex", "lex", "+a", "-"], ["zpopmin", "lex"], ["zpopmin", "lex", "2"], ["zpopmax", "lex"],
            ["zpopmax", "lex", "0"], ["zpopmin", "lex", "-1"], ["zpopmin", "lex", "abc"], ["zpopmin", "nosuch"],
            ["zpopmin", "nosuch", "2"], ["zpopmin", "lex", "1", "2"], ["zmpop", "1", "lex", "min"],
            ["zmpop", "2", "nosuch", "lex", "max", "count", "10"], ["zmpop", "1", "nosuch", "min"],
            ["zmpop", "0", "lex", "min"], ["zmpop", "1", "lex", "middle"], ["zmpop", "1", "lex", "min", "count", "0"],
            ["exists", "lex"], ["del", "a", "b", "c", "d"], ["zadd", "a", "1", "x", "2", "y", "3", "z"],
            ["zadd", "b", "10", "y", "20", "z", "30", "w"], ["sadd", "c", "y", "q"],
            ["zunion", "2", "a", "b", "withscores"], ["zunion", "3", "a", "b", "c", "withscores"],
            ["zunion", "2", "a", "b", "weights", "2", "3", "withscores"],
            ["zunion", "2", "a", "b", "aggregate", "max", "withscores"], ["zunion", "2", "a", "b", "aggregate", "min"],
            ["zinter", "2", "a", "b", "withscores"], ["zinter", "3", "a", "b", "c", "withscores"],
            ["zinter", "2", "a", "b", "weights", "1", "-1", "aggregate", "sum", "withscores"],
            ["zdiff", "2", "a", "b", "withscores"], ["zdiff", "3", "b", "a", "c", "withscores"],
            ["zdiff", "2", "a", "b", "weights", "1", "2"], ["zunion", "0", "a"], ["zunion", "3", "a", "b"],
            ["zunion", "2", "a", "b", "weights", "1"], ["zunion", "2", "a", "b", "weights", "1", "x"],
            ["zunion", "2", "a", "b", "aggregate", "avg"], ["zunionstore", "d", "2", "a", "b"],
            ["zunionstore", "d", "2", "a", "b", "withscores"], ["zrange", "d", "0", "-1", "withscores"],
            ["zinterstore", "d", "2", "a", "b", "weights", "2", "2"], ["zrange", "d", "0", "-1", "withscores"],
            ["zdiffstore", "d", "2", "a", "b"], ["zrange", "d", "0", "-1", "withscores"],
            ["zdiffstore", "d", "2", "a", "a"], ["exists", "d"], ["zintercard", "2", "a", "b"],
            ["zintercard", "2", "a", "b", "limit", "1"], ["zintercard", "2", "a", "b", "limit", "-1"],
            ["zintercard", "0", "a"], ["set", "str", "x"], ["zadd", "str", "1", "a"], ["zrange", "str", "0", "-1"],
            ["zunion", "2", "a", "str"], ["zscore", "str", "a"], ["zrangestore", "d", "a", "0", "-1"],
            ["zrange", "d", "0", "-1", "withscores"],
            ["zrangestore", "d", "a", "1", "2", "byscore", "limit", "0", "1"],
            ["zrange", "d", "0", "-1", "withscores"], ["zrangestore", "d", "a", "0", "-1", "withscores"],
            ["zrangestore", "d", "nosuch", "0", "-1"], ["exists", "d"], ["zrangestore", "d", "str", "0", "-1"],
            ["del", "big"], ["zadd", "big", "1", "m1", "2", "m2", "3", "m3"], ["zscan", "big", "0"],
            ["zscan", "big", "0", "match", "m1"], ["type", "big"], ["object", "encoding", "big"],
            ["zrandmember", "nosuch"], ["zrandmember", "nosuch", "3"], ["zrandmember", "big", "5", "withscores"],
            ["zrandmember", "big", "0"], ["zrandmember", "big", "1", "bogus"], ["zrandmember", "big", "x"],
            [
                "zadd", "f", "0.1", "a", "0.2", "b", "0.3", "c", "1.1", "d", "3.3333333333333335", "e", "1e-5", "f",
                "1e-4", "g", "12345678901234567890", "h", "1e16", "i", "1e17", "j", "0.30000000000000004", "k",
                "5e-324", "l", "1.7976931348623157e308", "m",
            ], ["zrange", "f", "0", "-1", "withscores"], ["zincrby", "f", "0.2", "a"],
            ["zadd", "f", "-1.5e-7", "n", "-123.456", "o"], ["zrange", "f", "0", "1", "withscores"],
            ["zadd", "z", "1", "a", "2", "b"], ["zscan", "z", "0", "count", "1"], ["zscan", "z", "abc"],
            ["zscan", "z", "0", "bogus", "1"], ["zscan", "nosuch", "0"], ["zadd", "z", "1", "a", "2"],
            ["zincrby", "z", "1"], ["zrangebyscore", "z"], ["zunionstore", "d"], ["zpopmin"], ["zrange", "z", "0"],
            ["zrank", "z", "a", "withscore", "x"], ["zrange", "z", "(", "1", "byscore"],
            // Options Redis refuses only after looking at the keys.
            ["zunionstore", "d", "1", "str", "weights", "x"], ["zunion", "1", "str", "weights", "x"],
            ["zinterstore", "d", "2", "str", "nosuch", "aggregate", "foo"], ["zdiff", "1", "str", "withscores", "x"],
            ["zintercard", "1", "str", "limit", "x"], ["zdiffstore", "d", "1", "str", "weights", "1"],
            ["zunion", "1", "z", "weights", "x"], ["zinterstore", "d", "1", "z", "aggregate", "foo"],
            ["zunionstore", "d", "2", "z"], ["zunion", "0", "str"],
            ["zrange", "z", "", "1", "byscore"], ["zrange", "z", " 1", "2", "byscore"],
            ["zrange", "z", "1 ", "2", "byscore"], ["zrange", "z", "1e400", "inf", "byscore"],
            ["zrange", "z", "-1e400", "inf", "byscore"], ["zrange", "z", "0", "1", "limit", "0"],
            ["zrange", "z", "0", "1", "limit"], ["zrange", "z", "0", "1", "byscore", "limit", "x", "1"],
            ["zrangebylex", "z", "[a", "[b", "withscores"], ["zrangestore", "d", "z", "0", "-1", "bylex"],
            ["zrangestore", "d", "z", "[a", "[b", "bylex"], ["zrangestore", "d", "z", "0", "-1", "rev"],
            ["zrange", "d", "0", "-1", "withscores"], ["zadd", "z", "3", "c", "4", "d", "5", "e"],
            ["zremrangebyrank", "z", "-2", "-1"], ["zremrangebyrank", "z", "x", "1"],
            ["zrange", "z", "0", "-1", "withscores"], ["zremrangebyrank", "z", "0", "-1"], ["exists", "z"],
            ["zadd", "w", "1", "a"], ["zadd", "w", "xx", "gt", "ch", "2", "a"], ["zadd", "w", "lt", "5", "b"],
            ["zadd", "w", "gt", "5", "c"], ["zadd", "w", "incr", "gt", "-1", "a"],
            ["zadd", "w", "incr", "lt", "-1", "a"], ["zadd", "w", "ch", "incr", "1", "a"],
            ["zrange", "w", "0", "-1", "withscores"], ["multi"], ["zadd", "w", "1", "q"],
            ["zrange", "w", "0", "-1", "withscores"], ["zpopmax", "w"], ["exec"],
            ["zmpop", "2", "w", "w", "min", "count", "100"], ["zmpop", "1", "w", "min", "count", "1", "count", "2"],
            ["zmpop", "x", "w", "min"],
        ],
        // Streams: entries, trims, ranges, consumer groups, pending entries, claims.
        [
            ["XADD", "s", "1-1", "a", "1"], ["XADD", "s", "1-1", "a", "2"], ["XADD", "s", "1-*", "b", "2"],
            ["XADD", "s", "2", "c", "3", "d", "4"], ["XADD", "s", "0-0", "a", "1"], ["XADD", "s", "3-x", "a", "1"],
            ["XADD", "s", "-", "a", "1"], ["XADD", "s", "5-5", "a"], ["XADD", "s", "NOMKSTREAM", "6", "a", "1"],
            ["XADD", "nokey", "NOMKSTREAM", "6", "a", "1"], ["EXISTS", "nokey"],
            ["XADD", "s", "MAXLEN", "2", "LIMIT", "10", "7", "a", "1"],
            ["XADD", "s", "MAXLEN", "~", "2", "MINID", "1", "7", "a", "1"],
            ["XADD", "s", "LIMIT", "5", "7", "a", "1"], ["XADD", "s", "MAXLEN", "-1", "7", "a", "1"], ["XLEN", "s"],
            ["XRANGE", "s", "-", "+"], ["XRANGE", "s", "-", "+", "COUNT", "2"],
            ["XRANGE", "s", "-", "+", "COUNT", "0"], ["XRANGE", "s", "-", "+", "COUNT", "-3"],
            ["XRANGE", "s", "(1-1", "+"], ["XRANGE", "s", "1", "1"], ["XRANGE", "s", "(-", "+"],
            ["XRANGE", "s", "-", "(0-0"], ["XRANGE", "s", "2", "1"], ["XRANGE", "s", "-", "+", "COUNT"],
            ["XRANGE", "s", "-", "+", "FOO", "1"], ["XREVRANGE", "s", "+", "-"],
            ["XREVRANGE", "s", "+", "-", "COUNT", "1"], ["XREVRANGE", "s", "(2-0", "-"],
            ["XRANGE", "nokey", "-", "+"], ["XLEN", "nokey"], ["SET", "str", "x"], ["XLEN", "str"],
            ["XRANGE", "str", "-", "+"], ["XADD", "str", "1", "a", "b"], ["XDEL", "s", "1-2", "9-9", "1-2"],
            ["XDEL", "s", "bad"], ["XDEL", "nokey", "1"], ["XRANGE", "s", "-", "+"], ["XADD", "s", "1-5", "a", "1"],
            ["XADD", "s", "2-0", "a", "1"], ["XADD", "s", "MAXLEN", "1", "10-1", "e", "5"],
            ["XRANGE", "s", "-", "+"], ["XLEN", "s"], ["XTRIM", "s", "MAXLEN", "0"], ["XTRIM", "s"],
            ["XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "-1"], ["XTRIM", "s", "FOO", "1"],
            ["XTRIM", "nokey", "MAXLEN", "1"], ["XLEN", "s"], ["XADD", "big", "1", "f", "v"],
            ["XADD", "big", "2", "f", "v"], ["XADD", "big", "3", "f", "v"], ["XADD", "big", "4", "f", "v"],
            ["XADD", "big", "5", "f", "v"], ["XTRIM", "big", "MINID", "3"], ["XRANGE", "big", "-", "+"],
            ["XTRIM", "big", "MINID", "~", "5"], ["XTRIM", "big", "MAXLEN", "=", "1"], ["XRANGE", "big", "-", "+"],
            ["XREAD", "STREAMS", "big", "0"], ["XREAD", "COUNT", "1", "STREAMS", "big", "s", "0", "0"],
            ["XREAD", "STREAMS", "big", "$"], ["XREAD", "STREAMS", "big"],
            ["XREAD", "STREAMS", "big", "str", "0", "0"], ["XREAD", "STREAMS", "nokey", "0"],
            ["XREAD", "COUNT", "x", "STREAMS", "big", "0"], ["XREAD", "STREAMS", "big", ">"],
            ["XREAD", "GROUP", "g", "c", "STREAMS", "big", "0"], ["XREAD", "NOACK", "STREAMS", "big", "0"],
            ["XREAD", "FOO", "STREAMS", "big", "0"], ["XSETID", "big", "4"],
            ["XSETID", "big", "100-1", "ENTRIESADDED", "1"],
            ["XSETID", "big", "100-1", "ENTRIESADDED", "10", "MAXDELETEDID", "200"],
            ["XSETID", "big", "100-1", "ENTRIESADDED", "-1"], ["XSETID", "big", "100-1", "MAXDELETEDID", "50"],
            ["XSETID", "nokey", "1"], ["XADD", "big", "100-1", "a", "1"], ["XADD", "big", "100-*", "a", "1"],
            ["XSETID", "str", "1"], ["XGROUP", "CREATE", "q", "g", "$"],
            ["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"], ["XGROUP", "CREATE", "q", "g", "$", "MKSTREAM"],
            ["XGROUP", "CREATE", "q", "g2", "0", "ENTRIESREAD", "5"],
            ["XGROUP", "CREATE", "q", "g3", "0", "ENTRIESREAD", "-2"], ["XGROUP", "CREATE", "q", "g3", "0", "FOO"],
            ["XGROUP", "CREATE", "q", "g3", "bad"], ["XGROUP", "CREATE", "str", "g", "0"],
            ["XGROUP", "FOO", "q", "g"], ["XGROUP", "DESTROY", "q"], ["XGROUP", "HELP"], ["xinfo", "help"],
            ["XGROUP", "HELP", "q"], ["XINFO", "HELP", "q", "g"],
            // Errors Redis gives only after looking at the key (and group).
            ["XDEL", "nokey", "bad"], ["XDEL", "str", "bad"], ["XDEL", "q", "bad"], ["XACK", "nokey", "g", "bad"],
            ["XACK", "str", "g", "bad"], ["XACK", "q", "nog", "bad"], ["XACK", "q", "g", "bad"],
            ["XCLAIM", "str", "g", "c", "bad", "1-1"], ["XCLAIM", "nokey", "g", "c", "bad", "1-1"],
            ["XCLAIM", "q", "nog", "c", "0", "1-1", "IDLE", "x"], ["XCLAIM", "q", "g", "c", "0", "bad"],
            ["XPENDING", "q", "nog", "-", "+", "10", "c", "extra"],
            ["XPENDING", "q", "g", "-", "+", "10", "c", "e", "f"],
            ["XREAD", "STREAMS", "str", "q", "0", "bad"], ["XREAD", "STREAMS", "q", "str", "bad", "0"],
            ["XREAD", "BLOCK", "10", "STREAMS", "str", "bad"], ["XREAD", "COUNT", "1", "STREAMS", "nokey", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", "bad"],
            ["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "q", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "q", "q", ">", "$"],
            ["XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "q", "str", "bad", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "str", "bad"],
            ["XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "nokey", "$"],
            ["XADD", "q", "1", "job", "1"],
            ["XADD", "q", "2", "job", "2"], ["XADD", "q", "3", "job", "3"], ["XADD", "q", "4", "job", "4"],
            ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "q", ">"],
            ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "q", ">"],
            ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "q", ">"],
            ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "q", "0"],
            ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "q", "1"],
            ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "q", "$"],
            ["XREADGROUP", "GROUP", "nog", "c1", "STREAMS", "q", ">"],
            ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "nokey", ">"],
            ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "str", ">"], ["XREADGROUP", "STREAMS", "q", ">"],
            ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "q"], ["XPENDING", "q", "g"],
            ["XPENDING", "q", "g", "-", "+", "10", "nobody"], ["XPENDING", "q", "nog"], ["XPENDING", "nokey", "g"],
            ["XPENDING", "q", "g", "-", "+", "x"], ["XPENDING", "q", "g", "IDLE", "100000000", "-", "+", "10"],
            ["XPENDING", "q", "g", "IDLE", "0", "-", "+"], ["XINFO", "GROUPS", "q"],
            ["XACK", "q", "g", "1", "3", "9"], ["XACK", "q", "g", "bad"], ["XACK", "q", "nog", "1"],
            ["XACK", "nokey", "g", "1"], ["XPENDING", "q", "g"], ["XCLAIM", "q", "g", "c3", "0", "2", "4", "5"],
            ["XPENDING", "q", "g"], ["XCLAIM", "q", "g", "c3", "0", "4", "JUSTID"],
            ["XCLAIM", "q", "g", "c1", "0", "4", "RETRYCOUNT", "7", "JUSTID"],
            ["XCLAIM", "q", "g", "c1", "0", "4", "FOO"], ["XCLAIM", "q", "g", "c1", "x", "4"],
            ["XCLAIM", "q", "nog", "c1", "0", "4"], ["XCLAIM", "q", "g", "c1", "0", "3", "FORCE", "JUSTID"],
            ["XCLAIM", "q", "g", "c1", "0", "1", "FORCE", "LASTID", "9"], ["XINFO", "GROUPS", "q"],
            ["XDEL", "q", "2"], ["XCLAIM", "q", "g", "c1", "0", "2"], ["XPENDING", "q", "g"],
            ["XREADGROUP", "GROUP", "g", "c3", "STREAMS", "q", "0"], ["XAUTOCLAIM", "q", "g", "c4", "0", "0"],
            ["XAUTOCLAIM", "q", "g", "c4", "0", "0", "COUNT", "1"],
            ["XAUTOCLAIM", "q", "g", "c4", "0", "0", "COUNT", "0"],
            ["XAUTOCLAIM", "q", "g", "c4", "0", "0", "JUSTID"], ["XAUTOCLAIM", "q", "g", "c4", "x", "0"],
            ["XAUTOCLAIM", "q", "nog", "c4", "0", "0"], ["XAUTOCLAIM", "q", "g", "c4", "0", "(0"],
            ["XPENDING", "q", "g"], ["XGROUP", "CREATECONSUMER", "q", "g", "c9"],
            ["XGROUP", "CREATECONSUMER", "q", "g", "c9"], ["XGROUP", "CREATECONSUMER", "q", "nog", "c9"],
            ["XGROUP", "DELCONSUMER", "q", "g", "c4"], ["XGROUP", "DELCONSUMER", "q", "g", "nobody"],
            ["XPENDING", "q", "g"], ["XGROUP", "SETID", "q", "g", "0"],
            ["XGROUP", "SETID", "q", "g", "$", "ENTRIESREAD", "3"],
            ["XGROUP", "SETID", "q", "g", "-", "ENTRIESREAD", "3"], ["XGROUP", "SETID", "q", "nog", "0"],
            ["XGROUP", "SETID", "q", "g", "0", "FOO", "1"], ["XINFO", "GROUPS", "q"],
            ["XGROUP", "DESTROY", "q", "g2"], ["XGROUP", "DESTROY", "q", "g2"], ["XGROUP", "DESTROY", "nokey", "g2"],
            ["XINFO", "GROUPS", "q"], ["XINFO", "GROUPS", "nokey"], ["XINFO", "GROUPS", "str"],
            ["XINFO", "STREAM", "q"], ["XINFO", "STREAM", "s"], ["XINFO", "STREAM", "nokey"],
            ["XINFO", "STREAM", "q", "FOO"], ["XINFO", "FOO", "q"], ["XINFO", "CONSUMERS", "q", "nog"],
            ["TYPE", "q"], ["OBJECT", "ENCODING", "q"], ["DEL", "q"], ["XINFO", "STREAM", "q"],
            ["XADD", "e", "1", "a", "1"], ["XADD", "e", "2", "a", "1"], ["XGROUP", "CREATE", "e", "g", "0"],
            ["XDEL", "e", "1"], ["XINFO", "GROUPS", "e"], ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", ">"],
            ["XINFO", "GROUPS", "e"], ["XINFO", "STREAM", "e"], ["XADD", "e", "MAXLEN", "~", "1", "3", "a", "1"],
            ["XLEN", "e"],
        ],
        // Configuration: tuning parameters accepted, checked and reported as Redis does.
        [
            ["CONFIG", "SET", "save", ""], ["CONFIG", "GET", "save"], ["CONFIG", "SET", "appendonly", "maybe"],
            ["CONFIG", "SET", "appendonly", "no"], ["CONFIG", "GET", "appendonly"], ["CONFIG", "SET", "hz", "abc"],
            ["CONFIG", "SET", "hz", "20", "loglevel", "warning"], ["CONFIG", "GET", "hz"],
            ["CONFIG", "GET", "loglevel"],
            ["CONFIG", "SET", "loglevel", "loud"], ["CONFIG", "SET", "frobnicate", "1"],
            ["CONFIG", "SET", "databases", "4"], ["CONFIG", "SET", "appendfsync", "ALWAYS"],
            ["CONFIG", "GET", "appendfsync"], ["CONFIG", "SET", "hash-max-ziplist-entries", "256"],
            ["CONFIG", "GET", "hash-max-listpack-entries"], ["CONFIG", "GET", "hash-max-ziplist-entries"],
            ["CONFIG", "SET", "list-max-ziplist-size", "x"], ["CONFIG", "SET", "lazyfree-lazy-user-del", "YES"],
            ["CONFIG", "GET", "lazyfree-lazy-user-del"], ["CONFIG", "SET", "hz"],
            ["CONFIG", "SET", "hz", "1", "loglevel"],
            ["CONFIG", "SET", "hz", "10", "loglevel", "nope"], ["CONFIG", "GET", "hz"],
            ["CONFIG", "SET", "maxmemory", "1mb", "maxmemory-policy", "allkeys-lru"], ["CONFIG", "GET", "maxmemory"],
            ["CONFIG", "GET", "maxmemory-policy"],
            ["CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction"],
        ],
        // Transactions.
        [
            ["MULTI"], ["SET", "t", "1"], ["INCR", "t"], ["GET", "t"], ["HSET", "t", "f", "v"], ["EXEC"], ["EXEC"],
            ["DISCARD"], ["MULTI"], ["MULTI"], ["SET", "u", "1"], ["DISCARD"], ["GET", "u"], ["MULTI"], ["NOSUCH"],
            ["SET", "u", "1"], ["EXEC"], ["GET", "u"], ["MULTI"], ["GET"], ["EXEC"], ["WATCH", "w"],
            ["SET", "w", "changed"], ["MULTI"], ["SET", "w", "tx"], ["EXEC"], ["GET", "w"], ["WATCH", "w"],
            ["UNWATCH"], ["SET", "w", "x"], ["MULTI"], ["GET", "w"], ["EXEC"], ["WATCH", "absent"], ["MULTI"],
            ["SET", "absent", "now"], ["EXEC"], ["WATCH", "absent"], ["DEL", "absent"], ["MULTI"], ["PING"],
            ["EXEC"], ["MULTI"], ["WATCH", "x"], ["EXEC"], ["MULTI"], ["EXEC"], ["MULTI"], ["INCRBY", "t", "x"],
            ["SET", "t", "v", "BOGUS"], ["MSET", "a", "1", "b"], ["HSET", "h", "f", "v", "g"],
            ["GETRANGE", "t", "a", "1"],
            ["SCAN", "0", "COUNT", "0"], ["SET", "t", "after"], ["PING", "a", "b"], ["EXEC"], ["GET", "t"],
            ["MULTI"], ["SET", "t", "no"], ["CLIENT", "NOSUCH"], ["EXEC"], ["MULTI"], ["CONFIG", "GET"], ["EXEC"],
            ["GET", "t"],
        ],
    ]

    /// A reply with the elements of unordered replies sorted.
    static func normalized(_ reply: RESPReply, for command: [String]) -> RESPReply {
        guard unordered.contains(command[0].uppercased()) else { return reply }
        func sorted(_ elements: [RESPReply]) -> [RESPReply] { elements.sorted { "\($0)" < "\($1)" } }
        switch reply {
        case .array(let elements?) where command[0].hasSuffix("SCAN") && elements.count == 2:
            // A cursor, then a page whose order is the table's.
            guard case .array(let page?) = elements[1] else { return reply }
            return .array([elements[0], .array(sorted(page))])
        case .array(let elements?): return .array(sorted(elements))
        case .set(let elements): return .set(sorted(elements))
        default: return reply
        }
    }

    @Test(arguments: 0..<scripts.count, [2, 3])
    func theSameScriptGetsRedisRepliesFromSynod(script: Int, protocolVersion: Int) async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let theirs = try BlockingRESPConnection(port: redis.port)
        let ours = try BlockingRESPConnection(port: node.clientPort)
        if protocolVersion == 3 {
            // RESP3 reply shapes too: maps, nulls, sets, pushes where Redis sends them.
            _ = try theirs.command(["HELLO", "3"])
            _ = try ours.command(["HELLO", "3"])
        }
        for command in Self.scripts[script] {
            let expected = Self.normalized(try theirs.command(command), for: command)
            var actual = Self.normalized(try ours.command(command), for: command)
            // Remaining TTLs count down while the requests travel: equal within a second.
            if ["TTL", "PTTL"].contains(command[0]), case .integer(let mine) = actual,
                case .integer(let theirs) = expected,
                mine > 0, theirs > 0, abs(mine - theirs) <= (command[0] == "TTL" ? 1 : 1_000)
            {
                actual = expected
            }
            if command[0] == "RANDOMKEY" || command == ["EXPIRETIME", "other"] {
                // Random, or the same moment read by two clocks: compare only the shape.
                if case .bulkString = expected, case .bulkString = actual { actual = expected }
                if case .integer = expected, case .integer = actual { actual = expected }
            }
            #expect(actual == expected, "\(command)")
        }
    }

    /// CLIENT REPLY OFF and SKIP leave replies unsent, ON sends them again: the same pipeline
    /// gets the same replies, in the same order, from both servers.
    @Test func clientReplyLeavesTheSameRepliesUnsent() async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let pipeline: [[String]] = [
            ["CLIENT", "REPLY", "OFF"], ["SET", "a", "1"], ["CLIENT", "REPLY", "SKIP"], ["INCR", "a"],
            ["CLIENT", "REPLY", "ON"], ["GET", "a"], ["CLIENT", "REPLY", "SKIP"], ["GET", "a"], ["INCR", "a"],
            ["CLIENT", "REPLY", "SKIP"], ["CLIENT", "REPLY", "ON"], ["CLIENT", "REPLY", "MAYBE"], ["CLIENT", "REPLY"],
            ["GET", "a"],
        ]
        var replies: [[RESPReply]] = []
        for port in [redis.port, node.clientPort] {
            let connection = try BlockingRESPConnection(port: port)
            try connection.sendOnly(pipeline)
            replies.append(try (0..<7).map { _ in try connection.readNext() })
            // Nothing more was sent: the next reply is this PING's.
            #expect(try connection.command(["PING"]) == .simpleString("PONG"))
        }
        #expect(replies[1] == replies[0])
        #expect(replies[0].first == .simpleString("OK"))
    }

    /// Keyspace events of the data types: the same commands make the same notifications, in
    /// the same order, on both servers.
    @Test func typeCommandsNotifyAsRedisDoes() async throws {
        let redis = try await RedisServerProcess.start(extraArguments: ["--databases", "1"])
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let script: [[String]] = [
            ["RPUSH", "l", "a", "b", "c"], ["LPOP", "l"], ["LINSERT", "l", "BEFORE", "c", "x"],
            ["LSET", "l", "0", "y"],
            ["LREM", "l", "0", "y"], ["LTRIM", "l", "0", "0"], ["LMOVE", "l", "m", "LEFT", "RIGHT"],
            ["RPOPLPUSH", "m", "m"], ["LMPOP", "1", "m", "LEFT"], ["SADD", "s", "1", "2"], ["SREM", "s", "1"],
            ["SMOVE", "s", "t", "2"], ["SADD", "u", "3"], ["SUNIONSTORE", "v", "t", "u"],
            ["SINTERSTORE", "v", "t", "u"],
            ["SDIFFSTORE", "w", "v", "u"], ["SPOP", "t"], ["HSET", "h", "f", "1"], ["HINCRBY", "h", "f", "2"],
            ["HDEL", "h", "f"], ["SET", "c", "v"], ["COPY", "c", "d"], ["ZADD", "z", "1", "a", "2", "b", "3", "c"],
            ["ZINCRBY", "z", "1", "a"], ["ZADD", "z", "INCR", "1", "a"], ["ZADD", "z", "NX", "1", "a"],
            ["ZREM", "z", "a"],
            ["ZREMRANGEBYRANK", "z", "5", "6"], ["ZADD", "y", "1", "q"], ["ZUNIONSTORE", "x", "2", "y", "z"],
            ["ZINTERSTORE", "x", "2", "y", "z"], ["ZDIFFSTORE", "x", "2", "z", "y"],
            ["ZRANGESTORE", "r", "z", "0", "0"],
            ["ZREMRANGEBYSCORE", "r", "-inf", "+inf"], ["ZREMRANGEBYLEX", "x", "-", "+"], ["ZPOPMIN", "z"],
            ["ZPOPMAX", "z", "5"], ["ZMPOP", "1", "y", "MAX"], ["XADD", "x", "1", "f", "v"],
            ["XADD", "x", "MAXLEN", "1", "2", "f", "v"], ["XDEL", "x", "2"], ["XTRIM", "x", "MAXLEN", "0"],
            ["XSETID", "x", "5"], ["XGROUP", "CREATE", "x", "g", "0"], ["XADD", "x", "6", "f", "v"],
            ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">"], ["XACK", "x", "g", "6"],
            ["XGROUP", "CREATECONSUMER", "x", "g", "d"], ["XGROUP", "DELCONSUMER", "x", "g", "d"],
            ["XGROUP", "SETID", "x", "g", "0"], ["XCLAIM", "x", "g", "e", "0", "6", "FORCE"],
            ["XGROUP", "DESTROY", "x", "g"], ["SET", "end", "1"],
        ]
        var heard: [[RESPReply]] = []
        for port in [redis.port, node.clientPort] {
            let writer = try BlockingRESPConnection(port: port)
            #expect(try writer.command(["CONFIG", "SET", "notify-keyspace-events", "KEA"]) == .simpleString("OK"))
            let listener = try BlockingRESPConnection(port: port)
            _ = try listener.command(["PSUBSCRIBE", "__key*__:*"])
            for command in script { _ = try writer.command(command) }
            var messages: [RESPReply] = []
            while true {
                let message = try listener.readNext()
                messages.append(message)
                if message
                    == .array([
                        .bulkString(Array("pmessage".utf8)), .bulkString(Array("__key*__:*".utf8)),
                        .bulkString(Array("__keyevent@0__:set".utf8)), .bulkString(Array("end".utf8)),
                    ])
                {
                    break
                }
            }
            heard.append(messages)
        }
        #expect(heard[1] == heard[0])
        #expect(heard[0].count > 40)
    }

    /// SCAN and HSCAN visit every key (field) present for the whole scan, with MATCH, COUNT and
    /// TYPE as Redis filters them.
    @Test func scanVisitsEveryKeyAndFilters() async throws {
        let node = try ServerProcessTests.startCluster(count: 1)[0]
        defer { ServerProcessTests.stop([node]) }
        #expect(await waitUntil { node.isLeader }, "\(node.process.output)")
        let connection = try BlockingRESPConnection(port: node.clientPort)
        let keys = (0..<250).map { "user:\($0)" }
        _ = try connection.pipeline(keys.map { [Array("SET".utf8), Array($0.utf8), Array("x".utf8)] })
        #expect(try connection.command(["HSET", "h", "a", "1", "b", "2"]) == .integer(2))
        var seen: [String] = []
        var cursor = "0"
        var rounds = 0
        repeat {
            guard case .array(let reply?) = try connection.command(["SCAN", cursor, "MATCH", "user:*", "COUNT", "20"]),
                case .bulkString(let next?) = reply[0], case .array(let page?) = reply[1]
            else {
                Issue.record("bad SCAN reply")
                return
            }
            cursor = String(decoding: next, as: UTF8.self)
            for case .bulkString(let key?) in page { seen.append(String(decoding: key, as: UTF8.self)) }
            rounds += 1
        } while cursor != "0" && rounds < 1000
        #expect(Set(seen) == Set(keys))
        #expect(rounds > 5)
        guard case .array(let typed?) = try connection.command(["SCAN", "0", "TYPE", "hash", "COUNT", "1000"]) else {
            Issue.record("bad SCAN TYPE reply")
            return
        }
        #expect(typed[1] == .array([.bulkString(Array("h".utf8))]))
        #expect(try connection.command(["SCAN", "x"]) == .error("ERR invalid cursor"))
        guard case .array(let fields?) = try connection.command(["HSCAN", "h", "0"]) else {
            Issue.record("bad HSCAN reply")
            return
        }
        #expect(fields[0] == .bulkString(Array("0".utf8)))
        guard case .array(let pairs?) = fields[1] else { return }
        #expect(pairs.count == 4)
    }
}
