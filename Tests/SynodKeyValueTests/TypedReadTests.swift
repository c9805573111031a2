import SynodCore
import Testing

@testable import SynodKeyValue

/// The wider Redis reads are parsed once into typed reads; words a node before them forwarded
/// or logged (in a transaction) are served as the typed read they parse to.
struct TypedReadTests {
    static func words(_ strings: String...) -> [[UInt8]] { strings.map { bytes($0) } }

    /// A store with a string, a hash, a key with a TTL.
    static func store() -> KeyValueStore {
        var driver = StoreDriver()
        _ = driver.apply(set("s", "hello"), at: 1)
        _ = driver.apply(
            .hash(.set(key: bytes("h"), fields: [.init(key: bytes("f"), value: bytes("v"))], answersCount: true)),
            at: 2
        )
        _ = driver.apply(
            .set(
                key: bytes("t"),
                value: bytes("x"),
                condition: .always,
                expiry: .atMilliseconds(90_000),
                returnPrevious: false
            ),
            at: 3
        )
        return driver.store
    }

    @Test func wordsParseToTheTypedRead() throws {
        let cases: [([[UInt8]], ReadCommand)] = [
            (Self.words("STRLEN", "s"), .string(.length(key: bytes("s")))),
            (
                Self.words("getrange", "s", "-3", "9223372036854775807"),
                .string(.range(key: bytes("s"), start: -3, end: .max))
            ),
            (Self.words("SUBSTR", "s", "0", "1"), .string(.range(key: bytes("s"), start: 0, end: 1))),
            (Self.words("PEXPIRETIME", "t"), .keyspace(.expiryTime(key: bytes("t"), unit: .milliseconds))),
            (Self.words("TYPE", "h"), .keyspace(.type(key: bytes("h")))),
            (Self.words("KEYS", "*"), .keyspace(.keys(pattern: bytes("*")))),
            (
                Self.words("SCAN", "5", "count", "99999999", "TYPE", "HASH", "MATCH", "h*"),
                .keyspace(.scan(cursor: 5, options: ScanOptions(pattern: bytes("h*"), count: 1 << 20, type: "hash")))
            ),
            (Self.words("RANDOMKEY"), .keyspace(.randomKey)),
            (Self.words("OBJECT", "encoding", "s"), .keyspace(.encoding(key: bytes("s")))),
            (Self.words("HMGET", "h", "f", "g"), .hash(.multiGet(key: bytes("h"), fields: [bytes("f"), bytes("g")]))),
            (Self.words("HSTRLEN", "h", "f"), .hash(.valueLength(key: bytes("h"), field: bytes("f")))),
            (Self.words("HRANDFIELD", "h"), .hash(.randomFields(key: bytes("h"), count: nil, withValues: false))),
            (
                Self.words("HRANDFIELD", "h", "-1048576", "withvalues"),
                .hash(.randomFields(key: bytes("h"), count: -1_048_576, withValues: true))
            ),
            (
                Self.words("HSCAN", "h", "0", "NOVALUES"),
                .hash(.scan(key: bytes("h"), cursor: 0, options: .success(ScanOptions(withValues: false))))
            ),
            (
                Self.words("HSCAN", "h", "0", "COUNT", "x"),
                .hash(.scan(key: bytes("h"), cursor: 0, options: .failure(KeyValueStore.notAnInteger)))
            ),
        ]
        for (words, expected) in cases {
            #expect(
                try RedisWordCommands.parseRead(words).get() == expected,
                "\(words.map { String(decoding: $0, as: UTF8.self) })"
            )
        }
    }

    @Test func wordsRedisRefusesBeforeLookingAtTheDataAreRefusedWhenParsed() {
        let cases: [([[UInt8]], KeyValueError)] = [
            (Self.words("GETRANGE", "s", "a", "1"), KeyValueStore.notAnInteger),
            (Self.words("SCAN", "x"), KeyValueError(.invalidRequest, "ERR invalid cursor")),
            (Self.words("SCAN", "0", "COUNT", "0"), KeyValueStore.syntax),
            (Self.words("SCAN", "0", "NOVALUES"), KeyValueStore.syntax),
            (Self.words("SCAN", "0", "MATCH"), KeyValueStore.syntax),
            (Self.words("HSCAN", "h", "-"), KeyValueError(.invalidRequest, "ERR invalid cursor")),
            (
                Self.words("OBJECT", "LFU", "s"),
                KeyValueError(.invalidRequest, "ERR unknown subcommand 'LFU'. Try OBJECT HELP.")
            ),
            (Self.words("OBJECT", "FREQ", "s", "t"), RedisWordCommands.wrongArity("object|freq")),
            (Self.words("HGET", "h"), RedisWordCommands.wrongArity("hget")),
            (Self.words("NOPE"), KeyValueStore.unknownCommand(bytes("NOPE"))),
        ]
        for (words, error) in cases {
            #expect(
                RedisWordCommands.parseRead(words) == .failure(error),
                "\(words.map { String(decoding: $0, as: UTF8.self) })"
            )
        }
    }

    /// Redis looks HSCAN's key up before it reads the options: a missing key answers an empty
    /// page and a string WRONGTYPE, whatever the options say.
    @Test func hashScanLooksTheKeyUpBeforeItsOptions() throws {
        let store = Self.store()
        func hscan(_ strings: String...) throws -> KeyValueResult {
            store.read(try RedisWordCommands.parseRead(strings.map { bytes($0) }).get(), at: 10)
        }
        #expect(try hscan("HSCAN", "missing", "0", "COUNT", "x") == .array([.value(bytes("0")), .array([])]))
        #expect(try hscan("HSCAN", "s", "0", "COUNT", "x") == .error(KeyValueStore.wrongType))
        #expect(try hscan("HSCAN", "h", "0", "COUNT", "x") == .error(KeyValueStore.notAnInteger))
        #expect(try hscan("HSCAN", "h", "0", "COUNT", "0") == .error(KeyValueStore.syntax))
        #expect(
            try hscan("HSCAN", "h", "0")
                == .array([.value(bytes("0")), .array([.value(bytes("f")), .value(bytes("v"))])])
        )
    }

    @Test func typedReadsAnswerAsRedisDoes() {
        let store = Self.store()
        let cases: [(ReadCommand, KeyValueResult)] = [
            (.string(.length(key: bytes("s"))), .integer(5)),
            (.string(.range(key: bytes("s"), start: -3, end: .max)), .value(bytes("llo"))),
            (.string(.range(key: bytes("h"), start: 0, end: 1)), .error(KeyValueStore.wrongType)),
            (.keyspace(.expiryTime(key: bytes("t"), unit: .seconds)), .integer(90)),
            (.keyspace(.expiryTime(key: bytes("s"), unit: .milliseconds)), .integer(-1)),
            (.keyspace(.expiryTime(key: bytes("none"), unit: .milliseconds)), .integer(-2)),
            (.keyspace(.type(key: bytes("h"))), .status("hash")),
            (.keyspace(.type(key: bytes("none"))), .status("none")),
            (.keyspace(.keys(pattern: bytes("[hs]"))), .array([.value(bytes("h")), .value(bytes("s"))])),
            (.keyspace(.encoding(key: bytes("h"))), .value(bytes("listpack"))),
            (.hash(.get(key: bytes("h"), field: bytes("f"))), .value(bytes("v"))),
            (.hash(.multiGet(key: bytes("none"), fields: [bytes("f")])), .values([nil])),
            (.hash(.getAll(key: bytes("h"))), .map([.value(bytes("f")), .value(bytes("v"))])),
            (.hash(.length(key: bytes("s"))), .error(KeyValueStore.wrongType)),
            (.hash(.exists(key: bytes("h"), field: bytes("g"))), .integer(0)),
            (.hash(.randomFields(key: bytes("h"), count: nil, withValues: false)), .value(bytes("f"))),
            (.hash(.randomFields(key: bytes("none"), count: nil, withValues: false)), .null),
            (.hash(.randomFields(key: bytes("none"), count: 3, withValues: true)), .array([])),
            (
                .hash(.randomFields(key: bytes("h"), count: -2, withValues: true)),
                .pairs([.value(bytes("f")), .value(bytes("v")), .value(bytes("f")), .value(bytes("v"))])
            ),
            (.hash(.randomFields(key: bytes("h"), count: 5, withValues: false)), .array([.value(bytes("f"))])),
            (.hash(.randomFields(key: bytes("h"), count: 0, withValues: false)), .array([])),
            (.hash(.randomFields(key: bytes("s"), count: 1, withValues: false)), .error(KeyValueStore.wrongType)),
        ]
        for (read, expected) in cases {
            #expect(store.read(read, at: 10) == expected, "\(read)")
        }
    }

    /// Forwarded and logged reads are bytes from a peer: each typed read decodes to itself,
    /// and a SCAN count no client could send is refused when decoded.
    @Test func typedReadsRoundTripAndOutOfRangeCountsAreRefused() throws {
        let reads: [ReadCommand] = [
            .string(.length(key: bytes("s"))), .string(.range(key: bytes("s"), start: .min, end: .max)),
            .keyspace(.expiryTime(key: bytes("t"), unit: .seconds)), .keyspace(.type(key: [])),
            .keyspace(.keys(pattern: bytes("*"))),
            .keyspace(.scan(cursor: .max, options: ScanOptions(pattern: [], count: 1, type: "string"))),
            .keyspace(.randomKey), .keyspace(.encoding(key: bytes("k"))),
            .hash(.get(key: bytes("h"), field: [])), .hash(.multiGet(key: bytes("h"), fields: [[], bytes("f")])),
            .hash(.getAll(key: bytes("h"))), .hash(.fields(key: bytes("h"))), .hash(.values(key: bytes("h"))),
            .hash(.length(key: bytes("h"))), .hash(.exists(key: bytes("h"), field: bytes("f"))),
            .hash(.valueLength(key: bytes("h"), field: bytes("f"))),
            .hash(.scan(key: bytes("h"), cursor: 3, options: .success(ScanOptions(count: 1 << 20, withValues: false)))),
            .hash(.scan(key: bytes("h"), cursor: 0, options: .failure(KeyValueStore.syntax))),
            .hash(.randomFields(key: bytes("h"), count: nil, withValues: false)),
            .hash(.randomFields(key: bytes("h"), count: -1_048_576, withValues: true)),
            .hash(.randomFields(key: bytes("h"), count: 7, withValues: false)),
        ]
        for read in reads {
            var writer = ByteWriter()
            read.write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try ReadCommand(reading: &reader) == read)
            #expect(reader.remainingCount == 0)
        }
        for count in [0, (1 << 20) + 1] {
            var writer = ByteWriter()
            ReadCommand.keyspace(.scan(cursor: 0, options: ScanOptions(count: count))).write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(throws: ByteReader.Failure.self) { try ReadCommand(reading: &reader) }
            // Built in memory (not decoded), the store refuses it when it serves it.
            #expect(
                Self.store().read(.keyspace(.scan(cursor: 0, options: ScanOptions(count: count))), at: 1)
                    == .error(KeyValueStore.syntax)
            )
        }
    }

    /// A flag byte of SCAN's options that is neither 0 nor 1 comes from no correct node.
    @Test func scanOptionFlagsAreZeroOrOne() throws {
        var writer = ByteWriter()
        ReadCommand.keyspace(.scan(cursor: 0, options: ScanOptions(pattern: bytes("*")))).write(to: &writer)
        var encoded = writer.bytes
        // Kind 16, keyspace kind 4, the cursor (8 bytes), then the pattern's flag.
        #expect(encoded[10] == 1)
        var reader = ByteReader(encoded)
        #expect(
            try ReadCommand(reading: &reader) == .keyspace(.scan(cursor: 0, options: ScanOptions(pattern: bytes("*"))))
        )
        encoded[10] = 2
        reader = ByteReader(encoded)
        #expect(throws: ByteReader.Failure.self) { try ReadCommand(reading: &reader) }
    }

    /// Swift 6.3.1 copied `ReadCommand` wrongly once the typed reads were inline payloads:
    /// copies of a SCAN, and of other reads wrapped in results and commands, read bad
    /// pointers. The typed cases are indirect; every read survives copies.
    @Test func everyReadSurvivesCopies() {
        let reads: [ReadCommand] = [
            .get(key: bytes("k")), .multiGet(keys: [bytes("a"), []]), .exists(keys: [bytes("k")]),
            .timeToLive(key: bytes("k"), inMilliseconds: true), .keyCount, .lockInfo(name: bytes("l")),
            .electionLeader(name: bytes("e")), .leaseTimeToLive(id: 7), .serviceInstances(service: bytes("s")),
            .redis(words: [bytes("TYPE"), bytes("k")]), .keyVersions(keys: [bytes("k")]), .revision, .memoryLimit,
            .string(.range(key: bytes("s"), start: 0, end: 1)), .string(.length(key: [])),
            .keyspace(.scan(cursor: 5, options: ScanOptions(pattern: nil, count: 3, type: nil))),
            .keyspace(.scan(cursor: 5, options: ScanOptions(pattern: [], count: 3, type: "hash"))),
            .keyspace(.randomKey), .keyspace(.expiryTime(key: bytes("t"), unit: .seconds)),
            .hash(.scan(key: bytes("h"), cursor: 0, options: .failure(KeyValueStore.syntax))),
            .hash(.scan(key: bytes("h"), cursor: 0, options: .success(ScanOptions()))),
            .hash(.multiGet(key: bytes("h"), fields: [bytes("f")])),
        ]
        for read in reads {
            let copies = [ReadCommand](repeating: read, count: 2_000)
            #expect(copies.allSatisfy { $0 == read }, "\(read)")
            let wrapped = [Result<ReadCommand, KeyValueError>](repeating: .success(read), count: 2_000)
            #expect(wrapped.allSatisfy { $0 == .success(read) }, "\(read)")
            let steps = [TransactionStep](repeating: .read(read), count: 2_000)
            let command = KeyValueCommand.transaction(versions: [], steps: steps)
            #expect([command, command] == [KeyValueCommand.transaction(versions: [], steps: steps), command])
        }
    }

    @Test func wordsFromOlderNodesAreServedAsTheTypedRead() throws {
        let store = Self.store()
        for strings in [
            ["HGETALL", "h"], ["GETRANGE", "s", "1", "2"], ["SCAN", "0", "TYPE", "string"], ["TYPE", "t"],
        ] {
            let words = strings.map { bytes($0) }
            let typed = try RedisWordCommands.parseRead(words).get()
            #expect(store.read(.redis(words: words), at: 10) == store.read(typed, at: 10), "\(strings)")
        }
        #expect(
            store.read(.redis(words: Self.words("GETRANGE", "s", "x", "1")), at: 10)
                == .error(KeyValueStore.notAnInteger)
        )
        #expect(
            store.read(.redis(words: Self.words("SET", "s", "1")), at: 10)
                == .error(KeyValueStore.unknownCommand(bytes("SET")))
        )
    }

    /// Reads count a key's use for LRU/LFU as Redis does: value reads touch, TYPE and TTL not.
    @Test func onlyValueReadsTouchTheirKey() {
        func touched(_ read: ReadCommand) -> [[UInt8]] {
            var keys: [[UInt8]] = []
            read.forEachTouchedKey { keys.append($0) }
            return keys
        }
        #expect(touched(.hash(.get(key: bytes("h"), field: bytes("f")))) == [bytes("h")])
        #expect(touched(.string(.length(key: bytes("s")))) == [bytes("s")])
        #expect(touched(.multiGet(keys: [bytes("a"), bytes("b")])) == [bytes("a"), bytes("b")])
        #expect(touched(.keyspace(.type(key: bytes("s")))).isEmpty)
        #expect(touched(.keyspace(.scan(cursor: 0, options: ScanOptions()))).isEmpty)
    }
}
