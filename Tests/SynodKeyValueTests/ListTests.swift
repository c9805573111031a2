import SynodCore
import Testing

@testable import SynodKeyValue

/// Lists: typed commands that run alike on every replica, survive the log's encoding and a
/// snapshot, and keep the memory count as a fresh count of the same state.
struct ListTests {
    static func words(_ text: String) -> [[UInt8]] { text.split(separator: " ").map { Array($0.utf8) } }

    /// A list command's words (or SET key value) as the typed command.
    static func command(_ text: String) throws -> KeyValueCommand {
        let words = words(text)
        if words[0] == bytes("SET") {
            return set(text.split(separator: " ").map(String.init)[1], String(decoding: words[2], as: UTF8.self))
        }
        return try RedisWordCommands.parseWrite(words).get()
    }

    static func read(_ text: String) throws -> ReadCommand {
        try RedisWordCommands.parseRead(words(text)).get()
    }

    static func values(_ texts: String...) -> KeyValueResult { .array(texts.map { .value(bytes($0)) }) }

    /// A script with its answers, as redis-server gives them (`RedisDifferentialTests` runs
    /// the same commands against a real one).
    static let script: [(String, KeyValueResult)] = [
        ("RPUSH l a b c", .integer(3)), ("LPUSH l z", .integer(4)), ("LPUSHX none x", .integer(0)),
        ("RPUSHX l d", .integer(5)), ("LPOP l", .value(bytes("z"))), ("RPOP l 2", values("d", "c")),
        ("LPOP l 0", .array([])), ("LPOP none 2", .nullArray), ("RPOP none", .null), ("RPUSH l c c b", .integer(5)),
        ("LINSERT l BEFORE c x", .integer(6)), ("LINSERT l AFTER nothere y", .integer(-1)),
        ("LINSERT none AFTER a y", .integer(0)), ("LSET l -1 last", .ok),
        ("LSET l 6 x", .error(KeyValueStore.indexOutOfRange)), ("LSET none 0 x", .error(KeyValueStore.noSuchKey)),
        ("LREM l -1 c", .integer(1)), ("LREM l 0 a", .integer(1)), ("LREM l 0 q", .integer(0)),
        ("LTRIM l 1 -1", .ok), ("RPUSH m 1", .integer(1)), ("LMOVE l m LEFT RIGHT", .value(bytes("x"))),
        ("LMOVE m m LEFT LEFT", .value(bytes("1"))), ("RPOPLPUSH none m", .null), ("SET s v", .ok),
        ("LPUSH s x", .error(KeyValueStore.wrongType)), ("LMOVE m s LEFT LEFT", .error(KeyValueStore.wrongType)),
        ("LMPOP 3 none s l LEFT", .error(KeyValueStore.wrongType)),
        ("LMPOP 2 none l RIGHT COUNT 5", .array([.value(bytes("l")), values("last", "c")])),
        ("LMPOP 1 l LEFT", .nullArray), ("LTRIM m 5 10", .ok), ("RPOP m", .null),
    ]

    @Test func aScriptRunsAsRedisRunsItAlikeOnReplicasAndThroughASnapshot() throws {
        var replicas = ReplicaPair()
        for (step, (text, expected)) in Self.script.enumerated() {
            let result = replicas.apply(try Self.command(text), at: Int64(1_000 + step))
            #expect(result == expected, "\(text)")
            let restored = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
            #expect(restored.datasetBytes == replicas.first.store.datasetBytes, "\(text)")
        }
        try replicas.expectIdentical()
        #expect(replicas.first.store.records.isEmpty == false)
    }

