import SynodCore

/// The bytes of the typed sorted set commands inside an entry or a forwarded read, as
/// `SetCommands+Encoding`. Scores travel as their bit patterns; a NaN score, bound or weight
/// is refused as it is read (no command has one, and NaN equals nothing, so an entry holding
/// one would not even equal itself).
extension ByteReader {
    mutating func readScore() throws(ByteReader.Failure) -> Double {
        let score = Double(bitPattern: try readUInt64())
        guard !score.isNaN else { throw .invalid("a NaN score") }
        return score
    }
}

extension SortedSetWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .add(let key, let options, let members):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.write(options.rawValue)
            writer.write(UInt32(members.count))
            for member in members {
                writer.writeLengthPrefixed(member.member)
                writer.write(member.score.bitPattern)
            }
        case .remove(let key, let members):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(members, to: &writer)
        case .removeRange(let key, let range):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            range.write(to: &writer)
        case .pop(let key, let end, let count):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.write(end.rawValue)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
        case .popFromFirst(let keys, let end, let count):
            writer.write(UInt8(5))
            KeyValueEntry.write(keys, to: &writer)
            writer.write(end.rawValue)
            writer.write(UInt64(bitPattern: count))
        case .store(let destination, let combination):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(destination)
            combination.write(to: &writer)
        case .rangeStore(let destination, let source, let selection):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(destination)
            writer.writeLengthPrefixed(source)
            selection.write(to: &writer)
        case .refusedAfterLookup(let refusal):
            writer.write(UInt8(8))
            refusal.write(to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let options = SortedSetAddOptions(rawValue: try reader.readUInt8())
            guard options.rawValue < 1 << 6 else { throw .invalid("ZADD options \(options.rawValue)") }
            let count = Int(try reader.readUInt32())
            // Twelve bytes a member at least: a count beyond the bytes left is refused first.
            guard count <= reader.remainingCount / 12 else { throw .invalid("\(count) members") }
            var members: [ScoredMember] = []
            for _ in 0..<count {
                let member = try reader.readLengthPrefixedBytes()
                members.append(ScoredMember(member: member, score: try reader.readScore()))
            }
            self = .add(key: key, options: options, members: members)
        case 2:
            self = .remove(
                key: try reader.readLengthPrefixedBytes(),
                members: try KeyValueEntry.readKeys(from: &reader)
            )
        case 3:
            let key = try reader.readLengthPrefixedBytes()
            self = .removeRange(key: key, range: try SortedSetRange(reading: &reader))
        case 4:
            let key = try reader.readLengthPrefixedBytes()
            let end = try SortedSetEnd(reading: &reader)
            self = .pop(
                key: key,
                end: end,
                count: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            )
        case 5:
            let keys = try KeyValueEntry.readKeys(from: &reader)
            let end = try SortedSetEnd(reading: &reader)
            self = .popFromFirst(keys: keys, end: end, count: Int64(bitPattern: try reader.readUInt64()))
        case 6:
            let destination = try reader.readLengthPrefixedBytes()
            self = .store(destination: destination, combination: try SortedSetCombination(reading: &reader))
        case 7:
            let destination = try reader.readLengthPrefixedBytes()
            let source = try reader.readLengthPrefixedBytes()
            self = .rangeStore(
                destination: destination,
                source: source,
                selection: try SortedSetSelection(reading: &reader)
            )
        case 8: self = .refusedAfterLookup(try LookupFirstRefusal(reading: &reader))
        case let kind: throw .invalid("unknown sorted set write \(kind)")
        }
    }
}

extension SortedSetRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .range(let key, let selection, let withScores):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            selection.write(to: &writer)
            writer.write(UInt8(withScores ? 1 : 0))
        case .cardinality(let key):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
        case .count(let key, let range):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            range.write(to: &writer)
        case .score(let key, let member):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(member)
        case .scores(let key, let members):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(members, to: &writer)
        case .rank(let key, let member, let reverse, let withScore):
            // Kind 6 is the rank alone, as nodes before WITHSCORE wrote it.
            writer.write(UInt8(withScore ? 11 : 6))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(member)
            writer.write(UInt8(reverse ? 1 : 0))
        case .randomMembers(let key, let count, let withScores):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
            writer.write(UInt8(withScores ? 1 : 0))
        case .combine(let combination, let withScores):
            writer.write(UInt8(8))
            combination.write(to: &writer)
            writer.write(UInt8(withScores ? 1 : 0))
        case .intersectionCardinality(let keys, let limit):
            writer.write(UInt8(9))
            KeyValueEntry.write(keys, to: &writer)
            writer.write(UInt64(bitPattern: limit))
        case .scan(let key, let cursor, let options):
            writer.write(UInt8(10))
            writer.writeLengthPrefixed(key)
            writer.write(cursor)
            ScanOptions.write(options, to: &writer)
        case .refusedAfterLookup(let refusal):
            writer.write(UInt8(12))
            refusal.write(to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let selection = try SortedSetSelection(reading: &reader)
            self = .range(key: key, selection: selection, withScores: try KeyValueEntry.readFlag(from: &reader))
        case 2: self = .cardinality(key: try reader.readLengthPrefixedBytes())
        case 3:
            let key = try reader.readLengthPrefixedBytes()
            self = .count(key: key, range: try SortedSetRange(reading: &reader))
        case 4:
            self = .score(key: try reader.readLengthPrefixedBytes(), member: try reader.readLengthPrefixedBytes())
        case 5:
            self = .scores(
                key: try reader.readLengthPrefixedBytes(),
                members: try KeyValueEntry.readKeys(from: &reader)
            )
        case let kind where kind == 6 || kind == 11:
            let key = try reader.readLengthPrefixedBytes()
            let member = try reader.readLengthPrefixedBytes()
            let reverse = try KeyValueEntry.readFlag(from: &reader)
            self = .rank(key: key, member: member, reverse: reverse, withScore: kind == 11)
        case 7:
            let key = try reader.readLengthPrefixedBytes()
            let count = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            self = .randomMembers(key: key, count: count, withScores: try KeyValueEntry.readFlag(from: &reader))
        case 8:
            let combination = try SortedSetCombination(reading: &reader)
            self = .combine(combination, withScores: try KeyValueEntry.readFlag(from: &reader))
        case 9:
            let keys = try KeyValueEntry.readKeys(from: &reader)
            self = .intersectionCardinality(keys: keys, limit: Int64(bitPattern: try reader.readUInt64()))
        case 10:
            let key = try reader.readLengthPrefixedBytes()
            let cursor = try reader.readUInt64()
            self = .scan(key: key, cursor: cursor, options: try ScanOptions.readResult(from: &reader))
        case 12: self = .refusedAfterLookup(try LookupFirstRefusal(reading: &reader))
        case let kind: throw .invalid("unknown sorted set read \(kind)")
        }
    }
}

