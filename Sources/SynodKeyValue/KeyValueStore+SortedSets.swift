import SynodCore

/// The sorted set commands, with Redis's semantics and error texts. A sorted set is never
/// empty in the store: the command that removes its last member removes the key.
extension KeyValueStore {
    mutating func execute(_ command: SortedSetWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        switch command {
        case .refusedAfterLookup(let refusal):
            return answer(refusal, at: clockMilliseconds)
        case .add(let key, let options, let members):
            return add(members, to: key, options, change: &change)
        case .remove(let key, let members):
            return updateCollection(key, of: SortedSetValue.self, event: .zrem, missing: .integer(0), change: &change) {
                set in
                let removed = members.filter { set.remove($0) }.count
                return CollectionUpdate(result: .integer(Int64(removed)), changed: removed > 0)
            }
        case .removeRange(let key, let range):
            let event: KeyEvent =
                switch range {
                case .rank: .zremrangebyrank
                case .score: .zremrangebyscore
                case .lex: .zremrangebylex
                }
            return updateCollection(key, of: SortedSetValue.self, event: event, missing: .integer(0), change: &change) {
                set in
                let removed = set.removeMembers(at: Self.ranks(of: SortedSetSelection(range, reverse: false), in: set))
                return CollectionUpdate(result: .integer(Int64(removed.count)), changed: !removed.isEmpty)
            }
        case .pop(let key, let end, let count):
            var popped: [ScoredMember] = []
            let result = updateCollection(
                key,
                of: SortedSetValue.self,
                event: end == .min ? .zpopmin : .zpopmax,
                missing: .array([]),
                change: &change
            ) { set in
                popped = Self.pop(from: &set, end, count: count ?? 1)
                return CollectionUpdate(result: .ok, changed: !popped.isEmpty)
            }
            if case .error = result { return result }
            guard count != nil else {
                return popped.first.map { .array([.value($0.member), .double($0.score)]) } ?? .array([])
            }
            return Self.reply(popped, withScores: true)
        case .popFromFirst(let keys, let end, let count):
            for key in keys {
                guard let kind = live(key, change: &change)?.kind else { continue }
                guard kind == .sortedSet else { return .error(Self.wrongType) }
                var popped: [ScoredMember] = []
                _ = updateCollection(
                    key,
                    of: SortedSetValue.self,
                    event: end == .min ? .zpopmin : .zpopmax,
                    missing: .nullArray,
                    change: &change
                ) { set in
                    popped = Self.pop(from: &set, end, count: count)
                    return CollectionUpdate(result: .ok, changed: true)
                }
                // Nested pairs in both protocols, as Redis answers ZMPOP.
                return .array([.value(key), .array(popped.map { .array([.value($0.member), .double($0.score)]) })])
            }
            return .nullArray
        case .store(let destination, let combination):
            switch combine(combination, at: clockMilliseconds) {
            case .success(let combined):
                return replace(destination, with: combined, event: combination.operation.storeEvent, change: &change)
            case .failure(let error): return .error(error)
            }
        case .rangeStore(let destination, let source, let selection):
            switch sortedSetValue(source, at: clockMilliseconds) {
            case .success(let set):
                let selected = set.map { Self.select(selection, in: $0) } ?? []
                let value = SortedSetValue(
                    scores: Dictionary(selected.map { ($0.member, $0.score) }) { first, _ in first }
                )
                return replace(destination, with: value, event: .zrangestore, change: &change)
            case .failure(let error): return .error(error)
            }
        }
    }

    /// ZADD and ZINCRBY, as Redis's zsetAdd: NX skips members that are there, XX members that
    /// are not, GT and LT skip updates that do not raise or lower the score (new members are
    /// added), INCR adds to the score and answers it (nil when skipped).
    mutating func add(
        _ members: [ScoredMember],
        to key: [UInt8],
        _ options: SortedSetAddOptions,
        change: inout Change
    ) -> KeyValueResult {
        let increments = options.contains(.increment)
        return updateCollection(
            key,
            of: SortedSetValue.self,
            event: increments ? .zincr : .zadd,
            missing: options.contains(.onlyExisting) ? (increments ? .null : .integer(0)) : nil,
            change: &change
        ) { set in
            var added = 0
            var updated = 0
            var answer: Double?
            for candidate in members {
                var score = candidate.score
                if let current = set.scores[candidate.member] {
                    if options.contains(.onlyNew) { continue }
                    if increments {
                        score += current
                        if score.isNaN {
                            return CollectionUpdate(result: .error(Self.scoreIsNaN), changed: added + updated > 0)
                        }
                    }
                    if options.contains(.onlyLess) && score >= current
                        || options.contains(.onlyGreater) && score <= current
                    {
                        continue
                    }
                    answer = score
                    if score != current {
                        set.update(candidate.member, to: score)
                        updated += 1
                    }
                } else {
                    if options.contains(.onlyExisting) { continue }
                    set.update(candidate.member, to: score)
                    added += 1
                    answer = score
                }
            }
            let result: KeyValueResult =
                increments
                ? answer.map { .double($0) } ?? .null
                : .integer(Int64(added + (options.contains(.countChanged) ? updated : 0)))
            return CollectionUpdate(result: result, changed: added + updated > 0)
        }
    }