    @Test func readsAnswerAsRedisDoes() throws {
        var driver = StoreDriver()
        _ = driver.apply(try Self.command("RPUSH l a b c a b a"), at: 1)
        _ = driver.apply(try Self.command("SET s v"), at: 1)
        let answers: [(String, KeyValueResult)] = [
            ("LRANGE l 0 -1", Self.values("a", "b", "c", "a", "b", "a")), ("LRANGE l -2 100", Self.values("b", "a")),
            ("LRANGE l 4 2", .array([])), ("LRANGE l -100 0", Self.values("a")), ("LRANGE none 0 -1", .array([])),
            ("LLEN l", .integer(6)), ("LLEN none", .integer(0)), ("LINDEX l -1", .value(bytes("a"))),
            ("LINDEX l 6", .null), ("LINDEX l -9223372036854775808", .null), ("LPOS l a", .integer(0)),
            ("LPOS l a RANK 2", .integer(3)), ("LPOS l a RANK -1", .integer(5)),
            ("LPOS l a COUNT 0", .array([.integer(0), .integer(3), .integer(5)])),
            ("LPOS l a RANK -2 COUNT 2", .array([.integer(3), .integer(0)])),
            ("LPOS l a COUNT 0 MAXLEN 4", .array([.integer(0), .integer(3)])), ("LPOS l q", .null),
            ("LPOS none a COUNT 1", .array([])), ("LPOS l a RANK 9223372036854775807", .null),
            ("LRANGE s 0 1", .error(KeyValueStore.wrongType)), ("LLEN s", .error(KeyValueStore.wrongType)),
        ]
        for (text, expected) in answers {
            #expect(driver.store.read(try Self.read(text), at: 1) == expected, "\(text)")
        }
        #expect(driver.store.read(.keyspace(.type(key: bytes("l"))), at: 1) == .status("list"))
        #expect(driver.store.read(.exists(keys: [bytes("l")]), at: 1) == .integer(1))
        #expect(driver.store.read(.get(key: bytes("l")), at: 1) == .error(KeyValueStore.wrongType))
    }

    @Test func wordsRedisRefusesAreRefusedWithItsErrors() {
        let refused: [(String, KeyValueError)] = [
            ("LPOP l -1", KeyValueStore.mustBePositive), ("LPOP l x", KeyValueStore.mustBePositive),
            ("LPOP l 1 2", RedisWordCommands.wrongArity("lpop")),
            ("LMPOP 0 l LEFT", KeyValueStore.numberOfKeysNotPositive),
            ("LMPOP x l LEFT", KeyValueStore.numberOfKeysNotPositive), ("LMPOP 5 l LEFT", KeyValueStore.syntax),
            ("LMPOP 1 l MIDDLE", KeyValueStore.syntax), ("LMPOP 1 l LEFT COUNT 0", KeyValueStore.countNotPositive),
            ("LMPOP 1 l LEFT COUNT 1 COUNT 2", KeyValueStore.syntax), ("LINSERT l MIDDLE a b", KeyValueStore.syntax),
            ("LSET l x v", KeyValueStore.notAnInteger), ("LMOVE a b UP LEFT", KeyValueStore.syntax),
            ("LMPOP 9223372036854775807 l LEFT", KeyValueStore.syntax),
        ]
        for (text, error) in refused {
            #expect(RedisWordCommands.parseWrite(Self.words(text)) == .failure(error), "\(text)")
        }
        let refusedReads: [(String, KeyValueError)] = [
            ("LPOS l a RANK 0", KeyValueStore.rankZero), ("LPOS l a RANK x", KeyValueStore.notAnInteger),
            ("LPOS l a RANK -9223372036854775808", KeyValueStore.rankOutOfRange),
            ("LPOS l a COUNT -1", KeyValueStore.countNegative), ("LPOS l a MAXLEN x", KeyValueStore.maxLengthNegative),
            ("LPOS l a RANK", KeyValueStore.syntax), ("LPOS l a FROB 1", KeyValueStore.syntax),
        ]
        for (text, error) in refusedReads {
            #expect(RedisWordCommands.parseRead(Self.words(text)) == .failure(error), "\(text)")
        }
    }

