/// The string reads beyond GET, typed (`ReadCommand.string`).
public enum StringRead: Hashable, Sendable {
    /// STRLEN.
    case length(key: [UInt8])
    /// GETRANGE (or SUBSTR) with inclusive offsets, negative ones counted from the end.
    case range(key: [UInt8], start: Int64, end: Int64)

    public var key: [UInt8] {
        switch self {
        case .length(let key), .range(let key, _, _): key
        }
    }
}

/// Reads about keys rather than their values (`ReadCommand.keyspace`).
public enum KeyspaceRead: Hashable, Sendable {
    /// EXPIRETIME (seconds) or PEXPIRETIME: the absolute expiry, -1 for none, -2 for no key.
    case expiryTime(key: [UInt8], unit: ExpiryUnit)
    /// TYPE.
    case type(key: [UInt8])
    /// KEYS pattern.
    case keys(pattern: [UInt8])
    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
    case scan(cursor: UInt64, options: ScanOptions)
    /// RANDOMKEY.
    case randomKey
    /// OBJECT ENCODING key.
    case encoding(key: [UInt8])
    /// OBJECT REFCOUNT, IDLETIME or FREQ key.
    case use(key: [UInt8], KeyUse)
}

/// What OBJECT tells of a key besides its encoding.
public enum KeyUse: UInt8, Hashable, Sendable {
    /// OBJECT REFCOUNT: Redis's count of references to the value.
    case referenceCount = 0
    /// OBJECT IDLETIME: seconds since the key was last read or written (every policy but LFU).
    case idleSeconds = 1
    /// OBJECT FREQ: the logarithmic use counter (LFU policies).
    case frequency = 2
}

/// The hash reads, typed (`ReadCommand.hash`).
public enum HashRead: Hashable, Sendable {
    case get(key: [UInt8], field: [UInt8])
    case multiGet(key: [UInt8], fields: [[UInt8]])
    /// HGETALL.
    case getAll(key: [UInt8])
    /// HKEYS.
    case fields(key: [UInt8])
    /// HVALS.
    case values(key: [UInt8])
    /// HLEN.
    case length(key: [UInt8])
    /// HEXISTS.
    case exists(key: [UInt8], field: [UInt8])
    /// HSTRLEN.
    case valueLength(key: [UInt8], field: [UInt8])
    /// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]. Redis looks the key up
    /// before it reads the options, so a missing key answers an empty page and a string
    /// WRONGTYPE even when the options are wrong: their error waits here until then.
    case scan(key: [UInt8], cursor: UInt64, options: Result<ScanOptions, KeyValueError>)
    /// HRANDFIELD key [count [WITHVALUES]]: one field without a count; with one, distinct
    /// fields for a positive count, fields that may repeat for a negative one.
    case randomFields(key: [UInt8], count: Int64?, withValues: Bool)

    public var key: [UInt8] {
        switch self {
        case .get(let key, _), .multiGet(let key, _), .getAll(let key), .fields(let key), .values(let key),
            .length(let key), .exists(let key, _), .valueLength(let key, _), .scan(let key, _, _),
            .randomFields(let key, _, _):
            key
        }
    }
}

/// The options of SCAN and HSCAN.
public struct ScanOptions: Hashable, Sendable {
    /// COUNT is capped here: a page never visits more.
    public static let countMax = 1 << 20

    public var pattern: [UInt8]?
    /// How many entries a call visits (1 ... `countMax`).
    public var count = 10
    /// SCAN's TYPE, lowercased ("string", "hash").
    public var type: String?
    /// HSCAN's NOVALUES turns this off.
    public var withValues = true

    public init(pattern: [UInt8]? = nil, count: Int = 10, type: String? = nil, withValues: Bool = true) {
        self.pattern = pattern
        self.count = count
        self.type = type
        self.withValues = withValues
    }

    /// The error a value out of range gets, or nil (for a forwarded or logged read, whose
    /// options were not parsed here).
    public var refusal: KeyValueError? {
        (1...Self.countMax).contains(count) ? nil : KeyValueStore.syntax
    }
}