    /// Takes up to `count` members from one end; the highest first from the top.
    static func pop(from set: inout SortedSetValue, _ end: SortedSetEnd, count: Int64) -> [ScoredMember] {
        let taken = Int(min(count, Int64(set.count)))
        let removed = set.removeMembers(at: end == .min ? 0..<taken : (set.count - taken)..<set.count)
        return end == .min ? removed : removed.reversed()
    }

    /// The ranks `selection` takes from `set`: a rank range as ZRANGE counts it (negative from
    /// the end, clamped), a score or lex interval, then LIMIT's offset and count from the
    /// selection's starting end.
    static func ranks(of selection: SortedSetSelection, in set: SortedSetValue) -> Range<Int> {
        let size = Int64(set.count)
        switch selection.range {
        case .rank(let start, let stop):
            var first = start < 0 ? size + start : start
            var last = stop < 0 ? size + stop : stop
            first = max(first, 0)
            guard first <= last, first < size else { return 0..<0 }
            last = min(last, size - 1)
            return selection.reverse
                ? Int(size - 1 - last)..<Int(size - first) : Int(first)..<Int(last + 1)
        case .score(let min, let max):
            let low = set.countPreceding { min.isExclusive ? $0.score <= min.score : $0.score < min.score }
            let high = set.countPreceding { max.isExclusive ? $0.score < max.score : $0.score <= max.score }
            return limited(low..<Swift.max(low, high), selection)
        case .lex(let min, let max):
            let low = set.countPreceding { !min.admitsFromBelow($0.member) }
            let high = set.countPreceding { max.admitsFromAbove($0.member) }
            return limited(low..<Swift.max(low, high), selection)
        }
    }

    /// LIMIT offset count within `ranks`, counted from the end the selection starts at; a
    /// negative offset takes nothing, a negative count everything after the offset.
    private static func limited(_ ranks: Range<Int>, _ selection: SortedSetSelection) -> Range<Int> {
        guard selection.offset >= 0 else { return ranks.lowerBound..<ranks.lowerBound }
        let skipped = Int(min(selection.offset, Int64(ranks.count)))
        let taken =
            selection.limit < 0 ? ranks.count - skipped : Int(min(selection.limit, Int64(ranks.count - skipped)))
        return selection.reverse
            ? (ranks.upperBound - skipped - taken)..<(ranks.upperBound - skipped)
            : (ranks.lowerBound + skipped)..<(ranks.lowerBound + skipped + taken)
    }

    /// The members `selection` takes, in the order it answers them.
    static func select(_ selection: SortedSetSelection, in set: SortedSetValue) -> [ScoredMember] {
        let members = set.members(at: ranks(of: selection, in: set))
        return selection.reverse ? members.reversed() : members
    }

    /// Members, or members and scores as pairs.
    static func reply(_ members: [ScoredMember], withScores: Bool) -> KeyValueResult {
        guard withScores else { return .array(members.map { .value($0.member) }) }
        return .pairs(members.flatMap { [KeyValueResult.value($0.member), .double($0.score)] })
    }

    /// The sorted set at `key` at `now` (nil if there is none), or WRONGTYPE.
    func sortedSetValue(_ key: [UInt8], at now: Int64) -> Result<SortedSetValue?, KeyValueError> {
        guard let live = record(of: key, at: now) else { return .success(nil) }
        return live.sortedSet.map { .success($0) } ?? .failure(Self.wrongType)
    }

    /// ZUNION, ZINTER, ZDIFF of the keys' sorted sets or sets (a set's members score 1; a
    /// missing key is empty; any other kind is WRONGTYPE), each score times its key's weight.
    /// A NaN from a weight or a sum counts as 0, as in Redis.
    func combine(_ combination: SortedSetCombination, at now: Int64) -> Result<SortedSetValue, KeyValueError> {
        var inputs: [[[UInt8]: Double]] = []
        for (key, weight) in zip(combination.keys, combination.weights) {
            guard let live = record(of: key, at: now) else {
                inputs.append([:])
                continue
            }
            let scores: [[UInt8]: Double]
            if let sortedSet = live.sortedSet {
                scores = sortedSet.scores
            } else if let set = live.set {
                scores = Dictionary(uniqueKeysWithValues: set.members.map { ($0, 1) })
            } else {
                return .failure(Self.wrongType)
            }
            inputs.append(
                combination.operation == .difference ? scores : scores.mapValues { Self.weighted($0, by: weight) }
            )
        }
        func aggregate(_ left: Double, _ right: Double) -> Double {
            switch combination.aggregate {
            case .sum:
                let sum = left + right
                return sum.isNaN ? 0 : sum
            case .min: return Swift.min(left, right)
            case .max: return Swift.max(left, right)
            }
        }
        var result: [[UInt8]: Double] = [:]
        switch combination.operation {
        case .union:
            for scores in inputs {
                for (member, score) in scores {
                    result[member] = result[member].map { aggregate($0, score) } ?? score
                }
            }
        case .intersection:
            // From the smallest set, as Redis sums them.
            let bySize = inputs.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
                .map(\.element)
            members: for (member, score) in bySize[0] {
                var total = score
                for other in bySize.dropFirst() {
                    guard let next = other[member] else { continue members }
                    total = aggregate(total, next)
                }
                result[member] = total
            }
        case .difference:
            result = inputs[0].filter { member, _ in !inputs.dropFirst().contains { $0[member] != nil } }
        }
        return .success(SortedSetValue(scores: result))
    }

