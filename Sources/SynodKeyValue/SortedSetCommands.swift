/// One end of a score interval: `(1.5` excludes 1.5, `1.5` includes it; `-inf` and `+inf`.
public struct ScoreBound: Hashable, Sendable {
    public let score: Double
    public let isExclusive: Bool

    public init(_ score: Double, isExclusive: Bool) {
        self.score = score
        self.isExclusive = isExclusive
    }
}

/// One end of a member interval: `-` before every member, `+` after every member, `[abc`
/// from abc on, `(abc` after abc.
public enum LexBound: Hashable, Sendable {
    case lowest
    case highest
    case inclusive([UInt8])
    case exclusive([UInt8])
}

/// Which members a range command takes: by rank (negative counted from the end), by score
/// or by member.
public enum SortedSetRange: Hashable, Sendable {
    case rank(start: Int64, stop: Int64)
    case score(min: ScoreBound, max: ScoreBound)
    case lex(min: LexBound, max: LexBound)
}

/// ZRANGE's selection: the range, its direction, and LIMIT's offset and count (count -1: no
/// limit; only with a score or lex range).
public struct SortedSetSelection: Hashable, Sendable {
    public let range: SortedSetRange
    public let reverse: Bool
    public let offset: Int64
    public let limit: Int64

    public init(_ range: SortedSetRange, reverse: Bool, offset: Int64 = 0, limit: Int64 = -1) {
        self.range = range
        self.reverse = reverse
        self.offset = offset
        self.limit = limit
    }
}

/// ZADD's options.
public struct SortedSetAddOptions: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Only add new members.
    public static let onlyNew = SortedSetAddOptions(rawValue: 1 << 0)
    /// Only update existing members.
    public static let onlyExisting = SortedSetAddOptions(rawValue: 1 << 1)
    /// Only update to a greater score (new members are added).
    public static let onlyGreater = SortedSetAddOptions(rawValue: 1 << 2)
    /// Only update to a lower score.
    public static let onlyLess = SortedSetAddOptions(rawValue: 1 << 3)
    /// Answer how many members were added or changed, not only added.
    public static let countChanged = SortedSetAddOptions(rawValue: 1 << 4)
    /// Add the score to the member's (one member): answers the new score (ZINCRBY).
    public static let increment = SortedSetAddOptions(rawValue: 1 << 5)
}

/// How ZUNION, ZINTER and ZDIFF (and their STORE forms) combine sorted sets (or sets, whose
/// members score 1).
public enum SortedSetOperation: UInt8, Hashable, Sendable {
    case union = 0
    case intersection = 1
    /// The first set less every other.
    case difference = 2

    var storeEvent: KeyEvent {
        switch self {
        case .union: .zunionstore
        case .intersection: .zinterstore
        case .difference: .zdiffstore
        }
    }
}

/// How a member's scores in several sets combine: summed (the default), the least or the
/// greatest.
public enum ScoreAggregate: UInt8, Hashable, Sendable {
    case sum = 0
    case min = 1
    case max = 2
}

/// The inputs of ZUNION, ZINTER, ZDIFF: the keys, a weight per key, the aggregate.
public struct SortedSetCombination: Hashable, Sendable {
    public let operation: SortedSetOperation
    public let keys: [[UInt8]]
    public let weights: [Double]
    public let aggregate: ScoreAggregate

    public init(
        _ operation: SortedSetOperation,
        keys: [[UInt8]],
        weights: [Double]? = nil,
        aggregate: ScoreAggregate = .sum
    ) {
        self.operation = operation
        self.keys = keys
        self.weights = weights ?? Array(repeating: 1, count: keys.count)
        self.aggregate = aggregate
    }

    /// Refused unless there is a key and a weight per key (entries may come from anywhere).
    var refusal: KeyValueError? {
        keys.isEmpty || weights.count != keys.count || weights.contains(where: \.isNaN) ? KeyValueStore.syntax : nil
    }
}

/// Which end ZPOPMIN (`.min`) and ZPOPMAX take from.
public enum SortedSetEnd: UInt8, Hashable, Sendable {
    case min = 0
    case max = 1
}

/// The sorted set writes, typed as they are replicated (`KeyValueCommand.sortedSet`) and run
/// with Redis's semantics (`KeyValueStore+SortedSets`).
public enum SortedSetWrite: Hashable, Sendable {
    /// ZADD (and ZINCRBY: one member with `.increment`).
    case add(key: [UInt8], options: SortedSetAddOptions, members: [ScoredMember])
    /// ZREM.
    case remove(key: [UInt8], members: [[UInt8]])
    /// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.
    case removeRange(key: [UInt8], range: SortedSetRange)
    /// ZPOPMIN, ZPOPMAX: the lowest or highest member (a flat [member, score]) without a
    /// count; up to `count` of them as pairs with one.
    case pop(key: [UInt8], end: SortedSetEnd, count: Int64?)
    /// ZMPOP: pops up to `count` members from the first of `keys` that has any.
    case popFromFirst(keys: [[UInt8]], end: SortedSetEnd, count: Int64)
    /// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: the result replaces `destination`.
    case store(destination: [UInt8], combination: SortedSetCombination)
    /// ZRANGESTORE.
    case rangeStore(destination: [UInt8], source: [UInt8], selection: SortedSetSelection)
    /// ZUNIONSTORE, ZINTERSTORE or ZDIFFSTORE whose options Redis refuses only after looking
    /// at the keys.
    indirect case refusedAfterLookup(LookupFirstRefusal)

