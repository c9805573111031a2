/// The list writes, typed as they are replicated (`KeyValueCommand.list`) and run with
/// Redis's semantics (`KeyValueStore+Lists`).
public enum ListWrite: Hashable, Sendable {
    /// LPUSH, RPUSH, or LPUSHX / RPUSHX (`onlyIfExists`): answers the length after.
    case push(key: [UInt8], elements: [[UInt8]], end: ListValue.End, onlyIfExists: Bool)
    /// LPOP, RPOP: one element (or nil) without a count; an array of up to `count` with one.
    case pop(key: [UInt8], end: ListValue.End, count: Int64?)
    /// LMPOP: up to `count` elements from the first of `keys` that holds a list, as
    /// [key, [elements]].
    case popFromFirst(keys: [[UInt8]], end: ListValue.End, count: Int64)
    /// LSET: the index counts from the tail when negative.
    case set(key: [UInt8], index: Int64, element: [UInt8])
    /// LINSERT key BEFORE|AFTER pivot element.
    case insert(key: [UInt8], after: Bool, pivot: [UInt8], element: [UInt8])
    /// LREM: `count` occurrences from the head, -`count` from the tail, or all for 0.
    case remove(key: [UInt8], count: Int64, element: [UInt8])
    /// LTRIM: keeps the inclusive range, negative offsets from the tail.
    case trim(key: [UInt8], start: Int64, stop: Int64)
    /// LMOVE, or RPOPLPUSH (from the right, to the left).
    case move(source: [UInt8], destination: [UInt8], from: ListValue.End, to: ListValue.End)
    /// BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH: served at once when a key holds a list;
    /// otherwise the client waits in each key's line (`BlockedPops`) until a later entry
    /// serves it or `timeoutMilliseconds` of log time pass (0: no timeout). Inside a
    /// transaction it never waits.
    case blocking(BlockingPop, timeoutMilliseconds: Int64)

    /// As `StringWrite.refusal`: what the parser refuses at the edge, refused again when
    /// applied.
    public var refusal: KeyValueError? {
        switch self {
        case .push(_, let elements, let end, let onlyIfExists):
            elements.isEmpty
                ? RedisWordCommands.wrongArity((end == .left ? "lpush" : "rpush") + (onlyIfExists ? "x" : "")) : nil
        case .pop(_, _, let count):
            (count ?? 0) < 0 ? KeyValueStore.mustBePositive : nil
        case .popFromFirst(let keys, _, let count):
            keys.isEmpty ? KeyValueStore.numberOfKeysNotPositive : count < 1 ? KeyValueStore.countNotPositive : nil
        case .set, .insert, .remove, .trim, .move:
            nil
        case .blocking(let pop, let timeout):
            timeout < 0
                ? KeyValueStore.timeoutNegative
                : pop.keys.isEmpty
                    ? KeyValueStore.numberOfKeysNotPositive
                    : (pop.count ?? 1) < 1 ? KeyValueStore.countNotPositive : pop.streamRefusal
        }
    }
}

/// What a blocked command does with the first list (or sorted set) it finds: the same whether
/// it is served at once or by a later push. The blocking sorted set commands travel as
/// `ListWrite.blocking` too: one kind of wait, one line per key.
public enum BlockingPop: Hashable, Sendable {
    /// BLPOP, BRPOP: [key, element].
    case element(keys: [[UInt8]], end: ListValue.End)
    /// BLMPOP: [key, [up to `count` elements]].
    case elements(keys: [[UInt8]], end: ListValue.End, count: Int64)
    /// BLMOVE, BRPOPLPUSH: the element, moved to the destination.
    case move(source: [UInt8], destination: [UInt8], from: ListValue.End, to: ListValue.End)
    /// BZPOPMIN, BZPOPMAX: [key, member, score].
    case sortedSetMember(keys: [[UInt8]], end: SortedSetEnd)
    /// BZMPOP: [key, [[member, score], ...]] with up to `count` members.
    case sortedSetMembers(keys: [[UInt8]], end: SortedSetEnd, count: Int64)
    /// XREAD BLOCK: the entries after each key's id (nil: `$`, the stream's last id when the
    /// command blocks; a waiter holds the id it resolved to), up to `count` (0: all). Served
    /// at once with every key that has entries; later with the key whose entries woke it.
    indirect case streamEntries(keys: [[UInt8]], after: [StreamID?], count: Int64)
    /// XREADGROUP BLOCK: as XREADGROUP reads (`after` nil: `>`), waiting for new entries of
    /// the group when there are none; a group destroyed while it waits ends the wait with
    /// NOGROUP. (Both stream cases are indirect: laid out inline, Swift 6.3.1 copied
    /// `ListWrite` wrongly, as `ReadCommand` notes.)
    indirect case groupEntries(
        group: [UInt8],
        consumer: [UInt8],
        keys: [[UInt8]],
        after: [StreamID?],
        count: Int64,
        noAcknowledge: Bool
    )

