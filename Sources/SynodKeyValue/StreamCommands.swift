/// How XTRIM (and XADD's MAXLEN or MINID) trims: what to keep, whether whole nodes only
/// (`~`), and how many entries at most an approximate trim removes (0: no limit).
public struct StreamTrim: Hashable, Sendable {
    public enum Strategy: Hashable, Sendable {
        /// Keep the newest `length` entries.
        case maxLength(Int64)
        /// Keep the entries at or after this id.
        case minimumID(StreamID)
    }

    public let strategy: Strategy
    public let approximate: Bool
    public let limit: Int64

    public init(_ strategy: Strategy, approximate: Bool = false, limit: Int64 = 0) {
        self.strategy = strategy
        self.approximate = approximate
        self.limit = limit
    }

    var refusal: KeyValueError? {
        if case .maxLength(let length) = strategy, length < 0 { return KeyValueStore.streamMaxLengthNegative }
        if limit < 0 { return KeyValueStore.limitNotPositive }
        return limit > 0 && !approximate ? KeyValueStore.limitWithoutApproximation : nil
    }
}

/// The id XADD gives its entry.
public enum StreamNewID: Hashable, Sendable {
    /// `*`: the log's time, or the last id's next.
    case automatic
    /// `ms-*`: these milliseconds, the next sequence.
    case milliseconds(UInt64)
    /// `ms-seq` (or `ms`, sequence 0).
    case explicit(StreamID)
}

/// XCLAIM's options.
public struct StreamClaimOptions: Hashable, Sendable {
    /// IDLE: the entry counts as delivered this long ago.
    public var idleMilliseconds: Int64?
    /// TIME: the entry counts as delivered at this Unix time.
    public var timeMilliseconds: Int64?
    /// RETRYCOUNT: the delivery count to set.
    public var retryCount: Int64?
    /// FORCE: claim entries of the stream that are not pending.
    public var force = false
    /// JUSTID: answer the ids only, and leave the delivery count as it is.
    public var justID = false
    /// LASTID: the group's last delivered id moves up to this.
    public var lastID: StreamID?

    public init() {}
}

/// The stream writes, typed as they are replicated (`KeyValueCommand.stream`) and run with
/// Redis 7.0's semantics (`KeyValueStore+Streams`). A group is named by its bytes; `start`
/// nil means `$` (the stream's last id, read when the write applies).
public enum StreamWrite: Hashable, Sendable {
    /// XADD: `fields` alternate field and value; `makeStream` false is NOMKSTREAM.
    case add(key: [UInt8], id: StreamNewID, fields: [[UInt8]], trim: StreamTrim?, makeStream: Bool)
    /// XTRIM.
    case trim(key: [UInt8], trim: StreamTrim)
    /// XDEL.
    case delete(key: [UInt8], ids: [StreamID])
    /// XSETID.
    case setID(key: [UInt8], lastID: StreamID, entriesAdded: Int64?, maxDeletedID: StreamID?)
    /// XGROUP CREATE.
    case createGroup(key: [UInt8], group: [UInt8], start: StreamID?, makeStream: Bool, entriesRead: Int64)
    /// XGROUP SETID.
    case setGroupID(key: [UInt8], group: [UInt8], start: StreamID?, entriesRead: Int64)
    /// XGROUP DESTROY.
    case destroyGroup(key: [UInt8], group: [UInt8])
    /// XGROUP CREATECONSUMER.
    case createConsumer(key: [UInt8], group: [UInt8], consumer: [UInt8])
    /// XGROUP DELCONSUMER.
    case deleteConsumer(key: [UInt8], group: [UInt8], consumer: [UInt8])
    /// XREADGROUP without BLOCK: per key, new entries (`after` nil: `>`) or the consumer's
    /// pending entries after an id; `count` 0 reads all.
    case readGroup(
        group: [UInt8],
        consumer: [UInt8],
        keys: [[UInt8]],
        after: [StreamID?],
        count: Int64,
        noAcknowledge: Bool
    )
    /// XACK.
    case acknowledge(key: [UInt8], group: [UInt8], ids: [StreamID])
    /// XCLAIM.
    case claim(
        key: [UInt8],
        group: [UInt8],
        consumer: [UInt8],
        minimumIdleMilliseconds: Int64,
        ids: [StreamID],
        options: StreamClaimOptions
    )
    /// XAUTOCLAIM.
    case autoClaim(
        key: [UInt8],
        group: [UInt8],
        consumer: [UInt8],
        minimumIdleMilliseconds: Int64,
        start: StreamID,
        count: Int64,
        justID: Bool
    )
    /// XDEL, XACK or XCLAIM whose words Redis refuses only after looking at the key
    /// (indirect, as `BlockingPop`'s stream cases).
    indirect case refusedAfterLookup(LookupFirstRefusal)