extension SortedSetEnd {
    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let code = try reader.readUInt8()
        guard let end = SortedSetEnd(rawValue: code) else { throw .invalid("sorted set end \(code)") }
        self = end
    }
}

extension SortedSetRange {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .rank(let start, let stop):
            writer.write(UInt8(1))
            writer.write(UInt64(bitPattern: start))
            writer.write(UInt64(bitPattern: stop))
        case .score(let min, let max):
            writer.write(UInt8(2))
            for bound in [min, max] {
                writer.write(bound.score.bitPattern)
                writer.write(UInt8(bound.isExclusive ? 1 : 0))
            }
        case .lex(let min, let max):
            writer.write(UInt8(3))
            min.write(to: &writer)
            max.write(to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            let start = Int64(bitPattern: try reader.readUInt64())
            self = .rank(start: start, stop: Int64(bitPattern: try reader.readUInt64()))
        case 2:
            var bounds: [ScoreBound] = []
            for _ in 0..<2 {
                let score = try reader.readScore()
                bounds.append(ScoreBound(score, isExclusive: try KeyValueEntry.readFlag(from: &reader)))
            }
            self = .score(min: bounds[0], max: bounds[1])
        case 3:
            let min = try LexBound(reading: &reader)
            self = .lex(min: min, max: try LexBound(reading: &reader))
        case let kind: throw .invalid("sorted set range \(kind)")
        }
    }
}

extension LexBound {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .lowest: writer.write(UInt8(1))
        case .highest: writer.write(UInt8(2))
        case .inclusive(let member):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(member)
        case .exclusive(let member):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(member)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1: self = .lowest
        case 2: self = .highest
        case 3: self = .inclusive(try reader.readLengthPrefixedBytes())
        case 4: self = .exclusive(try reader.readLengthPrefixedBytes())
        case let kind: throw .invalid("lex bound \(kind)")
        }
    }
}

extension SortedSetSelection {
    func write(to writer: inout ByteWriter) {
        range.write(to: &writer)
        writer.write(UInt8(reverse ? 1 : 0))
        writer.write(UInt64(bitPattern: offset))
        writer.write(UInt64(bitPattern: limit))
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let range = try SortedSetRange(reading: &reader)
        let reverse = try KeyValueEntry.readFlag(from: &reader)
        let offset = Int64(bitPattern: try reader.readUInt64())
        self.init(range, reverse: reverse, offset: offset, limit: Int64(bitPattern: try reader.readUInt64()))
    }
}

extension SortedSetCombination {
    func write(to writer: inout ByteWriter) {
        writer.write(operation.rawValue)
        KeyValueEntry.write(keys, to: &writer)
        writer.write(UInt32(weights.count))
        for weight in weights { writer.write(weight.bitPattern) }
        writer.write(aggregate.rawValue)
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let code = try reader.readUInt8()
        guard let operation = SortedSetOperation(rawValue: code) else { throw .invalid("sorted set operation \(code)") }
        let keys = try KeyValueEntry.readKeys(from: &reader)
        let weightCount = Int(try reader.readUInt32())
        guard weightCount == keys.count else { throw .invalid("\(weightCount) weights for \(keys.count) keys") }
        var weights: [Double] = []
        for _ in 0..<weightCount { weights.append(try reader.readScore()) }
        let aggregateCode = try reader.readUInt8()
        guard let aggregate = ScoreAggregate(rawValue: aggregateCode) else {
            throw .invalid("score aggregate \(aggregateCode)")
        }
        self.init(operation, keys: keys, weights: weights, aggregate: aggregate)
    }
}
