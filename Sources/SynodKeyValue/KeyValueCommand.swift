import SynodRuntime

/// When a written key expires.
public enum KeyExpiry: Hashable, Sendable {
    /// No expiry: a TTL the key had is removed (what a plain SET does).
    case none
    /// The key keeps the TTL it had (SET ... KEEPTTL, INCR, APPEND).
    case keep
    /// This long after the entry's time (EX, PX).
    case afterMilliseconds(Int64)
    /// At this Unix time (EXAT, PXAT).
    case atMilliseconds(Int64)
}

/// Which existing state a write requires.
public enum WriteCondition: Hashable, Sendable {
    case always
    /// Only if the key does not exist (NX).
    case ifAbsent
    /// Only if the key exists (XX).
    case ifPresent
}

/// Which existing TTL an EXPIRE requires (Redis 7's NX, XX, GT, LT).
public enum ExpireCondition: Hashable, Sendable {
    case always
    case ifNoExpiry
    case ifHasExpiry
    /// Only if the new expiry is later (a key without one counts as never expiring).
    case ifLater
    /// Only if the new expiry is earlier (a key without one counts as never expiring).
    case ifEarlier
    /// Only if the key has an expiry and the new one is earlier (XX and LT together).
    case ifEarlierAndHasExpiry
}

/// A write to the key-value store, as it is replicated.
public enum KeyValueCommand: Hashable, Sendable {
    case set(key: [UInt8], value: [UInt8], condition: WriteCondition, expiry: KeyExpiry, returnPrevious: Bool)
    case delete(keys: [[UInt8]])
    case expire(key: [UInt8], expiry: KeyExpiry, condition: ExpireCondition)
    case persist(key: [UInt8])
    case increment(key: [UInt8], by: Int64)
    case multiSet(pairs: [KeyValuePair])
    /// Sets `new` if the current value is `expected` (or the key is absent, for nil).
    case compareAndSet(key: [UInt8], expected: [UInt8]?, new: [UInt8], expiry: KeyExpiry)
    /// Deletes the key if its value is `expected`.
    case compareAndDelete(key: [UInt8], expected: [UInt8])
    /// Proposed by the leader: deletes those of the keys whose TTL has passed at the entry's time.
    case removeExpired(keys: [[UInt8]])