    /// As `StringWrite.refusal`: what no replica applies, whatever the words' origin.
    public var refusal: KeyValueError? {
        switch self {
        case .add(_, let id, let fields, let trim, _):
            if fields.isEmpty || fields.count % 2 != 0 { return RedisWordCommands.wrongArity("xadd") }
            if case .explicit(.zero) = id { return KeyValueStore.streamIDZero }
            return trim?.refusal
        case .trim(_, let trim): return trim.refusal
        case .delete(_, let ids), .acknowledge(_, _, let ids):
            return ids.isEmpty ? KeyValueStore.syntax : nil
        case .setID(_, let lastID, let entriesAdded, let maxDeletedID):
            if (entriesAdded ?? 0) < 0 { return KeyValueStore.entriesAddedNegative }
            return (maxDeletedID ?? .zero) > lastID ? KeyValueStore.maxDeletedAboveID : nil
        case .createGroup(_, _, _, _, let entriesRead), .setGroupID(_, _, _, let entriesRead):
            return entriesRead < -1 ? KeyValueStore.entriesReadNegative : nil
        case .destroyGroup, .createConsumer, .deleteConsumer, .refusedAfterLookup: return nil
        case .readGroup(_, _, let keys, let after, let count, _):
            return keys.isEmpty || keys.count != after.count || count < 0 ? KeyValueStore.syntax : nil
        case .claim(_, _, _, let idle, _, _):
            return idle < 0 ? KeyValueStore.syntax : nil
        case .autoClaim(_, _, _, let idle, _, let count, _):
            return idle < 0
                ? KeyValueStore.syntax
                : (1...StreamRead.autoClaimCountMax).contains(count) ? nil : KeyValueStore.autoClaimCount
        }
    }
}

/// XINFO's forms.
public enum StreamInfo: Hashable, Sendable {
    /// XINFO STREAM, or with FULL its entries (up to `count`, 0: all) and groups in detail.
    case stream(key: [UInt8], full: Bool, count: Int64)
    case groups(key: [UInt8])
    case consumers(key: [UInt8], group: [UInt8])
}

/// The stream reads, typed (`ReadCommand.stream`).
public enum StreamRead: Hashable, Sendable {
    /// XAUTOCLAIM's COUNT is at most this (Redis's LONG_MAX / 16).
    static let autoClaimCountMax = Int64.max / 16

    /// XRANGE, XREVRANGE: the entries from `start` to `end`, both included, up to `count`
    /// (nil: all; 0 answers a null array, as Redis 7.0 does).
    case range(key: [UInt8], start: StreamID, end: StreamID, count: Int64?, reverse: Bool)
    /// XLEN.
    case length(key: [UInt8])
    /// XREAD without BLOCK: per key, the entries after an id (nil: `$`, which reads nothing
    /// without BLOCK), up to `count` each (0: all).
    case read(keys: [[UInt8]], after: [StreamID?], count: Int64)
    /// XPENDING: the summary, or with a range the pending entries from `start` to `end`, up
    /// to `count`, idle at least `minimumIdle`, of one consumer or all.
    case pending(key: [UInt8], group: [UInt8], range: PendingRange?)
    /// XINFO STREAM, GROUPS, CONSUMERS.
    case info(StreamInfo)
    /// XREAD whose ids Redis refuses only after looking at the keys before them (indirect, as
    /// `StreamWrite.refusedAfterLookup`).
    indirect case refusedAfterLookup(LookupFirstRefusal)

