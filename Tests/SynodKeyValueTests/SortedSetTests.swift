import Glibc
import SynodCore
import Testing

@testable import SynodKeyValue

/// Sorted sets: the ordered runs agree with a plain model through any changes, scores print
/// and parse as C's printf and strtod do (as Redis 7.0 prints and reads them), and the typed
/// commands run alike on every replica, survive the log's encoding and a snapshot, and report
/// Redis's keyspace events.
struct SortedSetTests {
    static func command(_ text: String) throws -> KeyValueCommand { try SetTests.command(text) }

    static func read(_ text: String) throws -> ReadCommand { try SetTests.read(text) }

    /// Random adds, score changes and removals over a few hundred members (runs split and
    /// merge), each followed by the order, ranks, rank ranges and score counts a sorted array
    /// gives.
    @Test(arguments: [1, 2, 3])
    func runsAgreeWithASortedModel(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var set = SortedSetValue([])
        var model: [[UInt8]: Double] = [:]
        for step in 0..<4_000 {
            let member = Array("m\(random.nextIndex(below: 600))".utf8)
            if random.nextBool(probability: 0.3) {
                #expect(set.remove(member) == (model.removeValue(forKey: member) != nil))
            } else {
                let score = Double(random.nextIndex(below: 50)) / 4
                #expect(set.update(member, to: score) == (model.updateValue(score, forKey: member) == nil))
            }
            guard step % 97 == 0 else { continue }
            let sorted = model.map { ScoredMember(member: $0.key, score: $0.value) }.sorted { $0.precedes($1) }
            #expect(Array(set.ordered) == sorted)
            #expect(set.count == sorted.count)
            #expect(set.memberBytes == sorted.reduce(0) { $0 + $1.member.count })
            for (rank, member) in sorted.enumerated() where rank % 7 == 0 {
                #expect(set.rank(of: member.member) == rank)
            }
            let low = sorted.isEmpty ? 0 : random.nextIndex(below: sorted.count)
            let high = low + random.nextIndex(below: sorted.count - low + 1)
            #expect(set.members(at: low..<high) == Array(sorted[low..<high]))
            let threshold = Double(random.nextIndex(below: 50)) / 4
            #expect(set.countPreceding { $0.score < threshold } == sorted.filter { $0.score < threshold }.count)
            #expect(set == SortedSetValue(scores: model))
        }
    }

