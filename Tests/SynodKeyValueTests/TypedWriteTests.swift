import SynodCore
import Testing

@testable import SynodKeyValue

/// The wider Redis writes are logged as typed commands; entries older nodes logged as words
/// still run, and run exactly as the typed command the same words parse to.
struct TypedWriteTests {
    /// A script over strings, hashes, TTLs and renames, as client words.
    static let script: [[String]] = [
        ["SETNX", "s", "1"], ["SETNX", "s", "2"], ["SETEX", "e", "10", "v"], ["PSETEX", "p", "5000", "v"],
        ["GETSET", "s", "3"], ["APPEND", "s", "x"], ["SETRANGE", "s", "5", "yz"], ["INCRBYFLOAT", "f", "1.5"],
        ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "h", "1"], ["MSETNX", "m1", "a", "m2", "b"],
        ["MSETNX", "m1", "c", "m3", "d"], ["GETEX", "e", "PX", "20000"], ["GETEX", "e", "PERSIST"],
        ["GETEX", "p", "PXAT", "1"], ["GETEX", "m1"], ["GETDEL", "m2"], ["HSET", "h", "a", "1", "b", "2"],
        ["HMSET", "h", "c", "3"], ["HSETNX", "h", "a", "9"], ["HSETNX", "h", "d", "4"], ["HINCRBY", "h", "a", "41"],
        ["HINCRBY", "h", "b", "9223372036854775807"], ["HINCRBYFLOAT", "h", "c", "0.25"], ["HDEL", "h", "d", "zz"],
        ["APPEND", "h", "x"], ["RENAME", "s", "s2"], ["RENAMENX", "s2", "m1"], ["RENAMENX", "s2", "fresh"],
        ["RENAME", "nothing", "x"], ["UNLINK", "fresh", "f", "nothing"], ["HDEL", "h", "a", "b", "c"],
        ["FLUSHALL", "SYNC"],
    ]

    static func words(_ strings: [String]) -> [[UInt8]] { strings.map { bytes($0) } }

    @Test func wordsParseToTypedCommandsThatRunAsTheWordsDid() throws {
        var typed = ReplicaPair()
        var legacy = StoreDriver()
        for (step, strings) in Self.script.enumerated() {
            let words = Self.words(strings)
            let command = try RedisWordCommands.parseWrite(words).get()
            if case .redis = command { Issue.record("\(strings) parsed to words") }
            let time = Int64(1_000 + step)
            let result = typed.apply(command, at: time)
            #expect(legacy.apply(.redis(words: words), at: time) == result, "\(strings)")
            #expect(legacy.store.snapshotBytes == typed.first.store.snapshotBytes, "\(strings)")
            #expect(legacy.events == typed.first.events, "\(strings)")
        }
        try typed.expectIdentical()
        #expect(typed.first.store.records.isEmpty)
    }

    @Test func everyTypedWriteSurvivesItsEncoding() throws {
        var commands = try Self.script.map { try RedisWordCommands.parseWrite(Self.words($0)).get() }
        commands += [
            .string(.getExpiring(key: bytes("k"), expiry: .afterMilliseconds(5))),
            .string(.setRange(key: bytes("k"), offset: Int64.min, value: bytes("v"))),
            .hash(.incrementByFloat(key: bytes("h"), field: bytes("f"), increment: bytes("nan"))),
        ]
        for command in commands {
            let entry = KeyValueEntry(requestID: 3, timeMilliseconds: 4, command: command, session: 5)
            let encoded = entry.encoded
            #expect(try KeyValueEntry(decoding: encoded) == entry)
            for count in 0..<encoded.count {
                #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(encoded[..<count])) }
            }
        }
    }

    /// What the parser refuses never reaches the log; the same command forged into an entry is
    /// refused alike when applied.
    @Test func outOfRangeValuesAreRefusedAtTheEdgeAndWhenApplied() throws {
        let refused: [([String], KeyValueError)] = [
            (["SETEX", "k", "0", "v"], KeyValueError(.outOfRange, "ERR invalid expire time in 'setex' command")),
            (["PSETEX", "k", "-5", "v"], KeyValueError(.outOfRange, "ERR invalid expire time in 'psetex' command")),
            (
                ["SETEX", "k", "9223372036854775807", "v"],
                KeyValueError(.outOfRange, "ERR invalid expire time in 'setex' command")
            ),
            (["GETEX", "k", "EX", "0"], KeyValueError(.outOfRange, "ERR invalid expire time in 'getex' command")),
            (["GETEX", "k", "EX", "1", "PERSIST"], KeyValueError(.invalidRequest, "ERR syntax error")),
            (["GETEX", "k", "PX", "x"], KeyValueError(.notANumber, "ERR value is not an integer or out of range")),
            (["SETRANGE", "k", "-1", "x"], KeyValueError(.outOfRange, "ERR offset is out of range")),
            (["HINCRBY", "h", "f", "1.5"], KeyValueError(.notANumber, "ERR value is not an integer or out of range")),
            (["HINCRBYFLOAT", "h", "f", "x"], KeyValueError(.notANumber, "ERR value is not a valid float")),
            (["HSET", "h", "f"], KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'hset' command")),
            (
                ["MSETNX", "a", "1", "b"],
                KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'msetnx' command")
            ),
            (["FLUSHALL", "LATER"], KeyValueError(.invalidRequest, "ERR syntax error")),
        ]
        var replicas = ReplicaPair()
        for (strings, error) in refused {
            #expect(RedisWordCommands.parseWrite(Self.words(strings)) == .failure(error), "\(strings)")
            #expect(replicas.apply(.redis(words: Self.words(strings)), at: 1) == .error(error), "\(strings)")
        }
        let forged: [(KeyValueCommand, KeyValueError)] = [
            (
                .string(.setExpiring(key: bytes("k"), value: [], milliseconds: 0, unit: .milliseconds)),
                KeyValueError(.outOfRange, "ERR invalid expire time in 'psetex' command")
            ),
            (
                .string(.setRange(key: bytes("k"), offset: Int64.max, value: bytes("x"))),
                KeyValueError(.outOfRange, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            ),
            (
                .string(.setAllIfAbsent(pairs: [])),
                KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'msetnx' command")
            ),
            (
                .hash(.set(key: bytes("h"), fields: [], answersCount: true)),
                KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'hset' command")
            ),
            (
                .hash(.incrementByFloat(key: bytes("h"), field: bytes("f"), increment: bytes("x"))),
                KeyValueError(.notANumber, "ERR value is not a valid float")
            ),
        ]
        for (command, error) in forged {
            #expect(replicas.apply(command, at: 2) == .error(error), "\(command)")
        }
        #expect(replicas.first.store.records.isEmpty)
        try replicas.expectIdentical()
    }
}