    /// The kind of value it pops from; a key of another kind answers WRONGTYPE when it blocks,
    /// and does not serve it later.
    var kind: KeyValueStore.Record.Kind {
        switch self {
        case .element, .elements, .move: .list
        case .sortedSetMember, .sortedSetMembers: .sortedSet
        case .streamEntries, .groupEntries: .stream
        }
    }

    /// The keys it waits on, each once, in the order given.
    public var keys: [[UInt8]] {
        switch self {
        case .element(let keys, _), .elements(let keys, _, _), .sortedSetMember(let keys, _),
            .sortedSetMembers(let keys, _, _), .streamEntries(let keys, _, _), .groupEntries(_, _, let keys, _, _, _):
            var seen: Set<[UInt8]> = []
            return keys.filter { seen.insert($0).inserted }
        case .move(let source, _, _, _):
            return [source]
        }
    }

    var count: Int64? {
        switch self {
        case .elements(_, _, let count), .sortedSetMembers(_, _, let count): count
        case .element, .move, .sortedSetMember, .streamEntries, .groupEntries: nil
        }
    }

    /// A stream read's own checks (an id per key, a count not below 0).
    var streamRefusal: KeyValueError? {
        switch self {
        case .streamEntries(let keys, let after, let count), .groupEntries(_, _, let keys, let after, let count, _):
            keys.count != after.count || count < 0 ? KeyValueStore.syntax : nil
        case .element, .elements, .move, .sortedSetMember, .sortedSetMembers: nil
        }
    }

    /// What the client gets when its time runs out (or it may not wait): BLMOVE a null, the
    /// others a null array, as Redis answers.
    public var timeoutReply: KeyValueResult {
        if case .move = self { .null } else { .nullArray }
    }
}

/// The list reads, typed (`ReadCommand.list`).
public enum ListRead: Hashable, Sendable {
    /// LRANGE: the inclusive range, negative offsets from the tail.
    case range(key: [UInt8], start: Int64, stop: Int64)
    /// LLEN.
    case length(key: [UInt8])
    /// LINDEX.
    case index(key: [UInt8], index: Int64)
    /// LPOS key element [RANK rank] [COUNT count] [MAXLEN length]: `rank` 1 is the first
    /// match from the head, -1 the first from the tail; `count` nil answers one index (or
    /// nil), a count an array (0 for every match); `maxLength` 0 compares every element.
    case position(key: [UInt8], element: [UInt8], rank: Int64, count: Int64?, maxLength: Int64)

    public var key: [UInt8] {
        switch self {
        case .range(let key, _, _), .length(let key), .index(let key, _), .position(let key, _, _, _, _): key
        }
    }

    /// As `ListWrite.refusal`.
    public var refusal: KeyValueError? {
        guard case .position(_, _, let rank, let count, let maxLength) = self else { return nil }
        if rank == 0 { return KeyValueStore.rankZero }
        if rank == .min { return KeyValueStore.rankOutOfRange }
        if (count ?? 0) < 0 { return KeyValueStore.countNegative }
        if maxLength < 0 { return KeyValueStore.maxLengthNegative }
        return nil
    }
}

extension KeyValueStore {
    static let mustBePositive = KeyValueError(.outOfRange, "ERR value is out of range, must be positive")
    static let numberOfKeysNotPositive = KeyValueError(.outOfRange, "ERR numkeys should be greater than 0")
    static let countNotPositive = KeyValueError(.outOfRange, "ERR count should be greater than 0")
    static let indexOutOfRange = KeyValueError(.outOfRange, "ERR index out of range")
    static let rankZero = KeyValueError(
        .outOfRange,
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    )
    static let rankOutOfRange = KeyValueError(
        .outOfRange,
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    )
    static let countNegative = KeyValueError(.outOfRange, "ERR COUNT can't be negative")
    static let maxLengthNegative = KeyValueError(.outOfRange, "ERR MAXLEN can't be negative")
    static let timeoutNegative = KeyValueError(.outOfRange, "ERR timeout is negative")
    static let timeoutNotAFloat = KeyValueError(.notANumber, "ERR timeout is not a float or out of range")
    static let timeoutOutOfRange = KeyValueError(.outOfRange, "ERR timeout is out of range")
}
