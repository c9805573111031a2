/// The string writes beyond SET and INCR, typed as they are replicated
/// (`KeyValueCommand.string`). Each case is one Redis command, so each answers as that command
/// does (`KeyValueStore+Redis`).
public enum StringWrite: Hashable, Sendable {
    /// SETNX key value: 1 if it was set, 0 if the key existed.
    case setIfAbsent(key: [UInt8], value: [UInt8])
    /// SETEX (`unit` seconds) or PSETEX: SET with a TTL, in milliseconds.
    case setExpiring(key: [UInt8], value: [UInt8], milliseconds: Int64, unit: ExpiryUnit)
    case getSet(key: [UInt8], value: [UInt8])
    case getDelete(key: [UInt8])
    /// GETEX key [EX | PX | EXAT | PXAT | PERSIST].
    case getExpiring(key: [UInt8], expiry: GetExpiry)
    /// MSETNX: every pair, or none if any key exists.
    case setAllIfAbsent(pairs: [KeyValuePair])
    /// INCRBYFLOAT: the increment as the client wrote it. Parsed when applied, after the key's
    /// type is checked, since Redis answers WRONGTYPE before it looks at the number.
    case incrementByFloat(key: [UInt8], increment: [UInt8])
    case append(key: [UInt8], value: [UInt8])
    case setRange(key: [UInt8], offset: Int64, value: [UInt8])

    /// The error a client's words for this command get before the data is looked at, or nil:
    /// the parser refuses such a command at the edge, the leader refuses a forwarded one, and
    /// applying refuses one that reached the log anyway (from an older or buggier node).
    public var refusal: KeyValueError? {
        switch self {
        case .setExpiring(_, _, let milliseconds, let unit):
            milliseconds > 0 ? nil : KeyValueStore.invalidExpireTime(unit.commandName)
        case .getExpiring(_, .afterMilliseconds(let milliseconds)), .getExpiring(_, .atMilliseconds(let milliseconds)):
            milliseconds > 0 ? nil : KeyValueStore.invalidExpireTime("getex")
        case .setAllIfAbsent(let pairs):
            pairs.isEmpty ? RedisWordCommands.wrongArity("msetnx") : nil
        case .append(_, let value):
            value.count <= KeyValueStore.stringBytesMax ? nil : KeyValueStore.stringTooLong
        case .setRange(_, let offset, let value):
            if offset < 0 {
                KeyValueStore.offsetOutOfRange
            } else if !value.isEmpty && !KeyValueStore.fitsStringBytesMax(offset: offset, count: value.count) {
                KeyValueStore.stringTooLong
            } else {
                nil
            }
        case .setIfAbsent, .getSet, .getDelete, .getExpiring, .incrementByFloat:
            nil
        }
    }
}

/// The hash writes, typed as they are replicated (`KeyValueCommand.hash`).
public enum HashWrite: Hashable, Sendable {
    /// HSET (answers how many fields are new) or HMSET (answers OK).
    case set(key: [UInt8], fields: [KeyValuePair], answersCount: Bool)
    case setIfAbsent(key: [UInt8], field: [UInt8], value: [UInt8])
    case delete(key: [UInt8], fields: [[UInt8]])
    case increment(key: [UInt8], field: [UInt8], by: Int64)
    /// HINCRBYFLOAT: the increment as the client wrote it (Redis's exact decimal output
    /// depends on it), known to parse.
    case incrementByFloat(key: [UInt8], field: [UInt8], increment: [UInt8])

    /// As `StringWrite.refusal`.
    public var refusal: KeyValueError? {
        switch self {
        case .set(_, let fields, let answersCount):
            fields.isEmpty ? RedisWordCommands.wrongArity(answersCount ? "hset" : "hmset") : nil
        case .delete(_, let fields):
            fields.isEmpty ? RedisWordCommands.wrongArity("hdel") : nil
        case .incrementByFloat(_, _, let increment):
            KeyValueStore.parseFloat(increment) == nil ? KeyValueStore.notAFloat : nil
        case .setIfAbsent, .increment:
            nil
        }
    }
}

/// What GETEX does to the key's TTL.
public enum GetExpiry: Hashable, Sendable {
    case unchanged
    /// PERSIST: the TTL is removed.
    case persist
    /// EX, PX: this long after the entry's time.
    case afterMilliseconds(Int64)
    /// EXAT, PXAT: at this Unix time.
    case atMilliseconds(Int64)
}

/// The unit a SETEX-like command takes its TTL in, which names the command in its errors.
public enum ExpiryUnit: UInt8, Hashable, Sendable {
    case seconds = 0
    case milliseconds = 1

    var commandName: String { self == .seconds ? "setex" : "psetex" }
}
