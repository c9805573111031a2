import SynodCore
import Testing

@testable import SynodKeyValue

/// Two replicas and a restart: each entry goes through its encoded form to both replicas,
/// whose results must agree, and the whole history replays into a fresh store (a restart
/// that replays the log) to the same state.
struct ReplicaPair {
    var first = StoreDriver()
    var second = StoreDriver()
    var history: [(command: KeyValueCommand, time: Int64)] = []

    mutating func apply(_ command: KeyValueCommand, at time: Int64) -> KeyValueResult {
        history.append((command, time))
        let result = first.apply(command, at: time)
        #expect(second.apply(command, at: time) == result, "\(command)")
        #expect(first.events == second.events)
        return result
    }

    /// Applies raw bytes as a committed entry, as a log holding them would.
    mutating func apply(encoded bytes: [UInt8]) -> KeyValueResult {
        first.index += 1
        second.index += 1
        let result = first.store.apply(encoded: bytes, at: first.index).result
        #expect(second.store.apply(encoded: bytes, at: second.index).result == result)
        return result
    }

    /// Both replicas hold the same state, a snapshot of it restores to it, and replaying the
    /// history from the start reaches it again.
    func expectIdentical() throws {
        #expect(first.store == second.store)
        #expect(first.store.snapshotBytes == second.store.snapshotBytes)
        #expect(try KeyValueStore(snapshotBytes: first.store.snapshotBytes).snapshotBytes == first.store.snapshotBytes)
        var restarted = StoreDriver()
        for (command, time) in history { _ = restarted.apply(command, at: time) }
        if first.index == restarted.index { #expect(restarted.store.snapshotBytes == first.store.snapshotBytes) }
    }
}

func redis(_ words: String...) -> KeyValueCommand { .redis(words: words.map { bytes($0) }) }

/// Entries that once trapped on every replica when applied (and again at every restart, as the
/// log replayed them): each now answers an error, alike everywhere, and the store goes on.
struct PoisonEntryTests {
    @Test func setRangeAtTheLargestOffsetIsRefusedAndTheStoreGoesOn() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(set("k", "v"), at: 1) == .ok)
        let tooLong = KeyValueResult.error(
            KeyValueError(.outOfRange, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        )
        #expect(replicas.apply(redis("SETRANGE", "k", "9223372036854775807", "x"), at: 2) == tooLong)
        #expect(replicas.apply(redis("SETRANGE", "new", "9223372036854775807", "xyz"), at: 2) == tooLong)
        #expect(replicas.apply(redis("SETRANGE", "k", String(KeyValueStore.stringBytesMax), "x"), at: 2) == tooLong)
        #expect(
            replicas.apply(redis("SETRANGE", "k", "-1", "x"), at: 2)
                == .error(KeyValueError(.outOfRange, "ERR offset is out of range"))
        )
        #expect(
            replicas.apply(redis("SETRANGE", "k", "9223372036854775808", "x"), at: 2)
                == .error(KeyValueError(.notANumber, "ERR value is not an integer or out of range"))
        )
        // An empty value changes nothing at any offset, and answers the length (as Redis).
        #expect(replicas.apply(redis("SETRANGE", "k", "9223372036854775807", ""), at: 2) == .integer(1))
        #expect(replicas.apply(redis("SETRANGE", "k", "2", "XY"), at: 3) == .integer(4))
        #expect(replicas.first.store.value(of: bytes("k"), at: 3) == [UInt8(ascii: "v"), 0] + bytes("XY"))
        #expect(replicas.apply(set("k", "after"), at: 4) == .ok)
        #expect(replicas.first.store.value(of: bytes("k"), at: 4) == bytes("after"))
        try replicas.expectIdentical()
    }

    @Test func aForwardedGetexWithoutAKeyIsAnArityError() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(set("k", "v"), at: 1) == .ok)
        let arity = KeyValueResult.error(
            KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'getex' command")
        )
        #expect(replicas.apply(redis("GETEX"), at: 2) == arity)
        #expect(replicas.apply(redis("getex"), at: 2) == arity)
        #expect(replicas.apply(.transaction(versions: [], steps: [.write(redis("GETEX"))]), at: 2) == .array([arity]))
        #expect(
            replicas.apply(redis("GETEX", "k", "EX"), at: 2)
                == .error(KeyValueError(.invalidRequest, "ERR syntax error"))
        )
        #expect(replicas.apply(redis("GETEX", "k", "PERSIST"), at: 3) == .value(bytes("v")))
        try replicas.expectIdentical()
    }

    /// SCAN read `arguments[0]` unchecked: a forwarded read, or a transaction's read step in a
    /// committed entry, without a cursor trapped.
    @Test func scanWithoutACursorIsAnArityErrorInAReadAndInATransaction() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(set("k", "v"), at: 1) == .ok)
        let arity = KeyValueResult.error(
            KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'scan' command")
        )
        #expect(replicas.first.store.read(.redis(words: [bytes("SCAN")]), at: 1) == arity)
        #expect(
            replicas.first.store.read(.redis(words: []), at: 1)
                == .error(KeyValueError(.invalidRequest, "ERR empty command"))
        )
        #expect(
            replicas.first.store.read(.redis(words: [bytes("HSCAN")]), at: 1)
                == .error(KeyValueError(.invalidRequest, "ERR wrong number of arguments for 'hscan' command"))
        )
        let steps: [TransactionStep] = [.read(.redis(words: [bytes("SCAN")])), .write(set("k", "w"))]
        #expect(replicas.apply(.transaction(versions: [], steps: steps), at: 2) == .array([arity, .ok]))
        try replicas.expectIdentical()
    }

    /// Zero's exponent is Int.min: formatting a float sum of zero overflowed.
    @Test func aFloatIncrementThatSumsToZeroIsZero() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(redis("INCRBYFLOAT", "f", "0"), at: 1) == .value(bytes("0")))
        #expect(replicas.apply(redis("INCRBYFLOAT", "g", "1.5"), at: 1) == .value(bytes("1.5")))
        #expect(replicas.apply(redis("INCRBYFLOAT", "g", "-1.5"), at: 1) == .value(bytes("0")))
        #expect(replicas.apply(redis("INCRBYFLOAT", "g", "-0"), at: 1) == .value(bytes("0")))
        #expect(replicas.apply(redis("HINCRBYFLOAT", "h", "f", "0"), at: 1) == .value(bytes("0")))
        #expect(replicas.apply(redis("HINCRBYFLOAT", "h", "f", "-0.0"), at: 1) == .value(bytes("0")))
        let negativeZero = ExtendedFloat(isNegative: true, biasedExponent: 0, significand: 0)
        let leastNonzero = ExtendedFloat(isNegative: false, biasedExponent: 0, significand: 1)
        let leastNonzeroNegative = ExtendedFloat(isNegative: true, biasedExponent: 0, significand: 1)
        #expect(KeyValueStore.formatFloat(negativeZero) == bytes("0"))
        #expect(KeyValueStore.formatFloat(leastNonzero) == bytes("0"))
        #expect(KeyValueStore.formatFloat(leastNonzeroNegative) == bytes("0"))
        // A number too large or too small for a long double is not a float (strtold's ERANGE),
        // nor one with a NUL; "inf" is one, and the sum it makes is refused.
        for word in ["1e99999", "-0x1p99999", "1e-99999", "0x1p-99999", "1\u{0}"] {
            #expect(
                replicas.apply(redis("INCRBYFLOAT", "f", word), at: 1)
                    == .error(KeyValueError(.notANumber, "ERR value is not a valid float"))
            )
        }
        #expect(replicas.apply(redis("INCRBYFLOAT", "f", "0e-99999"), at: 1) == .value(bytes("0")))
        #expect(
            replicas.apply(redis("INCRBYFLOAT", "f", "inf"), at: 1)
                == .error(KeyValueError(.outOfRange, "ERR increment would produce NaN or Infinity"))
        )
        try replicas.expectIdentical()
    }

    @Test func expiriesAtTheLimitsNeitherTrapNorWrap() throws {
        var replicas = ReplicaPair()
        let max = String(Int64.max)
        #expect(
            replicas.apply(set("k", "v", .always, .afterMilliseconds(Int64.max)), at: 1_000) == invalidExpire("set")
        )
        #expect(replicas.apply(redis("SETEX", "k", max, "v"), at: 1_000) == invalidExpire("setex"))
        #expect(replicas.apply(redis("PSETEX", "k", max, "v"), at: 1_000) == invalidExpire("psetex"))
        #expect(replicas.apply(redis("SETEX", "k", "-9223372036854775808", "v"), at: 1_000) == invalidExpire("setex"))
        #expect(replicas.apply(set("k", "v"), at: 1_000) == .ok)
        #expect(replicas.apply(redis("GETEX", "k", "PX", max), at: 1_000) == invalidExpire("getex"))
        #expect(replicas.apply(redis("GETEX", "k", "EX", max), at: 1_000) == invalidExpire("getex"))
        #expect(replicas.apply(redis("GETEX", "k", "EXAT", max), at: 1_000) == invalidExpire("getex"))
        // PEXPIREAT at Int64.max: stored as it is; TTL rounds without overflow.
        let farthest = KeyValueCommand.expire(key: bytes("k"), expiry: .atMilliseconds(Int64.max), condition: .always)
        #expect(replicas.apply(farthest, at: 1_000) == .integer(1))
        let store = replicas.first.store
        #expect(store.read(.timeToLive(key: bytes("k"), inMilliseconds: true), at: 0) == .integer(Int64.max - 1_000))
        #expect(
            store.read(.timeToLive(key: bytes("k"), inMilliseconds: false), at: 0) == .integer(9_223_372_036_854_775)
        )
        #expect(store.read(.redis(words: [bytes("PEXPIRETIME"), bytes("k")]), at: 0) == .integer(Int64.max))
        // A relative expiry past Int64.max is the farthest one; into the past deletes.
        let never = KeyValueCommand.expire(key: bytes("k"), expiry: .afterMilliseconds(Int64.max), condition: .ifLater)
        #expect(replicas.apply(never, at: 1_000) == .integer(0))
        let past = KeyValueCommand.expire(key: bytes("k"), expiry: .afterMilliseconds(Int64.min), condition: .always)
        #expect(replicas.apply(past, at: 1_000) == .integer(1))
        #expect(replicas.first.store.keyCount == 0)
        try replicas.expectIdentical()
    }

    @Test func coordinationTimesOutOfRangeAreRefusedWhenApplied() throws {
        var replicas = ReplicaPair()
        let leaseTTL = KeyValueResult.error(
            KeyValueError(.outOfRange, "ERR invalid lease TTL: milliseconds, 1 to 2592000000")
        )
        for ttl in [Int64.min, -1, 0, KeyValueStore.coordinationMillisecondsMax + 1, Int64.max] {
            #expect(replicas.apply(.leaseGrant(ttlMilliseconds: ttl), at: 1) == leaseTTL)
            #expect(
                replicas.apply(acquire("l", "a", ttl: ttl), at: 1)
                    == .error(KeyValueError(.outOfRange, "ERR invalid lock TTL: milliseconds, 1 to 2592000000"))
            )
            #expect(
                replicas.apply(.refreshLock(name: bytes("l"), owner: bytes("a"), ttlMilliseconds: ttl), at: 1)
                    == .error(KeyValueError(.outOfRange, "ERR invalid lock TTL: milliseconds, 1 to 2592000000"))
            )
        }
        #expect(
            replicas.apply(acquire("l", "a", wait: -1), at: 1)
                == .error(KeyValueError(.outOfRange, "ERR invalid wait: milliseconds, 1 to 2592000000"))
        )
        #expect(replicas.first.store.leases.isEmpty && replicas.first.store.mutex(.lock, bytes("l")) == nil)
        let lease = try #require(token(replicas.apply(.leaseGrant(ttlMilliseconds: 100), at: 1)))
        #expect(replicas.first.store.leaseRemainingMilliseconds(lease, at: Int64.max) == 0)
        #expect(replicas.first.store.leaseRemainingMilliseconds(lease, at: Int64.min) == 100)
        try replicas.expectIdentical()
    }

    @Test func aNegativeMemoryLimitIsRefusedAsCommandAndAsEntry() {
        var store = KeyValueStore()
        let configure = KeyValueEntry(
            requestID: 1,
            timeMilliseconds: 0,
            command: .configure(maxMemoryBytes: -1, policy: nil)
        )
        #expect(
            store.applyReporting(configure, at: 1).result
                == .error(
                    KeyValueError(
                        .invalidRequest,
                        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
                    )
                )
        )
        #expect(throws: ByteReader.Failure.self) { try KeyValueEntry(decoding: configure.encoded) }
        #expect(store.memoryLimit == MemoryLimit())
    }

    @Test func snapshotsOfImpossibleStatesAreRefused() throws {
        var driver = StoreDriver()
        _ = driver.apply(set("a", "1", .always, .afterMilliseconds(50)), at: 10)
        let snapshot = driver.store.snapshotBytes
        #expect(try KeyValueStore(snapshotBytes: snapshot) == driver.store)
        // Layout: version, applied index, revision, clock, record count, then the record "a".
        let damaged: [(String, (inout [UInt8]) -> Void)] = [
            ("revision after the applied index", { overwrite(&$0, at: 9, with: 2) }),
            ("applied index past the counters' limit", { overwrite(&$0, at: 1, with: UInt64.max) }),
            ("negative clock", { overwrite(&$0, at: 17, with: UInt64(bitPattern: -1)) }),
            ("expiry flag 2", { $0[43] = 2 }),
            ("create revision after modify revision", { overwrite(&$0, at: 52, with: 2) }),
        ]
        for (what, damage) in damaged {
            var bytes = snapshot
            damage(&bytes)
            #expect(throws: ByteReader.Failure.self, "\(what)") { try KeyValueStore(snapshotBytes: bytes) }
        }
    }

    /// Every Redis-word command the store runs (and every read a transaction may carry), with
    /// hostile word lists, on a store holding a string, a hash, a counter and a key with a
    /// TTL: nothing traps, and the replicas and a replay agree.
    @Test(arguments: 1...4 as ClosedRange<UInt64>)
    func anyWordsForAnyRedisCommandApplyAlikeEverywhere(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var replicas = ReplicaPair()
        let names = (Array(RedisWordCommands.writeArities.keys) + Array(RedisWordCommands.readArities.keys)).sorted()
        var time: Int64 = 1_000
        for step in 0..<5_000 {
            if step % 60 == 0 { prefill(&replicas, at: time) }
            time += Int64(random.nextIndex(below: 40))
            let chosen = names[random.nextIndex(below: names.count)]
            var name = bytes(chosen)
            if random.nextBool(probability: 0.3) { name = bytes(KeyValueStore.uppercased(name)) }
            if random.nextBool(probability: 0.02) { name = hostileWord(&random) }
            // Half the time as many arguments as the command takes at least, so that most
            // word lists get past the arity check to the arguments' values.
            let arity = abs(RedisWordCommands.writeArities[chosen] ?? RedisWordCommands.readArities[chosen] ?? 1)
            let count = random.nextBool(probability: 0.5) ? arity - 1 : random.nextIndex(below: 7)
            let words = [name] + (0..<count).map { _ in hostileWord(&random) }
            #expect(
                replicas.first.store.read(.redis(words: words), at: time)
                    == replicas.second.store.read(.redis(words: words), at: time)
            )
            switch random.nextIndex(below: 4) {
            case 0:
                _ = replicas.apply(.transaction(versions: [], steps: [.read(.redis(words: words))]), at: time)
            case 1:
                _ = replicas.apply(.transaction(versions: [], steps: [.write(.redis(words: words))]), at: time)
            default:
                _ = replicas.apply(.redis(words: words), at: time)
            }
        }
        try replicas.expectIdentical()
    }

    /// Random bytes, and valid entries with bytes changed, cut or added: decoding answers an
    /// entry or a typed error, a decoded current-format entry encodes back to the same bytes,
    /// and applying the bytes answers alike on two replicas.
    @Test(arguments: 1...4 as ClosedRange<UInt64>)
    func decodingAnyBytesNeverTraps(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var replicas = ReplicaPair()
        prefill(&replicas, at: 1_000)
        for _ in 0..<2_000 {
            let noise = (0..<random.nextIndex(below: 80)).map { _ in UInt8(random.nextIndex(below: 256)) }
            checkDecoding(noise, &replicas)
        }
        for sample in Self.sampleEntries {
            let valid = sample.encoded
            #expect(try KeyValueEntry(decoding: valid) == sample)
            for _ in 0..<300 {
                var mutated = valid
                for _ in 0...random.nextIndex(below: 3) {
                    let position = random.nextIndex(below: mutated.count + 1)
                    switch random.nextIndex(below: 4) {
                    case 0 where position < mutated.count: mutated.remove(at: position)
                    case 1: mutated.insert(UInt8(random.nextIndex(below: 256)), at: position)
                    case 2: mutated.removeSubrange(min(position, mutated.count)...)
                    default:
                        if position < mutated.count { mutated[position] = UInt8(random.nextIndex(below: 256)) }
                    }
                }
                checkDecoding(mutated, &replicas)
            }
        }
        try replicas.expectIdentical()
    }

    static let sampleEntries: [KeyValueEntry] = {
        let commands: [KeyValueCommand] = [
            set("k", "v", .ifAbsent, .afterMilliseconds(5_000), get: true),
            .compareAndSet(key: bytes("k"), expected: nil, new: bytes("w"), expiry: .atMilliseconds(9_000)),
            .expire(key: bytes("k"), expiry: .afterMilliseconds(100), condition: .ifEarlierAndHasExpiry),
            .increment(key: bytes("n"), by: -3),
            .multiSet(pairs: [KeyValuePair(key: bytes("a"), value: bytes("1"))]),
            .acquire(
                kind: .lock,
                name: bytes("l"),
                owner: bytes("o"),
                ttlMilliseconds: 50,
                waitMilliseconds: 9,
                lease: 1
            ),
            .fenced(lock: bytes("l"), token: 1, command: .withLease(lease: 1, command: set("x", "y"))),
            .configure(maxMemoryBytes: 1 << 30, policy: .allKeysLRU),
            redis("SETRANGE", "k", "7", "xyz"), redis("GETEX", "k", "PX", "9"), redis("HINCRBY", "h", "f", "2"),
            .transaction(
                versions: [KeyVersion(key: bytes("k"), revision: 3)],
                steps: [
                    .read(.redis(words: [bytes("SCAN"), bytes("0")])), .write(redis("INCRBYFLOAT", "f", "0.5")),
                    .read(.timeToLive(key: bytes("k"), inMilliseconds: false)),
                ]
            ),
        ]
        return commands.enumerated().map { index, command in
            KeyValueEntry(requestID: UInt64(index + 1), timeMilliseconds: 2_000, command: command, origin: 7)
        }
    }()

    /// Both leases of one transaction were given the entry's revision as their id: the second
    /// replaced the first, whose deadline then found no lease to end, and every replica trapped
    /// when the first TTL ran out.
    @Test func twoLeasesGrantedInOneTransactionAreTwoLeases() throws {
        var replicas = ReplicaPair()
        let grants: [TransactionStep] = [
            .write(.leaseGrant(ttlMilliseconds: 100)), .write(.leaseGrant(ttlMilliseconds: 500)),
        ]
        guard case .array(let ids) = replicas.apply(.transaction(versions: [], steps: grants), at: 1_000),
            case .integer(let first) = ids.first, case .integer(let second) = ids.last
        else { Issue.record("the grants were not both answered with ids"); return }
        #expect(first != second)
        // The second id is past the entry's revision, and a snapshot taken now restores.
        try replicas.expectIdentical()
        #expect(replicas.apply(.leaseGrant(ttlMilliseconds: 100), at: 1_001) != .integer(second))
        #expect(replicas.apply(.leaseKeepAlive(id: UInt64(second)), at: 1_050) == .integer(500))
        // The first lease ends alone; the second lives on to its own deadline.
        #expect(replicas.apply(set("k", "v"), at: 1_200) == .ok)
        #expect(
            replicas.apply(.leaseKeepAlive(id: UInt64(first)), at: 1_201)
                == .error(KeyValueError(.notFound, "ERR lease \(first) not found"))
        )
        #expect(replicas.apply(.leaseKeepAlive(id: UInt64(second)), at: 1_202) == .integer(500))
        try replicas.expectIdentical()
    }
}