    private static func weighted(_ score: Double, by weight: Double) -> Double {
        let product = score * weight
        return product.isNaN ? 0 : product
    }

    func answer(_ read: SortedSetRead, at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        if let refusal = read.refusal { return .error(refusal) }
        switch read {
        case .combine(let combination, let withScores):
            return combine(combination, at: now).map { Self.reply(Array($0.ordered), withScores: withScores) }.value
        case .intersectionCardinality(let keys, let limit):
            return combine(SortedSetCombination(.intersection, keys: keys), at: now).map {
                .integer(limit == 0 ? Int64($0.count) : min(Int64($0.count), limit))
            }.value
        case .refusedAfterLookup(let refusal):
            return answer(refusal, at: now)
        default:
            break
        }
        let set: SortedSetValue?
        switch sortedSetValue(read.keys[0], at: now) {
        case .success(let found): set = found
        case .failure(let error): return .error(error)
        }
        switch read {
        case .range(_, let selection, let withScores):
            return Self.reply(set.map { Self.select(selection, in: $0) } ?? [], withScores: withScores)
        case .cardinality:
            return .integer(Int64(set?.count ?? 0))
        case .count(_, let range):
            return .integer(
                Int64(set.map { Self.ranks(of: SortedSetSelection(range, reverse: false), in: $0).count } ?? 0)
            )
        case .score(_, let member):
            return set?.scores[member].map { .double($0) } ?? .null
        case .scores(_, let members):
            return .array(members.map { member in set?.scores[member].map { .double($0) } ?? .null })
        case .rank(_, let member, let reverse, let withScore):
            guard let set, let rank = set.rank(of: member), let score = set.scores[member] else {
                return withScore ? .nullArray : .null
            }
            let position = KeyValueResult.integer(Int64(reverse ? set.count - 1 - rank : rank))
            return withScore ? .array([position, .double(score)]) : position
        case .randomMembers(_, let count, let withScores):
            guard let count else {
                guard let set else { return .null }
                return .value(set.members(at: Self.single(randomIndex(set.count)))[0].member)
            }
            guard let set else { return .array([]) }
            // Asked for all of them, Redis answers them highest first.
            let ordered = count >= Int64(set.count) ? Array(set.ordered.reversed()) : Array(set.ordered)
            let positions = Self.randomPositions(count, among: set.count, randomIndex: randomIndex)
            return Self.reply(positions.map { ordered[$0] }, withScores: withScores)
        case .scan(_, let cursor, let options):
            guard let set else { return .array([.value(Array("0".utf8)), .array([])]) }
            switch options {
            case .failure(let error): return .error(error)
            case .success(let options):
                if let refusal = options.refusal { return .error(refusal) }
                if Self.isCompact(set) {
                    // Whole and in order, as Redis scans a listpack.
                    var answered: [KeyValueResult] = []
                    for member in set.ordered where options.pattern.map({ Glob.matches($0, member.member) }) ?? true {
                        answered += [.value(member.member), .value(Array(RedisDouble.storedText(member.score).utf8))]
                    }
                    return .array([.value(Array("0".utf8)), .array(answered)])
                }
                return Self.scanPage(Array(set.scores.keys), whole: false, from: cursor, options) {
                    Array(RedisDouble.storedText(set.scores[$0]!).utf8)
                }
            }
        case .combine, .intersectionCardinality, .refusedAfterLookup:
            preconditionFailure("answered above")
        }
    }

    private static func single(_ index: Int) -> Range<Int> { index..<(index + 1) }

    /// Whether Redis 7.0 keeps the sorted set as a listpack: at most 128 members of at most 64
    /// bytes each.
    static func isCompact(_ set: SortedSetValue) -> Bool {
        set.count <= 128 && set.scores.keys.allSatisfy { $0.count <= 64 }
    }
}

extension LexBound {
    /// Whether `member` is not below this lower bound.
    func admitsFromBelow(_ member: [UInt8]) -> Bool {
        switch self {
        case .lowest: true
        case .highest: false
        case .inclusive(let bound): !member.lexicographicallyPrecedes(bound)
        case .exclusive(let bound): bound.lexicographicallyPrecedes(member)
        }
    }

    /// Whether `member` is not above this upper bound.
    func admitsFromAbove(_ member: [UInt8]) -> Bool {
        switch self {
        case .lowest: false
        case .highest: true
        case .inclusive(let bound): !bound.lexicographicallyPrecedes(member)
        case .exclusive(let bound): member.lexicographicallyPrecedes(bound)
        }
    }
}