    /// Every double prints as glibc's `%.17g` prints it: integers, fractions, the extremes,
    /// subnormals, and random bit patterns.
    @Test func scoresPrintAsPrintfPrintsThem() {
        func printf(_ value: Double) -> String {
            var buffer = [CChar](repeating: 0, count: 64)
            _ = withVaList([value]) { vsnprintf(&buffer, 64, "%.17g", $0) }
            return String(cString: buffer)
        }
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.5, 1.5, 3, 1e16, 1e17, 9_007_199_254_740_992, 9_007_199_254_740_993, 1e20,
            123_456_789_012_345_678, 2.5e-10, 1e-4, 1e-5, 0.30000000000000004, .leastNonzeroMagnitude,
            .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 99_999_999_999_999_999,
            0.000123456789, 1 / 3, 2 / 3, 1e-320, 4.35, 9.999999999999999e22,
        ]
        var random = SeededGenerator(seed: 9)
        for _ in 0..<3_000 {
            values.append(
                Double(bitPattern: UInt64(random.nextIndex(below: Int.max)) << 1 | UInt64(random.nextIndex(below: 2)))
            )
        }
        for value in values where value.isFinite {
            #expect(RedisDouble.text(value) == printf(value), "\(value.bitPattern)")
        }
        // ZSCAN's text of a compact sorted set's scores: whole numbers up to 2^62 in full.
        #expect(RedisDouble.storedText(123_456_789_012_345_678) == "123456789012345680")
        #expect(RedisDouble.storedText(4_611_686_018_427_387_904) == "4611686018427387904")
        #expect(RedisDouble.storedText(-4e18) == "-4000000000000000000")
        #expect(RedisDouble.storedText(5e18) == "5e+18")
        #expect(RedisDouble.storedText(0.1) == "0.10000000000000001")
        #expect(RedisDouble.text(.infinity) == "inf")
        #expect(RedisDouble.text(-.infinity) == "-inf")
    }

    /// Scores are read as Redis reads them: strtod's numbers, but no leading space, no NaN, and
    /// no number that overflows or underflows to zero without saying so; range bounds are
    /// strtod's with only NaN refused.
    @Test func scoresParseAsRedisReadsThem() {
        func strtodAll(_ text: String) -> Double? {
            text.withCString { start in
                var end: UnsafeMutablePointer<CChar>?
                let value = strtod(start, &end)
                return end!.pointee == 0 ? value : nil
            }
        }
        let accepted = [
            "1", "-1", "+1.5", "1e5", "0x10", "inf", "-INF", "+Infinity", "0", "-0", ".5", "5.", "1e-320", "0e500",
            "0x1p-3", "2.5E-10",
        ]
        for text in accepted {
            #expect(RedisDouble.parse(Array(text.utf8)) == strtodAll(text), "\(text)")
        }
        for text in ["", " 1", "1 ", "nan", "abc", "1e400", "-1e400", "1e-400", "1,5", "1\u{0}2", "0x", "--1"] {
            #expect(RedisDouble.parse(Array(text.utf8)) == nil, "\(text)")
        }
        for text in ["", " 1", "1e400", "inf", "-1.5", "0x10"] {
            #expect(RedisDouble.parseBound(Array(text.utf8)[...]) == strtodAll(text), "\(text)")
        }
        for text in ["1 ", "   ", "x", "1\u{0}"] {
            #expect(RedisDouble.parseBound(Array(text.utf8)[...]) == nil, "\(text)")
        }
    }

    static let script: [String] = [
        "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZADD z NX 9 a 6 f", "ZADD z XX CH 7 b 8 nothere", "ZADD z GT 1 c",
        "ZADD z LT 1 c", "ZINCRBY z 2.5 d", "ZADD z INCR -1 e", "ZREM z f nothere", "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYSCORE z (5 7", "ZADD lex 0 a 0 b 0 c 0 d", "ZREMRANGEBYLEX lex [b (d", "ZPOPMIN lex",
        "ZPOPMAX lex 5", "ZUNIONSTORE u 2 z lex WEIGHTS 2 3", "ZINTERSTORE i 2 z u AGGREGATE MAX",
        "ZDIFFSTORE d 2 z i", "ZRANGESTORE r z 0 -1 REV", "ZMPOP 2 none z MIN COUNT 2", "SET str v",
        "ZADD str 1 x", "ZADD one 1 x", "ZPOPMIN one",
    ]

    @Test func aScriptRunsAlikeOnReplicasAndThroughASnapshot() throws {
        var replicas = ReplicaPair()
        for (step, text) in Self.script.enumerated() {
            let result = replicas.apply(try Self.command(text), at: Int64(1_000 + step))
            if case .error(let error) = result, error != KeyValueStore.wrongType {
                Issue.record("\(text): \(error.message)")
            }
            let restored = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
            #expect(restored == replicas.first.store, "\(text)")
        }
        try replicas.expectIdentical()
        let store = replicas.first.store
        #expect(store.records[bytes("one")] == nil)
        #expect(store.records[bytes("lex")] == nil)
        #expect(store.read(.keyspace(.type(key: bytes("r"))), at: 2_000) == .status("zset"))
        // ZRANGESTORE copied z before ZMPOP took its two lowest members.
        guard case .integer(let remaining) = store.read(try Self.read("ZCARD z"), at: 2_000) else {
            Issue.record("ZCARD answered no integer")
            return
        }
        #expect(store.read(try Self.read("ZCARD r"), at: 2_000) == .integer(remaining + 2))
    }

    @Test func readsAnswerAsRedisDoes() throws {
        var replicas = ReplicaPair()
        _ = replicas.apply(try Self.command("ZADD z 1 a 2 b 2 c 0.1 d"), at: 1)
        let store = replicas.first.store
        func answer(_ text: String) throws -> KeyValueResult { store.read(try Self.read(text), at: 2) }
        func pairs(_ items: [(String, Double)]) -> KeyValueResult {
            .pairs(items.flatMap { [KeyValueResult.value(bytes($0.0)), .double($0.1)] })
        }
        #expect(try answer("ZRANGE z 0 -1 WITHSCORES") == pairs([("d", 0.1), ("a", 1), ("b", 2), ("c", 2)]))
        #expect(try answer("ZRANGE z +inf (1 BYSCORE REV LIMIT 0 1") == .array([.value(bytes("c"))]))
        #expect(try answer("ZREVRANGEBYSCORE z 2 1 WITHSCORES LIMIT 1 5") == pairs([("b", 2), ("a", 1)]))
        #expect(try answer("ZRANGEBYLEX z [b +") == .array([.value(bytes("b")), .value(bytes("c"))]))
        #expect(try answer("ZCOUNT z (0.1 2") == .integer(3))
        #expect(try answer("ZRANK z c") == .integer(3))
        #expect(try answer("ZREVRANK z c") == .integer(0))
        // WITHSCORE as Redis 7.2 answers it: a null array for a missing member or key.
        #expect(try answer("ZRANK z d withscore") == .array([.integer(0), .double(0.1)]))
        #expect(try answer("ZREVRANK z a WITHSCORE") == .array([.integer(2), .double(1)]))
        #expect(try answer("ZRANK z x WITHSCORE") == .nullArray)
        #expect(try answer("ZRANK none x WITHSCORE") == .nullArray)
        #expect(throws: KeyValueStore.syntax) { try Self.read("ZRANK z a WITHSCORES") }
        #expect(throws: RedisWordCommands.wrongArity("zrank")) { try Self.read("ZRANK z a WITHSCORE x") }
        #expect(try answer("ZSCORE z d") == .double(0.1))
        #expect(try answer("ZMSCORE z a x") == .array([.double(1), .null]))
        #expect(try answer("ZRANGE z 5 1") == .array([]))
        #expect(try answer("ZCARD none") == .integer(0))
        #expect(
            try answer("ZUNION 2 z none WEIGHTS 2 1 WITHSCORES") == pairs([("d", 0.2), ("a", 2), ("b", 4), ("c", 4)])
        )
        #expect(try answer("ZINTERCARD 2 z z LIMIT 3") == .integer(3))
        #expect(
            try answer("ZSCAN z 0 MATCH [ab]")
                == .array([
                    .value(bytes("0")),
                    .array([.value(bytes("a")), .value(bytes("1")), .value(bytes("b")), .value(bytes("2"))]),
                ])
        )
        #expect(try answer("OBJECT ENCODING z") == .value(bytes("listpack")))
    }

    @Test func wordsRedisRefusesAreRefusedWithItsErrors() throws {
        func writeError(_ text: String) -> String? {
            guard case .failure(let error) = RedisWordCommands.parseWrite(SetTests.words(text)) else { return nil }
            return error.message
        }
        #expect(writeError("ZADD z NX XX 1 a") == "ERR XX and NX options at the same time are not compatible")
        #expect(writeError("ZADD z GT LT 1 a") == "ERR GT, LT, and/or NX options at the same time are not compatible")
        #expect(writeError("ZADD z INCR 1 a 2 b") == "ERR INCR option supports a single increment-element pair")
        #expect(writeError("ZADD z nan a") == "ERR value is not a valid float")
        #expect(writeError("ZADD z 1 a 2") == "ERR syntax error")
        #expect(writeError("ZREMRANGEBYSCORE z x 1") == "ERR min or max is not a float")
        #expect(writeError("ZREMRANGEBYLEX z a b") == "ERR min or max not valid string range item")
        #expect(writeError("ZUNIONSTORE d 0 a") == "ERR at least 1 input key is needed for 'zunionstore' command")
        // Options Redis refuses only after looking at the keys: a key of another kind answers
        // WRONGTYPE first, and the options' error comes when the command is applied.
        #expect(writeError("ZUNIONSTORE d 2 a b WEIGHTS 1 x") == nil)
        var replicas = ReplicaPair()
        _ = replicas.apply(set("s", "string"), at: 1)
        func applied(_ text: String) throws -> KeyValueResult { replicas.apply(try Self.command(text), at: 2) }
        #expect(try applied("ZUNIONSTORE d 2 a b WEIGHTS 1 x") == .error(KeyValueStore.weightNotFloat))
        #expect(try applied("ZDIFFSTORE d 2 a b WEIGHTS 1 2") == .error(KeyValueStore.syntax))
        #expect(try applied("ZINTERSTORE d 2 a s AGGREGATE x") == .error(KeyValueStore.wrongType))
        #expect(try applied("XDEL nokey bad") == .integer(0))
        #expect(try applied("XACK s g bad") == .error(KeyValueStore.wrongType))
        #expect(
            try applied("XCLAIM nokey g c bad 1-1")
                == .error(KeyValueStore.noKeyOrGroup(bytes("g"), key: bytes("nokey")))
        )
        #expect(replicas.first.store.keyCount == 1)
        try replicas.expectIdentical()
        #expect(writeError("ZRANGESTORE d s 0 -1 WITHSCORES") == "ERR syntax error")
        #expect(writeError("ZMPOP 1 z MIN COUNT 0") == "ERR count should be greater than 0")
        func readError(_ text: String) -> String? {
            guard case .failure(let error) = RedisWordCommands.parseRead(SetTests.words(text)) else { return nil }
            return error.message
        }
        #expect(
            readError("ZRANGE z 0 -1 LIMIT 0 1")
                == "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
        )
        #expect(
            readError("ZRANGE z - + BYLEX WITHSCORES")
                == "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        )
        #expect(readError("ZREVRANGE z 0 -1 REV") == "ERR syntax error")
        #expect(readError("ZRANDMEMBER z 1 BOGUS") == "ERR syntax error")
        #expect(readError("ZINTERCARD 0 a") == "ERR at least 1 input key is needed for 'zintercard' command")
    }

    /// Entries from a buggy or hostile node are refused by every replica alike, never applied.
    @Test func forgedSortedSetCommandsAreRefusedWhenApplied() throws {
        var replicas = ReplicaPair()
        #expect(
            replicas.apply(.sortedSet(.add(key: bytes("z"), options: [.onlyNew, .onlyExisting], members: [])), at: 1)
                == .error(KeyValueStore.syntax)
        )
        #expect(
            replicas.apply(.sortedSet(.popFromFirst(keys: [bytes("z")], end: .min, count: 0)), at: 1)
                == .error(KeyValueStore.countNotPositive)
        )
        // A weight short, or a NaN score, bound or weight, is refused as the entry is decoded.
        let nanRange = SortedSetRange.score(
            min: ScoreBound(.nan, isExclusive: false),
            max: ScoreBound(1, isExclusive: false)
        )
        let forged: [SortedSetWrite] = [
            .store(
                destination: bytes("d"),
                combination: SortedSetCombination(.union, keys: [bytes("a")], weights: [], aggregate: .sum)
            ),
            .store(
                destination: bytes("d"),
                combination: SortedSetCombination(.union, keys: [bytes("a")], weights: [.nan], aggregate: .sum)
            ),
            .add(key: bytes("z"), options: [], members: [ScoredMember(member: bytes("a"), score: .nan)]),
            .removeRange(key: bytes("z"), range: nanRange),
        ]
        for command in forged {
            let entry = KeyValueEntry(requestID: 1, timeMilliseconds: 1, command: .sortedSet(command), session: 1)
            #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: entry.encoded) }
        }
        #expect(replicas.first.store.records.isEmpty)
        try replicas.expectIdentical()
    }

    @Test func everySortedSetCommandSurvivesItsEncoding() throws {
        for command in try Self.script.map({ try Self.command($0) }) {
            let entry = KeyValueEntry(requestID: 3, timeMilliseconds: 4, command: command, session: 5)
            #expect(try KeyValueEntry(decoding: entry.encoded) == entry)
            for count in 0..<entry.encoded.count {
                #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(entry.encoded[..<count])) }
            }
        }
        let reads: [ReadCommand] = try [
            "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z (1 5 BYSCORE REV LIMIT 1 2", "ZRANGEBYLEX z - [c", "ZCARD z",
            "ZCOUNT z -inf 5", "ZLEXCOUNT z (a +", "ZSCORE z a", "ZMSCORE z a b", "ZRANK z a", "ZREVRANK z a WITHSCORE",
            "ZRANDMEMBER z -3 WITHSCORES", "ZRANDMEMBER z", "ZUNION 2 a b WEIGHTS 1 2 AGGREGATE MIN WITHSCORES",
            "ZDIFF 2 a b", "ZINTERCARD 2 a b LIMIT 1", "ZSCAN z 3 MATCH a* COUNT 2",
        ].map { try Self.read($0) }
        for read in reads {
            var writer = ByteWriter()
            read.write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try ReadCommand(reading: &reader) == read)
        }
        for result in [KeyValueResult.pairs([.value(bytes("a")), .double(1.5)]), .double(-.infinity)] {
            var writer = ByteWriter()
            result.write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try KeyValueResult(reading: &reader) == result)
        }
    }

    /// Keyspace events as Redis sends them.
    @Test func changesAreReportedAsRedisReportsThem() throws {
        var recorder = EventingStore()
        func events(_ text: String) throws -> [String] { recorder.events(try Self.command(text)) }
        #expect(try events("ZADD a 1 x 2 y") == ["a:zadd"])
        #expect(try events("ZADD a 1 x") == [])
        #expect(try events("ZINCRBY a 1 x") == ["a:zincr"])
        #expect(try events("ZREMRANGEBYSCORE a 5 6") == [])
        #expect(try events("ZUNIONSTORE b 1 a") == ["b:zunionstore"])
        #expect(try events("ZINTERSTORE b 2 a none") == ["b:del"])
        #expect(try events("ZRANGESTORE c a 0 0") == ["c:zrangestore"])
        #expect(try events("ZPOPMAX a 5") == ["a:zpopmax", "a:del"])
        #expect(try events("ZMPOP 1 c MIN") == ["c:zpopmin", "c:del"])
        #expect(recorder.store.records.isEmpty)
        #expect(recorder.store.datasetBytes == 0)
    }
}
