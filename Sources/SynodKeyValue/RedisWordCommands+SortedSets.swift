/// The sorted set commands' words, parsed as Redis 7.0 parses them: option errors come before
/// the key is looked at, with Redis's texts.
extension RedisWordCommands {
    static let sortedSetWriteArities: [String: Int] = [
        "zadd": -4, "zincrby": 4, "zrem": -3, "zremrangebyrank": 4, "zremrangebyscore": 4, "zremrangebylex": 4,
        "zpopmin": -2, "zpopmax": -2, "zmpop": -4, "zunionstore": -4, "zinterstore": -4, "zdiffstore": -4,
        "zrangestore": -5,
    ]

    static let sortedSetReadArities: [String: Int] = [
        "zrange": -4, "zrevrange": -4, "zrangebyscore": -4, "zrevrangebyscore": -4, "zrangebylex": -4,
        "zrevrangebylex": -4, "zcard": 2, "zcount": 4, "zlexcount": 4, "zscore": 3, "zmscore": -3, "zrank": -3,
        "zrevrank": -3, "zrandmember": -2, "zunion": -3, "zinter": -3, "zdiff": -3, "zintercard": -3, "zscan": -3,
    ]

    /// The typed sorted set write, or nil for a name that is not one. `arguments` has the
    /// count the arity of `name` promises.
    static func typedSortedSetWrite(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> SortedSetWrite? {
        switch name {
        case "zadd":
            return try add(arguments)
        case "zincrby":
            guard let increment = RedisDouble.parse(arguments[1]) else { throw KeyValueStore.notAFloat }
            return .add(
                key: arguments[0],
                options: .increment,
                members: [ScoredMember(member: arguments[2], score: increment)]
            )
        case "zrem":
            return .remove(key: arguments[0], members: Array(arguments.dropFirst()))
        case "zremrangebyrank":
            return .removeRange(
                key: arguments[0],
                range: .rank(start: try integer(arguments[1]), stop: try integer(arguments[2]))
            )
        case "zremrangebyscore":
            return .removeRange(key: arguments[0], range: try scoreRange(arguments[1], arguments[2]))
        case "zremrangebylex":
            return .removeRange(key: arguments[0], range: try lexRange(arguments[1], arguments[2]))
        case "zpopmin", "zpopmax":
            guard arguments.count <= 2 else { throw KeyValueStore.syntax }
            let count = try arguments.count == 2 ? nonNegative(arguments[1], KeyValueStore.mustBePositive) : nil
            return .pop(key: arguments[0], end: name == "zpopmin" ? .min : .max, count: count)
        case "zmpop":
            return try multiplePop(sortedSet: arguments)
        case "zunionstore", "zinterstore", "zdiffstore":
            let operation: SortedSetOperation =
                name == "zunionstore" ? .union : name == "zinterstore" ? .intersection : .difference
            let (combination, _) = try combination(operation, name, Array(arguments.dropFirst()), mayScore: false)
            return .store(destination: arguments[0], combination: combination)
        case "zrangestore":
            let (selection, _) = try rangeSelection(Array(arguments.dropFirst()), fixed: nil, mayScore: false)
            return .rangeStore(destination: arguments[0], source: arguments[1], selection: selection)
        default:
            return nil
        }
    }

    /// The typed sorted set read, or nil for a name that is not one.
    static func typedSortedSetRead(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> SortedSetRead? {
        switch name {
        case "zrange", "zrevrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex":
            let fixed: (range: String, reverse: Bool)? =
                switch name {
                case "zrevrange": ("rank", true)
                case "zrangebyscore": ("score", false)
                case "zrevrangebyscore": ("score", true)
                case "zrangebylex": ("lex", false)
                case "zrevrangebylex": ("lex", true)
                default: nil
                }
            let (selection, withScores) = try rangeSelection(arguments, fixed: fixed, mayScore: true)
            return .range(key: arguments[0], selection: selection, withScores: withScores)
        case "zcard":
            return .cardinality(key: arguments[0])
        case "zcount":
            return .count(key: arguments[0], range: try scoreRange(arguments[1], arguments[2]))
        case "zlexcount":
            return .count(key: arguments[0], range: try lexRange(arguments[1], arguments[2]))
        case "zscore":
            return .score(key: arguments[0], member: arguments[1])
        case "zmscore":
            return .scores(key: arguments[0], members: Array(arguments.dropFirst()))
        case "zrank", "zrevrank":
            // WITHSCORE as Redis 7.2 takes it; any other fourth word is a syntax error.
            guard arguments.count <= 3 else { throw wrongArity(name) }
            if arguments.count == 3, KeyValueStore.uppercased(arguments[2]) != "WITHSCORE" {
                throw KeyValueStore.syntax
            }
            return .rank(
                key: arguments[0],
                member: arguments[1],
                reverse: name == "zrevrank",
                withScore: arguments.count == 3
            )
        case "zrandmember":
            guard arguments.count >= 2 else { return .randomMembers(key: arguments[0], count: nil, withScores: false) }
            let count = try integer(arguments[1])
            if count == .min { throw KeyValueStore.rankOutOfRange }
            guard
                arguments.count == 2 || (arguments.count == 3 && KeyValueStore.uppercased(arguments[2]) == "WITHSCORES")
            else { throw KeyValueStore.syntax }
            let read = SortedSetRead.randomMembers(key: arguments[0], count: count, withScores: arguments.count == 3)
            if let refusal = read.refusal { throw refusal }
            return read
        case "zunion", "zinter", "zdiff":
            let operation: SortedSetOperation =
                name == "zunion" ? .union : name == "zinter" ? .intersection : .difference
            let (combination, withScores) = try combination(operation, name, arguments, mayScore: true)
            return .combine(combination, withScores: withScores)
        case "zintercard":
            if let keyCount = KeyValueStore.parseInteger(arguments[0]), keyCount < 1 {
                throw KeyValueError(.invalidRequest, "ERR at least 1 input key is needed for 'zintercard' command")
            }
            guard case .intersectionCardinality(let keys, let limit) = try intersectionCardinality(arguments) else {
                preconditionFailure("SINTERCARD's parser answered another read")
            }
            return .intersectionCardinality(keys: keys, limit: limit)
        case "zscan":
            let cursor = try scanCursor(arguments[1])
            let options = scanOptions(arguments.dropFirst(2), allowing: ["MATCH", "COUNT"])
            return .scan(key: arguments[0], cursor: cursor, options: options)
        default:
            return nil
        }
    }

    /// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], checked in Redis's
    /// order: the pairs' count, the options that conflict, INCR's single pair, the scores.
    static func add(_ arguments: [[UInt8]]) throws(KeyValueError) -> SortedSetWrite {
        var options: SortedSetAddOptions = []
        var index = 1
        options: while index < arguments.count {
            switch KeyValueStore.uppercased(arguments[index]) {
            case "NX": options.insert(.onlyNew)
            case "XX": options.insert(.onlyExisting)
            case "GT": options.insert(.onlyGreater)
            case "LT": options.insert(.onlyLess)
            case "CH": options.insert(.countChanged)
            case "INCR": options.insert(.increment)
            default: break options
            }
            index += 1
        }
        let pairs = arguments[index...]
        guard !pairs.isEmpty, pairs.count % 2 == 0 else { throw KeyValueStore.syntax }
        if let conflict = SortedSetWrite.conflict(in: options) { throw conflict }
        if options.contains(.increment), pairs.count > 2 { throw KeyValueStore.singleIncrement }
        var members: [ScoredMember] = []
        for position in stride(from: pairs.startIndex, to: pairs.endIndex, by: 2) {
            guard let score = RedisDouble.parse(pairs[position]) else { throw KeyValueStore.notAFloat }
            members.append(ScoredMember(member: pairs[position + 1], score: score))
        }
        return .add(key: arguments[0], options: options, members: members)
    }

    /// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES], and the
    /// older forms whose name fixes the kind of range and the direction (`fixed`): as Redis's
    /// zrangeGenericCommand reads them. `arguments` starts at the key; WITHSCORES only where
    /// `mayScore` (not ZRANGESTORE).
    static func rangeSelection(
        _ arguments: [[UInt8]],
        fixed: (range: String, reverse: Bool)?,
        mayScore: Bool
    ) throws(KeyValueError) -> (SortedSetSelection, withScores: Bool) {
        var kind = fixed?.range
        var reverse = fixed?.reverse
        var withScores = false
        var limit: (offset: Int64, count: Int64)?
        var index = 3
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            if option == "WITHSCORES", mayScore {
                withScores = true
            } else if option == "LIMIT", index + 2 < arguments.count {
                limit = (try integer(arguments[index + 1]), try integer(arguments[index + 2]))
                index += 2
            } else if option == "REV", reverse == nil {
                reverse = true
            } else if option == "BYLEX" || option == "BYSCORE", kind == nil {
                kind = option == "BYLEX" ? "lex" : "score"
            } else {
                throw KeyValueStore.syntax
            }
            index += 1
        }
        let isReverse = reverse ?? false
        if limit != nil, kind == nil || kind == "rank" { throw KeyValueStore.limitNeedsScoreOrLex }
        if withScores, kind == "lex" { throw KeyValueStore.scoresWithLex }
        // A reversed score or lex range is given as max then min.
        let (low, high) =
            isReverse && kind != nil && kind != "rank" ? (arguments[2], arguments[1]) : (arguments[1], arguments[2])
        let range: SortedSetRange
        switch kind {
        case "score": range = try scoreRange(low, high)
        case "lex": range = try lexRange(low, high)
        default: range = .rank(start: try integer(low), stop: try integer(high))
        }
        let selection = SortedSetSelection(
            range,
            reverse: isReverse,
            offset: limit?.offset ?? 0,
            limit: limit?.count ?? -1
        )
        return (selection, withScores)
    }

    /// A score interval: each end a float (leading spaces and infinities allowed), `(` before
    /// it to exclude it.
    static func scoreRange(_ min: [UInt8], _ max: [UInt8]) throws(KeyValueError) -> SortedSetRange {
        func bound(_ word: [UInt8]) throws(KeyValueError) -> ScoreBound {
            let isExclusive = word.first == UInt8(ascii: "(")
            guard let score = RedisDouble.parseBound(isExclusive ? word.dropFirst() : word[...]), !score.isNaN else {
                throw KeyValueStore.scoreRangeNotFloat
            }
            return ScoreBound(score, isExclusive: isExclusive)
        }
        return .score(min: try bound(min), max: try bound(max))
    }

    /// A member interval: `-`, `+`, `[member` or `(member` at each end.
    static func lexRange(_ min: [UInt8], _ max: [UInt8]) throws(KeyValueError) -> SortedSetRange {
        func bound(_ word: [UInt8]) throws(KeyValueError) -> LexBound {
            switch word.first {
            case UInt8(ascii: "-") where word.count == 1: return .lowest
            case UInt8(ascii: "+") where word.count == 1: return .highest
            case UInt8(ascii: "["): return .inclusive(Array(word.dropFirst()))
            case UInt8(ascii: "("): return .exclusive(Array(word.dropFirst()))
            default: throw KeyValueStore.lexRangeInvalid
            }
        }
        return .lex(min: try bound(min), max: try bound(max))
    }

    /// numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES] of
    /// ZUNION, ZINTER, ZDIFF and their STORE forms (`arguments` from numkeys on); ZDIFF takes
    /// neither weights nor an aggregate, the STORE forms no WITHSCORES.
    static func combination(
        _ operation: SortedSetOperation,
        _ name: String,
        _ arguments: [[UInt8]],
        mayScore: Bool
    ) throws(KeyValueError) -> (SortedSetCombination, withScores: Bool) {
        let keyCount = try integer(arguments[0])
        guard keyCount >= 1 else {
            throw KeyValueError(.invalidRequest, "ERR at least 1 input key is needed for '\(name)' command")
        }
        guard keyCount <= Int64(arguments.count - 1) else { throw KeyValueStore.syntax }
        let keys = Array(arguments[1...Int(keyCount)])
        var weights: [Double]?
        var aggregate = ScoreAggregate.sum
        var withScores = false
        var index = Int(keyCount) + 1
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            let remaining = arguments.count - index
            if operation != .difference, option == "WEIGHTS", remaining > keys.count {
                var read: [Double] = []
                for word in arguments[(index + 1)...(index + keys.count)] {
                    guard let weight = RedisDouble.parse(word) else { throw KeyValueStore.weightNotFloat }
                    read.append(weight)
                }
                weights = read
                index += keys.count + 1
            } else if operation != .difference, option == "AGGREGATE", remaining >= 2 {
                switch KeyValueStore.uppercased(arguments[index + 1]) {
                case "SUM": aggregate = .sum
                case "MIN": aggregate = .min
                case "MAX": aggregate = .max
                default: throw KeyValueStore.syntax
                }
                index += 2
            } else if mayScore, option == "WITHSCORES" {
                withScores = true
                index += 1
            } else {
                throw KeyValueStore.syntax
            }
        }
        return (SortedSetCombination(operation, keys: keys, weights: weights, aggregate: aggregate), withScores)
    }

    /// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
    static func multiplePop(sortedSet arguments: [[UInt8]]) throws(KeyValueError) -> SortedSetWrite {
        let (keys, end, count) = try multiplePopWords(arguments) { word throws(KeyValueError) -> SortedSetEnd in
            switch KeyValueStore.uppercased(word) {
            case "MIN": return .min
            case "MAX": return .max
            default: throw KeyValueStore.syntax
            }
        }
        return .popFromFirst(keys: keys, end: end, count: count)
    }
}