    public struct PendingRange: Hashable, Sendable {
        public let start: StreamID
        public let end: StreamID
        public let count: Int64
        public let minimumIdleMilliseconds: Int64
        public let consumer: [UInt8]?

        public init(start: StreamID, end: StreamID, count: Int64, minimumIdleMilliseconds: Int64, consumer: [UInt8]?) {
            self.start = start
            self.end = end
            self.count = count
            self.minimumIdleMilliseconds = minimumIdleMilliseconds
            self.consumer = consumer
        }
    }

    /// The keys it reads.
    public var keys: [[UInt8]] {
        switch self {
        case .range(let key, _, _, _, _), .length(let key), .pending(let key, _, _): [key]
        case .read(let keys, _, _): keys
        case .info(.stream(let key, _, _)), .info(.groups(let key)), .info(.consumers(let key, _)): [key]
        case .refusedAfterLookup(let refusal): refusal.keys
        }
    }

    /// As `ListRead.refusal`.
    public var refusal: KeyValueError? {
        switch self {
        case .read(let keys, let after, let count):
            keys.isEmpty || keys.count != after.count || count < 0 ? KeyValueStore.syntax : nil
        case .range(_, _, _, let count, _): (count ?? 0) < 0 ? KeyValueStore.syntax : nil
        case .pending(_, _, let range): (range?.count ?? 0) < 0 ? KeyValueStore.syntax : nil
        case .info(.stream(_, _, let count)): count < 0 ? KeyValueStore.syntax : nil
        case .length, .info, .refusedAfterLookup: nil
        }
    }
}

extension KeyValueStore {
    static let invalidStreamID = KeyValueError(
        .invalidRequest,
        "ERR Invalid stream ID specified as stream command argument"
    )
    static let streamIDZero = KeyValueError(.invalidRequest, "ERR The ID specified in XADD must be greater than 0-0")
    static let streamIDNotIncreasing = KeyValueError(
        .invalidRequest,
        "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    )
    static let streamExhausted = KeyValueError(
        .outOfRange,
        "ERR The stream has exhausted the last possible ID, unable to add more items"
    )
    static let streamMaxLengthNegative = KeyValueError(.outOfRange, "ERR The MAXLEN argument must be >= 0.")
    static let limitNotPositive = KeyValueError(.outOfRange, "ERR The LIMIT argument must be >= 0.")
    static let limitWithoutApproximation = KeyValueError(
        .invalidRequest,
        "ERR syntax error, LIMIT cannot be used without the special ~ option"
    )
    static let entriesAddedNegative = KeyValueError(.outOfRange, "ERR entries_added must be positive")
    static let maxDeletedAboveID = KeyValueError(
        .invalidRequest,
        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
    )
    static let entriesReadNegative = KeyValueError(.outOfRange, "ERR value for ENTRIESREAD must be positive or -1")
    static let autoClaimCount = KeyValueError(.outOfRange, "ERR COUNT must be > 0")
    static let streamKeyMissing = KeyValueError(
        .notFound,
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
    )
    static let groupExists = KeyValueError(.invalidRequest, "BUSYGROUP Consumer Group name already exists")

    /// NOGROUP as XGROUP's subcommands word it.
    static func noGroup(_ group: [UInt8], key: [UInt8]) -> KeyValueError {
        KeyValueError(.notFound, "NOGROUP No such consumer group '\(text(group))' for key name '\(text(key))'")
    }

    /// NOGROUP as XREADGROUP, XPENDING, XCLAIM and XAUTOCLAIM word it.
    static func noKeyOrGroup(_ group: [UInt8], key: [UInt8], suffix: String = "") -> KeyValueError {
        KeyValueError(.notFound, "NOGROUP No such key '\(text(key))' or consumer group '\(text(group))'\(suffix)")
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(256), as: UTF8.self) }
}
