import SynodCore
import SynodKeyValue
import SynodRuntime

/// A committed log entry, which may come from an older or buggier node: every replica must
/// decode it or refuse it alike, and apply what decodes without trapping.
///
/// The input is tried twice: as an encoded `KeyValueEntry`, and as the words of a Redis
/// command (split at spaces), run as a write (`KeyValueCommand.redis`) and as a read.
enum EntryFuzzTarget {
    /// Words run per input; a command has far fewer, this only bounds the work.
    static let wordsMax = 64

    static func run(_ input: [UInt8]) {
        runEncoded(input)
        runWords(input)
    }

    static func runEncoded(_ input: [UInt8]) {
        let entry: KeyValueEntry
        do {
            entry = try KeyValueEntry(decoding: input)
        } catch {
            return  // refused, as every replica refuses it: what most inputs get
        }
        checkRoundTrip(entry)
        var store = FuzzFixtures.store
        FuzzFixtures.apply(entry, to: &store)
        // What the entry left (a wait, a lease, a TTL) meets the deadlines of a later entry.
        FuzzFixtures.apply(
            FuzzFixtures.entry(.sweep, requestID: 0, time: FuzzFixtures.startMilliseconds + 3_600_000),
            to: &store
        )
        FuzzFixtures.checkSnapshotRoundTrip(store)
    }

    static func runWords(_ input: [UInt8]) {
        let words = input.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).prefix(wordsMax)
            .map { Array($0) }
        guard !words.isEmpty else { return }
        var store = FuzzFixtures.store
        _ = store.read(.redis(words: words), at: FuzzFixtures.commandMilliseconds)
        let entry = FuzzFixtures.entry(.redis(words: words), requestID: 1, time: FuzzFixtures.commandMilliseconds)
        checkRoundTrip(entry)
        FuzzFixtures.apply(entry, to: &store)
        FuzzFixtures.checkSnapshotRoundTrip(store)
    }

    /// An entry's encoding decodes to the same entry.
    static func checkRoundTrip(_ entry: KeyValueEntry) {
        do {
            let decoded = try KeyValueEntry(decoding: entry.encoded)
            precondition(decoded == entry, "an entry re-encoded decodes to a different entry")
        } catch {
            preconditionFailure("an entry's own encoding does not decode: \(error)")
        }
    }
}

