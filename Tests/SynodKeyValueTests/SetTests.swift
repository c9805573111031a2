import SynodCore
import Testing

@testable import SynodKeyValue

/// Sets: typed commands that run alike on every replica (SPOP's choices included), survive
/// the log's encoding and a snapshot, and keep the memory count as a fresh count would.
struct SetTests {
    static func words(_ text: String) -> [[UInt8]] { text.split(separator: " ").map { Array($0.utf8) } }

    static func command(_ text: String) throws -> KeyValueCommand {
        if text.hasPrefix("SET ") {
            let parts = text.split(separator: " ").map(String.init)
            return set(parts[1], parts[2])
        }
        return try RedisWordCommands.parseWrite(words(text)).get()
    }

    static func read(_ text: String) throws -> ReadCommand { try RedisWordCommands.parseRead(words(text)).get() }

    static func members(_ result: KeyValueResult) -> Set<String> {
        guard case .set(let elements) = result else { return [] }
        return Set(
            elements.compactMap {
                if case .value(let bytes) = $0 { String(decoding: bytes, as: UTF8.self) } else { nil }
            }
        )
    }

    static let script: [String] = [
        "SADD s a b c d e f g h", "SADD t c d x", "SREM s h zz", "SPOP s", "SPOP s 2", "SPOP none 3", "SPOP s 0",
        "SMOVE s t a", "SMOVE t s x", "SINTERSTORE i s t", "SUNIONSTORE u s t none", "SDIFFSTORE d s t",
        "SINTERSTORE d s none", "SET str v", "SADD str x", "SMOVE s str b", "SUNIONSTORE str s", "SPOP u 100",
        "SADD one x", "SPOP one", "SREM t c d x a",
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
        #expect(store.records[bytes("u")] == nil)
        #expect(store.records[bytes("one")] == nil)
        #expect(store.records[bytes("str")]?.set != nil)
        #expect(store.read(.keyspace(.type(key: bytes("str"))), at: 2_000) == .status("set"))
    }

    /// SPOP chooses by the entry alone: two stores given the same entries pop the same
    /// members, and over many entries every member is chosen first sometimes.
    @Test func spopChoosesAlikeEverywhereAndSpreadsItsChoices() throws {
        var firstPicks: Set<String> = []
        for round in 0..<40 {
            var replicas = ReplicaPair()
            for _ in 0..<round { _ = replicas.apply(try Self.command("SADD pad x"), at: 1) }
            _ = replicas.apply(try Self.command("SADD s a b c d"), at: 1)
            if case .value(let popped) = replicas.apply(try Self.command("SPOP s"), at: 1) {
                firstPicks.insert(String(decoding: popped, as: UTF8.self))
            }
        }
        #expect(firstPicks == ["a", "b", "c", "d"])
    }

    @Test func readsAnswerAsRedisDoes() throws {
        var driver = StoreDriver()
        _ = driver.apply(try Self.command("SADD s a b c"), at: 1)
        _ = driver.apply(try Self.command("SADD t b c d"), at: 1)
        _ = driver.apply(try Self.command("SET str v"), at: 1)
        let store = driver.store
        #expect(Self.members(store.read(try Self.read("SMEMBERS s"), at: 1)) == ["a", "b", "c"])
        #expect(Self.members(store.read(try Self.read("SINTER s t"), at: 1)) == ["b", "c"])
        #expect(Self.members(store.read(try Self.read("SUNION s t none"), at: 1)) == ["a", "b", "c", "d"])
        #expect(Self.members(store.read(try Self.read("SDIFF s t"), at: 1)) == ["a"])
        #expect(store.read(try Self.read("SINTER s none"), at: 1) == .set([]))
        #expect(store.read(try Self.read("SINTER none str"), at: 1) == .error(KeyValueStore.wrongType))
        #expect(store.read(try Self.read("SINTERCARD 2 s t LIMIT 1"), at: 1) == .integer(1))
        #expect(store.read(try Self.read("SMISMEMBER s a d"), at: 1) == .array([.integer(1), .integer(0)]))
        #expect(store.read(try Self.read("SCARD none"), at: 1) == .integer(0))
        #expect(store.read(try Self.read("SRANDMEMBER none"), at: 1) == .null)
        #expect(store.read(try Self.read("SRANDMEMBER none 2"), at: 1) == .array([]))
        let picks: [Int] = [2, 0, 1]
        var next = 0
        let chosen = store.read(try Self.read("SRANDMEMBER s -3"), at: 1) {
            defer { next += 1 }
            return picks[next] % $0
        }
        #expect(chosen == .array([.value(bytes("c")), .value(bytes("a")), .value(bytes("b"))]))
        guard case .array(let distinct) = store.read(try Self.read("SRANDMEMBER s 2"), at: 1, randomIndex: { $0 - 1 })
        else {
            Issue.record("SRANDMEMBER s 2 answered no array")
            return
        }
        #expect(Set(distinct).count == 2)
    }