    /// A list command forged into an entry with what the parser refuses answers the parser's
    /// error on every replica, and the store goes on.
    @Test func forgedListCommandsAreRefusedWhenApplied() throws {
        var replicas = ReplicaPair()
        let forged: [(KeyValueCommand, KeyValueError)] = [
            (.list(.pop(key: bytes("l"), end: .left, count: -1)), KeyValueStore.mustBePositive),
            (.list(.popFromFirst(keys: [], end: .left, count: 1)), KeyValueStore.numberOfKeysNotPositive),
            (.list(.popFromFirst(keys: [bytes("l")], end: .left, count: 0)), KeyValueStore.countNotPositive),
            (
                .list(.push(key: bytes("l"), elements: [], end: .right, onlyIfExists: true)),
                RedisWordCommands.wrongArity("rpushx")
            ),
        ]
        for (command, error) in forged { #expect(replicas.apply(command, at: 1) == .error(error)) }
        let position = ReadCommand.list(
            .position(key: bytes("l"), element: bytes("a"), rank: 0, count: nil, maxLength: 0)
        )
        #expect(
            replicas.apply(
                .list(.push(key: bytes("l"), elements: [bytes("a")], end: .left, onlyIfExists: false)),
                at: 1
            ) == .integer(1)
        )
        #expect(replicas.first.store.read(position, at: 1) == .error(KeyValueStore.rankZero))
        try replicas.expectIdentical()
    }

    @Test func everyListCommandSurvivesItsEncoding() throws {
        let writes =
            try Self.script.map { try Self.command($0.0) } + [
                .list(.pop(key: bytes("k"), end: .right, count: Int64.max)),
                .list(.set(key: bytes("k"), index: Int64.min, element: [])),
                .list(.remove(key: bytes("k"), count: Int64.min, element: bytes("e"))),
                .list(.trim(key: bytes("k"), start: Int64.min, stop: Int64.max)),
            ]
        for command in writes {
            let entry = KeyValueEntry(requestID: 3, timeMilliseconds: 4, command: command, session: 5)
            #expect(try KeyValueEntry(decoding: entry.encoded) == entry)
            for count in 0..<entry.encoded.count {
                #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(entry.encoded[..<count])) }
            }
        }
        let reads: [ReadCommand] = [
            .list(.range(key: bytes("k"), start: Int64.min, stop: -1)), .list(.length(key: bytes("k"))),
            .list(.index(key: bytes("k"), index: Int64.max)),
            .list(.position(key: bytes("k"), element: bytes("e"), rank: -3, count: 0, maxLength: 9)),
            .list(.position(key: bytes("k"), element: [], rank: 1, count: nil, maxLength: 0)),
        ]
        for read in reads {
            var writer = ByteWriter()
            read.write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try ReadCommand(reading: &reader) == read)
        }
    }

    /// Keyspace events as Redis sends them: the command's, then `del` for a list left empty;
    /// LMOVE's push to the destination before its pop from the source.
    @Test func changesAreReportedAsRedisReportsThem() throws {
        var recorder = EventingStore()
        func events(_ text: String) throws -> [String] { recorder.events(try Self.command(text)) }
        #expect(try events("RPUSH a 1 2") == ["a:rpush"])
        #expect(try events("LMOVE a b LEFT RIGHT") == ["b:rpush", "a:lpop"])
        #expect(try events("LMOVE a b RIGHT LEFT") == ["b:lpush", "a:rpop", "a:del"])
        #expect(try events("LMOVE b b LEFT RIGHT") == ["b:rpush", "b:lpop"])
        #expect(try events("LTRIM b 0 -1") == ["b:ltrim"])
        #expect(try events("LREM b 0 nothere") == [])
        #expect(try events("LINSERT b AFTER nothere x") == [])
        #expect(try events("LPOP b 2") == ["b:lpop", "b:del"])
        #expect(recorder.store.records.isEmpty)
        #expect(recorder.store.datasetBytes == 0)
    }

    /// Rotating a list within itself keeps its TTL; popping its last element removes the key.
    @Test func aListKeepsItsTTLWhileItHasElements() throws {
        var driver = StoreDriver()
        _ = driver.apply(try Self.command("RPUSH l a"), at: 1)
        _ = driver.apply(.expire(key: bytes("l"), expiry: .afterMilliseconds(10_000), condition: .always), at: 1)
        #expect(driver.apply(try Self.command("RPOPLPUSH l l"), at: 2) == .value(bytes("a")))
        #expect(driver.apply(try Self.command("RPUSH l b"), at: 3) == .integer(2))
        #expect(driver.store.remainingMilliseconds(of: bytes("l"), at: 3) == 9_998)
        #expect(driver.apply(try Self.command("LPOP l 2"), at: 4) == Self.values("a", "b"))
        #expect(driver.store.record(of: bytes("l"), at: 4) == nil)
        #expect(driver.store.keysWithExpiry.isEmpty)
    }
}