    // Coordination (see `KeyValueStore+Coordination`).
    case leaseGrant(ttlMilliseconds: Int64)
    case leaseKeepAlive(id: UInt64)
    case leaseRevoke(id: UInt64)
    /// Proposed by a new leader before anything else: every lease gets its full TTL again.
    case extendLeases
    /// Proposed by the leader when a deadline is due: applying any entry settles them.
    case sweep
    /// LOCK.ACQUIRE (with a TTL) or ELECT.CAMPAIGN (without).
    case acquire(
        kind: MutexKind,
        name: [UInt8],
        owner: [UInt8],
        ttlMilliseconds: Int64?,
        waitMilliseconds: Int64,
        lease: UInt64?
    )
    /// LOCK.RELEASE or ELECT.RESIGN.
    case release(kind: MutexKind, name: [UInt8], owner: [UInt8])
    case refreshLock(name: [UInt8], owner: [UInt8], ttlMilliseconds: Int64)
    /// Runs `command` only if `token` is the newest fencing token of lock `lock`.
    indirect case fenced(lock: [UInt8], token: UInt64, command: KeyValueCommand)
    /// Runs `command` (a SET or CAS) with the keys it writes attached to lease `lease`.
    indirect case withLease(lease: UInt64, command: KeyValueCommand)
    /// SETNX, SETEX, GETSET, GETDEL, GETEX, MSETNX, INCRBYFLOAT, APPEND, SETRANGE.
    case string(StringWrite)
    /// HSET, HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT.
    case hash(HashWrite)
    /// The list writes: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LMPOP, LSET, LINSERT,
    /// LREM, LTRIM, LMOVE, RPOPLPUSH.
    case list(ListWrite)
    /// The set writes (Redis's set type; `.set` is SET): SADD, SREM, SPOP, SMOVE,
    /// SINTERSTORE, SUNIONSTORE, SDIFFSTORE.
    case redisSet(SetWrite)
    /// The sorted set writes: ZADD, ZINCRBY, ZREM, ZREMRANGEBYRANK/SCORE/LEX, ZPOPMIN,
    /// ZPOPMAX, ZMPOP, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE.
    case sortedSet(SortedSetWrite)
    /// The stream writes: XADD, XTRIM, XDEL, XSETID, XGROUP's subcommands, XREADGROUP, XACK,
    /// XCLAIM, XAUTOCLAIM.
    case stream(StreamWrite)
    /// RENAME, or RENAMENX (`onlyIfAbsent`).
    case rename(source: [UInt8], destination: [UInt8], onlyIfAbsent: Bool)
    /// COPY: the value and TTL of `source` at `destination`, unless that exists and not
    /// `replace`.
    case copy(source: [UInt8], destination: [UInt8], replace: Bool)
    case flushAll
    /// Proposed by a node whose blocked clients went away (their connection closed): ends
    /// these blocked list commands, if they still wait, so that nothing is popped for nobody.
    case unblock(tickets: [UInt64])
    /// Proposed by a node for the blocking pops it answered (`BlockedPops.held`): the
    /// delivered ones are let go, the returned ones (their clients were gone) put back.
    case settleHeldPops(delivered: [RequestKey], returned: [RequestKey])
    /// One of the wider Redis writes as its words: what nodes before the typed commands
    /// replicated. Still read and run (`RedisWordCommands.parseWrite`); never proposed now.
    case redis(words: [[UInt8]])
    /// MULTI ... EXEC: the steps run atomically, in one entry, unless a watched key's version
    /// is no longer `versions` says (then nothing runs: EXEC answers a null array).
    indirect case transaction(versions: [KeyVersion], steps: [TransactionStep])
    /// Proposed by the leader when the dataset is over `maxmemory`: removes these keys.
    case evict(keys: [[UInt8]])
    /// CONFIG SET maxmemory / maxmemory-policy, replicated so every replica evicts alike.
    case configure(maxMemoryBytes: Int?, policy: EvictionPolicy?)
}

/// A watched key's version: its modify revision, or 0 while it does not exist.
public struct KeyVersion: Hashable, Sendable {
    public let key: [UInt8]
    public let revision: UInt64

    public init(key: [UInt8], revision: UInt64) {
        self.key = key
        self.revision = revision
    }
}

/// One command queued in a transaction.
public enum TransactionStep: Hashable, Sendable {
    case write(KeyValueCommand)
    case read(ReadCommand)
}

public struct KeyValuePair: Hashable, Sendable {
    public let key: [UInt8]
    public let value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// One log entry's worth of work: the command, the leader's clock when it proposed it, and the
/// proposer's request id (so the node that proposed it can answer its client).
public struct KeyValueEntry: Hashable, Sendable {
    public let requestID: UInt64
    /// Unix time in milliseconds on the proposing leader.
    public let timeMilliseconds: Int64
    public let command: KeyValueCommand

    /// Who sent it: the proposing node's id and the client connection's id, (node << 32) |
    /// client; 0 for the leader's own entries. CLIENT TRACKING NOLOOP uses it.
    public let origin: UInt64

    /// The client session that sent it (`ClientSessions`), 0 for none: a write with a session
    /// is applied once however many copies of it reach the log.
    public let session: UInt64
    /// The lowest request id of `session` whose answer its node still waits for.
    public let acknowledgedBelow: UInt64

    public init(
        requestID: UInt64,
        timeMilliseconds: Int64,
        command: KeyValueCommand,
        origin: UInt64 = 0,
        session: UInt64 = 0,
        acknowledgedBelow: UInt64 = 0
    ) {
        self.requestID = requestID
        self.timeMilliseconds = timeMilliseconds
        self.command = command
        self.origin = origin
        self.session = session
        self.acknowledgedBelow = acknowledgedBelow
    }