    @Test func wordsRedisRefusesAreRefusedWithItsErrors() {
        let refused: [(String, KeyValueError)] = [
            ("SPOP s -1", KeyValueStore.mustBePositive), ("SPOP s x", KeyValueStore.mustBePositive),
            ("SPOP s 1 2", KeyValueStore.syntax),
        ]
        for (text, error) in refused {
            #expect(RedisWordCommands.parseWrite(Self.words(text)) == .failure(error), "\(text)")
        }
        let refusedReads: [(String, KeyValueError)] = [
            ("SRANDMEMBER s x", KeyValueStore.notAnInteger), ("SRANDMEMBER s 1 2", KeyValueStore.syntax),
            ("SRANDMEMBER s -9223372036854775808", KeyValueStore.rankOutOfRange),
            ("SRANDMEMBER s -1048577", KeyValueStore.tooManyRandomMembers),
            ("SINTERCARD 0 s", KeyValueStore.numberOfKeysNotPositive),
            ("SINTERCARD 3 s t", KeyValueStore.moreKeysThanArguments),
            ("SINTERCARD 1 s LIMIT -1", KeyValueStore.limitNegative), ("SINTERCARD 1 s LIMIT", KeyValueStore.syntax),
        ]
        for (text, error) in refusedReads {
            #expect(RedisWordCommands.parseRead(Self.words(text)) == .failure(error), "\(text)")
        }
        #expect(throws: Never.self) { try RedisWordCommands.parseRead(Self.words("SRANDMEMBER s -1048576")).get() }
    }

    @Test func forgedSetCommandsAreRefusedWhenApplied() throws {
        var replicas = ReplicaPair()
        #expect(
            replicas.apply(.redisSet(.pop(key: bytes("s"), count: -1)), at: 1) == .error(KeyValueStore.mustBePositive)
        )
        #expect(
            replicas.apply(.redisSet(.store(operation: .union, destination: bytes("d"), keys: [])), at: 1)
                == .error(RedisWordCommands.wrongArity("sunionstore"))
        )
        #expect(
            replicas.apply(.redisSet(.add(key: bytes("s"), members: [])), at: 1)
                == .error(RedisWordCommands.wrongArity("sadd"))
        )
        _ = replicas.apply(try Self.command("SADD s a"), at: 1)
        let forgedRead = ReadCommand.redisSet(.randomMembers(key: bytes("s"), count: .min))
        #expect(replicas.first.store.read(forgedRead, at: 1) == .error(KeyValueStore.tooManyRandomMembers))
        try replicas.expectIdentical()
    }

    @Test func everySetCommandSurvivesItsEncoding() throws {
        let writes = try Self.script.map { try Self.command($0) }
        for command in writes {
            let entry = KeyValueEntry(requestID: 3, timeMilliseconds: 4, command: command, session: 5)
            #expect(try KeyValueEntry(decoding: entry.encoded) == entry)
            for count in 0..<entry.encoded.count {
                #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: Array(entry.encoded[..<count])) }
            }
        }
        let reads: [ReadCommand] = try [
            "SMEMBERS s", "SISMEMBER s a", "SMISMEMBER s a b", "SCARD s", "SRANDMEMBER s", "SRANDMEMBER s -5",
            "SINTER a b", "SUNION a", "SDIFF a b c", "SINTERCARD 2 a b LIMIT 3", "SSCAN s 5 MATCH a* COUNT 2",
            "SSCAN s 0 COUNT x",
        ].map { try Self.read($0) }
        for read in reads {
            var writer = ByteWriter()
            read.write(to: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try ReadCommand(reading: &reader) == read)
        }
        let result = KeyValueResult.set([.value(bytes("a")), .integer(2)])
        var writer = ByteWriter()
        result.write(to: &writer)
        var reader = ByteReader(writer.bytes)
        #expect(try KeyValueResult(reading: &reader) == result)
    }

    /// Keyspace events as Redis sends them.
    @Test func changesAreReportedAsRedisReportsThem() throws {
        var recorder = EventingStore()
        func events(_ text: String) throws -> [String] { recorder.events(try Self.command(text)) }
        #expect(try events("SADD a 1") == ["a:sadd"])
        #expect(try events("SADD a 1") == [])
        #expect(try events("SMOVE a b 1") == ["a:srem", "a:del", "b:sadd"])
        #expect(try events("SUNIONSTORE c b") == ["c:sunionstore"])
        #expect(try events("SINTERSTORE c b none") == ["c:del"])
        #expect(try events("SPOP b 5") == ["b:spop", "b:del"])
        #expect(recorder.store.records.isEmpty)
        #expect(recorder.store.datasetBytes == 0)
    }
}