    /// As `StringWrite.refusal`: what no replica applies, whatever the words' origin.
    public var refusal: KeyValueError? {
        switch self {
        case .add(_, let options, let members):
            if members.isEmpty || members.contains(where: \.score.isNaN) { return KeyValueStore.syntax }
            return SortedSetWrite.conflict(in: options)
                ?? (options.contains(.increment) && members.count > 1 ? KeyValueStore.singleIncrement : nil)
        case .remove(_, let members): return members.isEmpty ? RedisWordCommands.wrongArity("zrem") : nil
        case .removeRange(_, let range): return range.refusal
        case .pop(_, _, let count): return (count ?? 0) < 0 ? KeyValueStore.mustBePositive : nil
        case .popFromFirst(let keys, _, let count):
            return keys.isEmpty
                ? KeyValueStore.numberOfKeysNotPositive : count < 1 ? KeyValueStore.countNotPositive : nil
        case .store(_, let combination): return combination.refusal
        case .rangeStore(_, _, let selection): return selection.refusal
        case .refusedAfterLookup: return nil
        }
    }

    /// ZADD's options that cannot go together.
    static func conflict(in options: SortedSetAddOptions) -> KeyValueError? {
        if options.contains([.onlyNew, .onlyExisting]) { return KeyValueStore.newAndExisting }
        let exclusive = [options.contains(.onlyNew), options.contains(.onlyGreater), options.contains(.onlyLess)]
        return exclusive.filter { $0 }.count > 1 ? KeyValueStore.greaterLessNew : nil
    }
}

extension SortedSetRange {
    var refusal: KeyValueError? {
        switch self {
        case .rank: nil
        case .score(let min, let max): min.score.isNaN || max.score.isNaN ? KeyValueStore.scoreRangeNotFloat : nil
        case .lex: nil
        }
    }
}

extension SortedSetSelection {
    var refusal: KeyValueError? {
        if let refusal = range.refusal { return refusal }
        if case .rank = range, offset != 0 || limit != -1 { return KeyValueStore.limitNeedsScoreOrLex }
        return nil
    }
}

/// The sorted set reads, typed (`ReadCommand.sortedSet`).
public enum SortedSetRead: Hashable, Sendable {
    /// ZRANGE in all its forms, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX,
    /// ZREVRANGEBYLEX.
    case range(key: [UInt8], selection: SortedSetSelection, withScores: Bool)
    /// ZCARD.
    case cardinality(key: [UInt8])
    /// ZCOUNT (a score range), ZLEXCOUNT (a lex range).
    case count(key: [UInt8], range: SortedSetRange)
    /// ZSCORE.
    case score(key: [UInt8], member: [UInt8])
    /// ZMSCORE.
    case scores(key: [UInt8], members: [[UInt8]])
    /// ZRANK, ZREVRANK, with the member's score for WITHSCORE (Redis 7.2).
    case rank(key: [UInt8], member: [UInt8], reverse: Bool, withScore: Bool)
    /// ZRANDMEMBER: one member without a count; with one, as SRANDMEMBER's.
    case randomMembers(key: [UInt8], count: Int64?, withScores: Bool)
    /// ZUNION, ZINTER, ZDIFF.
    case combine(SortedSetCombination, withScores: Bool)
    /// ZINTERCARD: the intersection's size, counted up to `limit` (0: no limit).
    case intersectionCardinality(keys: [[UInt8]], limit: Int64)
    /// ZSCAN.
    case scan(key: [UInt8], cursor: UInt64, options: Result<ScanOptions, KeyValueError>)
    /// ZUNION, ZINTER, ZDIFF or ZINTERCARD whose options Redis refuses after looking at the keys.
    indirect case refusedAfterLookup(LookupFirstRefusal)

    /// The keys it reads.
    public var keys: [[UInt8]] {
        switch self {
        case .range(let key, _, _), .cardinality(let key), .count(let key, _), .score(let key, _),
            .scores(let key, _), .rank(let key, _, _, _), .randomMembers(let key, _, _), .scan(let key, _, _):
            [key]
        case .combine(let combination, _): combination.keys
        case .intersectionCardinality(let keys, _): keys
        case .refusedAfterLookup(let refusal): refusal.keys
        }
    }

    /// As `ListRead.refusal`.
    public var refusal: KeyValueError? {
        switch self {
        case .range(_, let selection, _): selection.refusal
        case .count(_, let range): range.refusal
        case .randomMembers(_, let count, _):
            count.map { $0.magnitude > UInt64(SetRead.randomMembersMax) } == true
                ? KeyValueStore.tooManyRandomMembers : nil
        case .combine(let combination, _): combination.refusal
        case .intersectionCardinality(let keys, let limit):
            keys.isEmpty ? KeyValueStore.numberOfKeysNotPositive : limit < 0 ? KeyValueStore.limitNegative : nil
        case .scan(_, _, .success(let options)): options.refusal
        case .cardinality, .score, .scores, .rank, .scan, .refusedAfterLookup: nil
        }
    }
}

extension KeyValueStore {
    static let newAndExisting = KeyValueError(
        .invalidRequest,
        "ERR XX and NX options at the same time are not compatible"
    )
    static let greaterLessNew = KeyValueError(
        .invalidRequest,
        "ERR GT, LT, and/or NX options at the same time are not compatible"
    )
    static let singleIncrement = KeyValueError(
        .invalidRequest,
        "ERR INCR option supports a single increment-element pair"
    )
    static let scoreIsNaN = KeyValueError(.notANumber, "ERR resulting score is not a number (NaN)")
    static let scoreRangeNotFloat = KeyValueError(.notANumber, "ERR min or max is not a float")
    static let lexRangeInvalid = KeyValueError(.invalidRequest, "ERR min or max not valid string range item")
    static let weightNotFloat = KeyValueError(.notANumber, "ERR weight value is not a float")
    static let limitNeedsScoreOrLex = KeyValueError(
        .invalidRequest,
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    )
    static let scoresWithLex = KeyValueError(
        .invalidRequest,
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
    )
}