func invalidExpire(_ name: String) -> KeyValueResult {
    .error(KeyValueError(.outOfRange, "ERR invalid expire time in '\(name)' command"))
}

/// A string, a hash, a counter and a key with a TTL.
func prefill(_ replicas: inout ReplicaPair, at time: Int64) {
    _ = replicas.apply(set("s", "hello"), at: time)
    _ = replicas.apply(redis("HSET", "h", "f", "1", "g", "x"), at: time)
    _ = replicas.apply(set("n", "10"), at: time)
    _ = replicas.apply(set("t", "v", .always, .afterMilliseconds(300)), at: time)
}

/// Words a buggy or hostile node might put in an entry: numbers at and past the 64-bit limits,
/// non-numbers, the prefilled keys, options, and random bytes.
func hostileWord(_ random: inout SeededGenerator) -> [UInt8] {
    let words = [
        "", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "-1", "0", "1", "nan", "inf",
        "1e308", "-1e308", "0.1", "s", "h", "n", "t", "f", "g", "EX", "PX", "EXAT", "PXAT", "PERSIST", "MATCH",
        "COUNT", "TYPE", "NOVALUES", "ENCODING", "SYNC", "*",
    ]
    let pick = random.nextIndex(below: words.count + 4)
    guard pick >= words.count else { return bytes(words[pick]) }
    return (0..<random.nextIndex(below: 9)).map { _ in UInt8(random.nextIndex(below: 256)) }
}

/// Decodes `bytes` (an entry or a typed error; the current format round-trips exactly) and
/// applies them to both replicas.
func checkDecoding(_ bytes: [UInt8], _ replicas: inout ReplicaPair) {
    do {
        let entry = try KeyValueEntry(decoding: bytes)
        if bytes.first == KeyValueEntry.formatVersion { #expect(entry.encoded == bytes) }
    } catch {
        // Any `ByteReader.Failure` will do: the bytes are refused, not trusted.
    }
    _ = replicas.apply(encoded: bytes)
}

func overwrite(_ bytes: inout [UInt8], at offset: Int, with value: UInt64) {
    for position in 0..<8 { bytes[offset + position] = UInt8(truncatingIfNeeded: value >> (8 * position)) }
}