    /// The same request stamped with a leader's time (a forwarded write is stamped when the
    /// leader proposes it).
    public func stamped(at time: Int64) -> KeyValueEntry {
        KeyValueEntry(
            requestID: requestID,
            timeMilliseconds: time,
            command: command,
            origin: origin,
            session: session,
            acknowledgedBelow: acknowledgedBelow
        )
    }
}

/// What applying a command (or serving a read) answers, before it is written as RESP.
public enum KeyValueResult: Hashable, Sendable {
    case ok
    case null
    case integer(Int64)
    case value([UInt8])
    case values([[UInt8]?])
    /// An error: its kind, and the Redis error reply it renders to.
    case error(KeyValueError)
    case array([KeyValueResult])
    /// EXEC of a transaction whose watched keys changed (`*-1`, or `_` in RESP3).
    case nullArray
    /// A status reply (`+string`), as TYPE answers.
    case status(String)
    /// Keys and values alternating (a RESP3 map, a flat array in RESP2).
    case map([KeyValueResult])
    /// Members of a set (a RESP3 set, an array in RESP2).
    case set([KeyValueResult])
    /// A score: a RESP3 double, a bulk string in RESP2, written as Redis 7.0 writes it
    /// (`RedisDouble.text`).
    case double(Double)
    /// Members and scores alternating: a flat array in RESP2, an array of [member, score]
    /// arrays in RESP3 (ZRANGE ... WITHSCORES).
    case pairs([KeyValueResult])
    /// Stream names and their entries alternating: a RESP3 map, an array of [name, entries]
    /// arrays in RESP2 (XREAD, XREADGROUP).
    case streams([KeyValueResult])
    /// Not answered yet: the request waits in a lock's line, and a later entry answers it
    /// (`CoordinationEvent`).
    case waiting
}

/// What happened to a key, named as Redis names its keyspace events.
public enum KeyEvent: String, Hashable, Sendable {
    case set
    case del
    case expire
    /// Removed because its TTL (or its lease) ran out.
    case expired
    case persist
    case incrby
    case incrbyfloat
    case append
    case setrange
    case renameFrom = "rename_from"
    case renameTo = "rename_to"
    case copyTo = "copy_to"
    case hset
    case hdel
    case hincrby
    case hincrbyfloat
    case lpush
    case rpush
    case lpop
    case rpop
    case linsert
    case lset
    case lrem
    case ltrim
    case sadd
    case srem
    case spop
    case sinterstore
    case sunionstore
    case sdiffstore
    case zadd
    case zincr
    case zrem
    case zremrangebyrank
    case zremrangebyscore
    case zremrangebylex
    case zpopmin
    case zpopmax
    case zunionstore
    case zinterstore
    case zdiffstore
    case zrangestore
    case xadd
    case xtrim
    case xdel
    case xsetid
    case xgroupCreate = "xgroup-create"
    case xgroupSetID = "xgroup-setid"
    case xgroupDestroy = "xgroup-destroy"
    case xgroupCreateConsumer = "xgroup-createconsumer"
    case xgroupDeleteConsumer = "xgroup-delconsumer"
    /// A change Redis reports no keyspace event for (a group read, acknowledged or claimed
    /// entries): watches and tracking see it, subscribers do not.
    case quiet = ""
    case evicted
}

/// One key changed by an applied entry: its new value, or nil when it was removed.
public struct KeyChange: Hashable, Sendable {
    public let key: [UInt8]
    /// The value as the record keeps it: a change made per write costs no copy of a short
    /// value (the watch history keeps it so too).
    public let compactValue: CompactBytes?
    public let event: KeyEvent

    public init(key: [UInt8], value: [UInt8]?, event: KeyEvent) {
        self.init(key: key, compactValue: value.map(CompactBytes.init), event: event)
    }

    public init(key: [UInt8], compactValue: CompactBytes?, event: KeyEvent) {
        self.key = key
        self.compactValue = compactValue
        self.event = event
    }

    public var value: [UInt8]? { compactValue?.array }
}