extension EntryFuzzTarget {
    static var seeds: [FuzzSeed] {
        let word = FuzzFixtures.word
        let set = KeyValueCommand.set(
            key: word("string"),
            value: word("v2"),
            condition: .ifPresent,
            expiry: .afterMilliseconds(5_000),
            returnPrevious: true
        )
        let commands: [(String, KeyValueCommand)] = [
            ("set", set),
            ("delete", .delete(keys: [word("string"), word("missing")])),
            ("expire", .expire(key: word("counter"), expiry: .atMilliseconds(1_800_000_000_000), condition: .ifLater)),
            ("increment", .increment(key: word("counter"), by: 1)),
            ("multi-set", .multiSet(pairs: [KeyValuePair(key: word("a"), value: word("1"))])),
            (
                "compare-and-set",
                .compareAndSet(key: word("string"), expected: word("value"), new: word("x"), expiry: .keep)
            ),
            ("lease-keep-alive", .leaseKeepAlive(id: 1)),
            (
                "stream-refused-after-lookup",
                .stream(
                    .refusedAfterLookup(
                        LookupFirstRefusal(
                            keys: [word("stream")],
                            kinds: .stream,
                            group: word("group"),
                            absent: .noGroup,
                            error: KeyValueError(.invalidRequest, "ERR Invalid min-idle-time argument for XCLAIM")
                        )
                    )
                )
            ),
            (
                "settle-held-pops",
                .settleHeldPops(
                    delivered: [RequestKey(session: 1, requestID: 2)],
                    returned: [RequestKey(session: 9, requestID: 101)]
                )
            ),
            ("lock-release", .release(kind: .lock, name: word("lock"), owner: word("owner-a"))),
            ("fenced", .fenced(lock: word("lock"), token: 1, command: set)),
            ("with-lease", .withLease(lease: 1, command: set)),
            ("redis-words", .redis(words: FuzzFixtures.words("setrange string 2 abc"))),
            ("string-write", .string(.setRange(key: word("string"), offset: 2, value: word("abc")))),
            ("string-getex", .string(.getExpiring(key: word("string"), expiry: .afterMilliseconds(5_000)))),
            (
                "hash-write",
                .hash(.incrementByFloat(key: word("hash"), field: word("field-1"), increment: word("1.5")))
            ),
            ("list-move", .list(.move(source: word("list"), destination: word("list-2"), from: .left, to: .right))),
            ("list-remove", .list(.remove(key: word("list"), count: -1, element: word("a")))),
            ("set-pop", .redisSet(.pop(key: word("set"), count: 2))),
            (
                "set-store",
                .redisSet(
                    .store(operation: .difference, destination: word("list"), keys: FuzzFixtures.words("set list"))
                )
            ),
            (
                "zset-add",
                .sortedSet(
                    .add(
                        key: word("zset"),
                        options: [.onlyGreater, .countChanged],
                        members: [ScoredMember(member: word("c"), score: -0.5)]
                    )
                )
            ),
            (
                "zset-store",
                .sortedSet(
                    .store(
                        destination: word("zset-2"),
                        combination: SortedSetCombination(
                            .union,
                            keys: FuzzFixtures.words("zset set"),
                            weights: [2, 0.5],
                            aggregate: .max
                        )
                    )
                )
            ),
            (
                "zset-range-store",
                .sortedSet(
                    .rangeStore(
                        destination: word("zset-3"),
                        source: word("zset"),
                        selection: SortedSetSelection(
                            .score(
                                min: ScoreBound(0, isExclusive: true),
                                max: ScoreBound(.infinity, isExclusive: false)
                            ),
                            reverse: true,
                            offset: 0,
                            limit: 1
                        )
                    )
                )
            ),
            (
                "stream-add",
                .stream(
                    .add(
                        key: word("stream"),
                        id: .milliseconds(7),
                        fields: FuzzFixtures.words("f v"),
                        trim: StreamTrim(.minimumID(StreamID(1, 2)), approximate: true, limit: 100),
                        makeStream: false
                    )
                )
            ),
            (
                "stream-claim",
                .stream(
                    .claim(
                        key: word("stream"),
                        group: word("group"),
                        consumer: word("other"),
                        minimumIdleMilliseconds: 0,
                        ids: [StreamID(1, 0), .max],
                        options: {
                            var options = StreamClaimOptions()
                            options.retryCount = 3
                            options.force = true
                            options.lastID = StreamID(5, 5)
                            return options
                        }()
                    )
                )
            ),
            (
                "stream-auto-claim",
                .stream(
                    .autoClaim(
                        key: word("stream"),
                        group: word("group"),
                        consumer: word("other"),
                        minimumIdleMilliseconds: 10,
                        start: .zero,
                        count: 2,
                        justID: true
                    )
                )
            ),
            ("rename", .rename(source: word("string"), destination: word("moved"), onlyIfAbsent: true)),
            ("copy", .copy(source: word("list"), destination: word("string"), replace: true)),
            ("flushall", .flushAll),
            (
                "transaction",
                .transaction(
                    versions: [KeyVersion(key: word("string"), revision: 1)],
                    steps: [
                        .write(set), .read(.get(key: word("string"))),
                        .read(.redis(words: FuzzFixtures.words("hgetall hash"))),
                        .read(.string(.range(key: word("string"), start: -3, end: .max))),
                        .read(.hash(.scan(key: word("hash"), cursor: 0, options: .success(ScanOptions(count: 5))))),
                        .read(.list(.range(key: word("list"), start: -2, stop: .max))),
                        .read(.redisSet(.combine(operation: .union, keys: FuzzFixtures.words("set hash")))),
                        .read(
                            .sortedSet(
                                .range(
                                    key: word("zset"),
                                    selection: SortedSetSelection(
                                        .lex(min: .lowest, max: .inclusive(word("b"))),
                                        reverse: false
                                    ),
                                    withScores: false
                                )
                            )
                        ),
                        .read(.keyspace(.scan(cursor: 7, options: ScanOptions(pattern: word("*"), type: "hash")))),
                        .read(.stream(.range(key: word("stream"), start: .zero, end: .max, count: 2, reverse: true))),
                        .read(
                            .stream(
                                .pending(
                                    key: word("stream"),
                                    group: word("group"),
                                    range: StreamRead.PendingRange(
                                        start: .zero,
                                        end: .max,
                                        count: 5,
                                        minimumIdleMilliseconds: 0,
                                        consumer: word("consumer")
                                    )
                                )
                            )
                        ),
                    ]
                )
            ),
            ("evict", .evict(keys: [word("expiring")])),
            ("configure", .configure(maxMemoryBytes: 100, policy: .allKeysLRU)),
        ]
        let encoded = commands.map { name, command in
            FuzzSeed(
                "entry-" + name,
                KeyValueEntry(
                    requestID: 7,
                    timeMilliseconds: FuzzFixtures.commandMilliseconds,
                    command: command,
                    origin: 1 << 32 | 3
                ).encoded
            )
        }
        let words = [
            "hincrbyfloat hash field-1 1.5", "getex expiring persist", "rename string renamed", "getrange string 0 -1",
            "scan 0 match * count 10", "incrbyfloat counter 1e3",
        ]
        return encoded + words.map { FuzzSeed("words-" + $0.split(separator: " ")[0], word($0)) }
    }
}
