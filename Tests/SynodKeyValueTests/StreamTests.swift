import SynodCore
import Testing

@testable import SynodKeyValue

/// Streams: the nodes agree with a plain model through appends, deletions and trims, ids
/// come from the log's clock, approximate trims remove whole nodes as Redis's do, and the
/// typed commands (consumer groups included) run alike on every replica and survive the log's
/// encoding and a snapshot.
struct StreamTests {
    static func command(_ text: String) throws -> KeyValueCommand { try SetTests.command(text) }

    static func read(_ text: String) throws -> ReadCommand { try SetTests.read(text) }

    static func entry(_ milliseconds: UInt64, _ sequence: UInt64 = 0) -> StreamEntry {
        StreamEntry(id: StreamID(milliseconds, sequence), fields: [bytes("f"), bytes("\(milliseconds)")])
    }

    /// Random appends, deletions and trims (exact and approximate), each followed by ranges
    /// in both directions, lookups and the counters a plain array gives.
    @Test(arguments: [1, 2, 3])
    func nodesAgreeWithAModel(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var stream = StreamValue()
        var model: [StreamEntry] = []
        var next: UInt64 = 1
        for step in 0..<3_000 {
            switch random.nextIndex(below: 10) {
            case 0, 1:
                guard !model.isEmpty else { continue }
                let victim = model[random.nextIndex(below: model.count)].id
                let deleted = stream.delete(victim)
                let deletedAgain = stream.delete(victim)
                #expect(deleted && !deletedAgain)
                model.removeAll { $0.id == victim }
            case 2 where step % 50 == 0:
                let length = Int64(random.nextIndex(below: 400))
                let approximate = random.nextBool(probability: 0.5)
                let removed = stream.trim(
                    StreamTrim(.maxLength(length), approximate: approximate, limit: approximate ? 10_000 : 0)
                )
                if approximate {
                    #expect(Int64(stream.count) >= min(length, Int64(model.count)))
                } else {
                    #expect(Int64(stream.count) == min(length, Int64(model.count)))
                }
                model.removeFirst(removed)
            default:
                let added = Self.entry(next, UInt64(random.nextIndex(below: 3)))
                next += 1 + UInt64(random.nextIndex(below: 3))
                stream.append(added)
                model.append(added)
            }
            #expect(stream.count == model.count)
            #expect(stream.entryBytes == model.reduce(0) { $0 + $1.byteCount })
            #expect(stream.layout.allSatisfy { !$0.entries.isEmpty && $0.entries.count <= $0.slots && $0.slots <= 100 })
            guard step % 61 == 0, !model.isEmpty else { continue }
            let low = model[random.nextIndex(below: model.count)].id
            let high = StreamID(low.milliseconds + UInt64(random.nextIndex(below: 300)), 1)
            let inRange = model.filter { $0.id >= low && $0.id <= high }
            #expect(stream.entries(from: low, to: high) == inRange)
            #expect(stream.entries(from: low, to: high, reverse: true) == inRange.reversed())
            #expect(stream.entries(from: low, to: high, reverse: true, limit: 3) == Array(inRange.reversed().prefix(3)))
            #expect(stream.entries(from: .zero, to: .max, limit: 5) == Array(model.prefix(5)))
            #expect(stream.entry(low) == model.first { $0.id == low })
            #expect(stream.firstID == model.first!.id)
            #expect(StreamValue(nodes: stream.layout).layout.map(\.slots) == stream.layout.map(\.slots))
        }
    }

    /// MAXLEN ~ and MINID ~ remove whole nodes of 100 entries only, and none when LIMIT is
    /// below a node; the exact forms remove to the threshold, leaving the node's slots used.
    @Test func approximateTrimsRemoveWholeNodes() {
        var stream = StreamValue()
        for milliseconds in 1...250 { stream.append(Self.entry(UInt64(milliseconds))) }
        #expect(stream.layout.map(\.slots) == [100, 100, 50])
        #expect(stream.trim(StreamTrim(.maxLength(120), approximate: true, limit: 10_000)) == 100)
        #expect(stream.count == 150)
        #expect(stream.trim(StreamTrim(.maxLength(0), approximate: true, limit: 99)) == 0)
        #expect(stream.trim(StreamTrim(.minimumID(StreamID(240, 0)), approximate: true, limit: 10_000)) == 100)
        #expect(stream.trim(StreamTrim(.maxLength(20))) == 30)
        #expect(stream.firstID == StreamID(231, 0))
        #expect(stream.layout.map(\.slots) == [50])
        stream.append(Self.entry(251))
        #expect(stream.layout.map(\.slots) == [51])
    }

    /// Big entries fill a node by bytes before 100 entries, as Redis 7.0's listpacks do: a
    /// 1000-byte value costs 1012 bytes after a node of 1030 bytes with its first entry,
    /// so a node takes 4 (the fifth would reach 4096). `MINID ~` looks at a node's last
    /// appended id, deleted or not.
    @Test func bigEntriesFillANodeByBytes() {
        var stream = StreamValue()
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 1_000)
        for milliseconds in 1...10 {
            stream.append(StreamEntry(id: StreamID(UInt64(milliseconds), 0), fields: [Array("f".utf8), value]))
        }
        #expect(stream.layout.map(\.slots) == [4, 4, 2])
        #expect(stream.layout.map(\.bytes) == [4066, 4066, 2042])
        let deleted = stream.delete(StreamID(4, 0))
        #expect(deleted)
        let atTheDeletedID = stream.trim(StreamTrim(.minimumID(StreamID(4, 0)), approximate: true, limit: 10_000))
        #expect(atTheDeletedID == 0)
        let pastIt = stream.trim(StreamTrim(.minimumID(StreamID(4, 1)), approximate: true, limit: 10_000))
        #expect(pastIt == 3)
        #expect(stream.layout.map(\.slots) == [4, 2])
    }

    /// A stream from a version 8 snapshot, which kept no node bytes, gets them rebuilt from
    /// its entries, and the rebuilt layout survives a version 9 snapshot unchanged.
    @Test func aVersion8StreamGetsItsNodeBytesRebuilt() throws {
        var stream = StreamValue()
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 1_000)
        for milliseconds in 1...6 {
            stream.append(StreamEntry(id: StreamID(UInt64(milliseconds), 0), fields: [Array("f".utf8), value]))
        }
        var writer = ByteWriter()
        stream.lastID.write(to: &writer)
        stream.maxDeletedID.write(to: &writer)
        writer.write(stream.entriesAdded)
        writer.write(UInt64(stream.layout.count))
        for node in stream.layout {
            writer.write(UInt64(node.slots))
            writer.write(UInt64(node.entries.count))
            for entry in node.entries {
                entry.id.write(to: &writer)
                KeyValueEntry.write(entry.fields, to: &writer)
            }
        }
        writer.write(UInt64(0))  // groups
        var reader = ByteReader(writer.bytes)
        let read = try StreamValue(reading: &reader, version: 8)
        #expect(read == stream)
        var current = ByteWriter()
        read.write(to: &current)
        var currentReader = ByteReader(current.bytes)
        #expect(try StreamValue(reading: &currentReader, version: 9) == stream)
    }

    /// `*` takes the log's time; an entry at the same or an earlier time (a new leader whose
    /// clock is behind) gets the next sequence, so ids only grow.
    @Test func automaticIDsFollowTheLogClock() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("XADD s * a 1"), at: 5_000) == .value(bytes("5000-0")))
        #expect(replicas.apply(try Self.command("XADD s * a 1"), at: 5_000) == .value(bytes("5000-1")))
        #expect(replicas.apply(try Self.command("XADD s * a 1"), at: 4_000) == .value(bytes("5000-2")))
        #expect(replicas.apply(try Self.command("XADD s 9-* a 1"), at: 6_000).isError)
        #expect(replicas.apply(try Self.command("XADD s 5000-* a 1"), at: 6_000) == .value(bytes("5000-3")))
        #expect(replicas.apply(try Self.command("XADD s * a 1"), at: 6_000) == .value(bytes("6000-0")))
        try replicas.expectIdentical()
    }

    static let script: [String] = [
        "XADD s * a 1", "XADD s * b 2", "XADD s MAXLEN 5 * c 3", "XGROUP CREATE s g 0", "XGROUP CREATE s h $",
        "XADD s * d 4", "XREADGROUP GROUP g c1 COUNT 2 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
        "XREADGROUP GROUP h c1 NOACK STREAMS s >", "XACK s g 1000-0", "XCLAIM s g c3 0 1001-0 1002-0",
        "XAUTOCLAIM s g c4 0 0 COUNT 1", "XDEL s 1001-0", "XREADGROUP GROUP g c2 STREAMS s 0",
        "XGROUP CREATECONSUMER s g idle", "XGROUP DELCONSUMER s g c3", "XGROUP SETID s h 0 ENTRIESREAD 0",
        "XSETID s 9999-9", "XADD s MINID ~ 0 * e 5", "XTRIM s MAXLEN 3", "XGROUP DESTROY s h", "SET str v",
        "XADD str * a 1", "XREADGROUP GROUP g c1 STREAMS str >", "XADD empty 1 a 1", "XDEL empty 1",
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
        func answer(_ text: String) throws -> KeyValueResult { store.read(try Self.read(text), at: 3_000) }
        // An emptied stream stays, as in Redis.
        #expect(try answer("XLEN empty") == .integer(0))
        #expect(store.read(.keyspace(.type(key: bytes("empty"))), at: 3_000) == .status("stream"))
        #expect(try answer("XINFO GROUPS s") != .array([]))
        let stream = store.records[bytes("s")]!.stream!
        #expect(stream.lastID == StreamID(9_999, 10))
        #expect(stream.groups[bytes("h")] == nil)
        // c3's pending entries went with it; every pending entry names a consumer of its group.
        let group = stream.groups[bytes("g")]!
        #expect(group.consumers[bytes("c3")] == nil)
        #expect(group.pending.allSatisfy { group.consumers[$0.consumer] != nil })
        #expect(group.consumers.values.reduce(0) { $0 + $1.pendingCount } == group.pending.count)
    }

    /// A group delivers each entry as new once, whichever consumer asks; the pending entries
    /// record who holds what and how often it was delivered, and XPENDING reports them.
    @Test func aGroupDeliversEachEntryOnce() throws {
        var replicas = ReplicaPair()
        for value in 1...10 { _ = replicas.apply(try Self.command("XADD q \(value) job \(value)"), at: 100) }
        _ = replicas.apply(try Self.command("XGROUP CREATE q g 0"), at: 100)
        var delivered: [[UInt8]] = []
        for round in 0..<8 {
            let consumer = "c\(round % 3)"
            let result = replicas.apply(try Self.command("XREADGROUP GROUP g \(consumer) COUNT 3 STREAMS q >"), at: 200)
            guard case .streams(let streams) = result, case .array(let entries) = streams[1] else { continue }
            for case .array(let entry) in entries {
                guard case .value(let id) = entry[0] else { continue }
                delivered.append(id)
            }
        }
        #expect(delivered == (1...10).map { bytes("\($0)-0") })
        _ = replicas.apply(try Self.command("XREADGROUP GROUP g c0 STREAMS q 0"), at: 300)
        let store = replicas.first.store
        #expect(
            store.read(try Self.read("XPENDING q g"), at: 400)
                == .array([
                    .integer(10), .value(bytes("1-0")), .value(bytes("10-0")),
                    .array([
                        .array([.value(bytes("c0")), .value(bytes("4"))]),
                        .array([.value(bytes("c1")), .value(bytes("3"))]),
                        .array([.value(bytes("c2")), .value(bytes("3"))]),
                    ]),
                ])
        )
        // c0's four were delivered again at 300: twice each, idle 100 at 400.
        #expect(
            store.read(try Self.read("XPENDING q g - + 1 c0"), at: 400)
                == .array([.array([.value(bytes("1-0")), .value(bytes("c0")), .integer(100), .integer(2)])])
        )
        try replicas.expectIdentical()
    }
}

extension StreamTests {
    /// Swift 6.3.1 copied enums with large inline payloads wrongly (`TypedReadTests`): every
    /// stream command, write or read, plain, blocking, in a transaction or a result, survives
    /// copies.
    @Test func everyStreamCommandSurvivesCopies() throws {
        var claim = StreamClaimOptions()
        claim.idleMilliseconds = 5
        claim.lastID = StreamID(3, 4)
        let key = bytes("s")
        let writes: [KeyValueCommand] = [
            .stream(
                .add(
                    key: key,
                    id: .milliseconds(5),
                    fields: [bytes("f"), bytes("v")],
                    trim: StreamTrim(.minimumID(.max), approximate: true, limit: 7),
                    makeStream: false
                )
            ),
            .stream(.trim(key: key, trim: StreamTrim(.maxLength(3)))), .stream(.delete(key: key, ids: [.zero, .max])),
            .stream(.setID(key: key, lastID: .max, entriesAdded: 5, maxDeletedID: nil)),
            .stream(.createGroup(key: key, group: bytes("g"), start: nil, makeStream: true, entriesRead: -1)),
            .stream(.setGroupID(key: key, group: bytes("g"), start: .zero, entriesRead: 3)),
            .stream(.destroyGroup(key: key, group: bytes("g"))),
            .stream(.createConsumer(key: key, group: bytes("g"), consumer: bytes("c"))),
            .stream(.deleteConsumer(key: key, group: bytes("g"), consumer: bytes("c"))),
            .stream(
                .readGroup(
                    group: bytes("g"),
                    consumer: bytes("c"),
                    keys: [key, key],
                    after: [nil, .max],
                    count: 2,
                    noAcknowledge: true
                )
            ),
            .stream(.acknowledge(key: key, group: bytes("g"), ids: [.max])),
            .stream(
                .claim(
                    key: key,
                    group: bytes("g"),
                    consumer: bytes("c"),
                    minimumIdleMilliseconds: 1,
                    ids: [.max],
                    options: claim
                )
            ),
            .stream(
                .autoClaim(
                    key: key,
                    group: bytes("g"),
                    consumer: bytes("c"),
                    minimumIdleMilliseconds: 0,
                    start: .zero,
                    count: 100,
                    justID: false
                )
            ),
            try Self.command("XREAD COUNT 2 BLOCK 100 STREAMS a b $ 1-1"),
            try Self.command("XREADGROUP GROUP g c COUNT 2 BLOCK 100 NOACK STREAMS a b > 1"),
        ]
        let reads: [ReadCommand] = [
            .stream(.range(key: key, start: .zero, end: .max, count: nil, reverse: true)), .stream(.length(key: key)),
            .stream(.read(keys: [key], after: [nil], count: 0)), .stream(.pending(key: key, group: key, range: nil)),
            .stream(
                .pending(
                    key: key,
                    group: key,
                    range: StreamRead.PendingRange(
                        start: .zero,
                        end: .max,
                        count: 1,
                        minimumIdleMilliseconds: 2,
                        consumer: key
                    )
                )
            ),
            .stream(.info(.stream(key: key, full: true, count: 3))), .stream(.info(.consumers(key: key, group: key))),
        ]
        let steps = writes.map { TransactionStep.write($0) } + reads.map { TransactionStep.read($0) }
        for step in steps {
            let copies = [TransactionStep](repeating: step, count: 2_000)
            #expect(copies.allSatisfy { $0 == step }, "\(step)")
            let command = KeyValueCommand.transaction(versions: [], steps: copies)
            #expect([command, command] == [KeyValueCommand.transaction(versions: [], steps: copies), command])
            let wrapped = [Result<TransactionStep, KeyValueError>](repeating: .success(step), count: 2_000)
            #expect(wrapped.allSatisfy { $0 == .success(step) }, "\(step)")
            // And through the log's encoding.
            let entry = KeyValueEntry(requestID: 1, timeMilliseconds: 1, command: command)
            #expect(try KeyValueEntry(decoding: entry.encoded) == entry)
        }
    }
}

/// XREAD and XREADGROUP with BLOCK: served at once when they can be, otherwise waiting in
/// the replicated lines of the blocking commands until an entry arrives, their timeout passes
/// on the log's clock, or (a group read) their group is destroyed.
struct BlockingStreamTests {
    static func command(_ text: String) throws -> KeyValueCommand { try SetTests.command(text) }

    static func entries(_ key: String, _ ids: [String], field: String = "f", value: String = "v") -> KeyValueResult {
        .streams([
            .value(bytes(key)),
            .array(ids.map { .array([.value(bytes($0)), .array([.value(bytes(field)), .value(bytes(value))])]) }),
        ])
    }

    @Test func anEntryWakesEveryReaderAndOneGroupReaderTakesIt() throws {
        var replicas = ReplicaPair()
        #expect(replicas.apply(try Self.command("XADD s 1 f v"), at: 1) == .value(bytes("1-0")))
        #expect(replicas.apply(try Self.command("XGROUP CREATE s g $"), at: 1) == .ok)
        // `$` is the last id when the reader blocks: entry 1-0 is not for it.
        #expect(replicas.apply(try Self.command("XREAD BLOCK 0 STREAMS s $"), at: 2) == .waiting)
        let reader = replicas.first.requestID
        #expect(replicas.apply(try Self.command("XREAD COUNT 5 BLOCK 0 STREAMS none s 0-5 1"), at: 2) == .waiting)
        let otherReader = replicas.first.requestID
        #expect(replicas.apply(try Self.command("XREADGROUP GROUP g c1 BLOCK 0 STREAMS s >"), at: 3) == .waiting)
        let firstConsumer = replicas.first.requestID
        #expect(replicas.apply(try Self.command("XREADGROUP GROUP g c2 BLOCK 0 STREAMS s >"), at: 3) == .waiting)
        let secondConsumer = replicas.first.requestID
        try replicas.expectIdentical()
        #expect(replicas.apply(try Self.command("XADD s 5 f v"), at: 4) == .value(bytes("5-0")))
        #expect(
            replicas.first.events == [
                .answered(ticket: reader, result: Self.entries("s", ["5-0"])),
                .answered(ticket: otherReader, result: Self.entries("s", ["5-0"])),
                .answered(ticket: firstConsumer, result: Self.entries("s", ["5-0"])),
            ]
        )
        // The second consumer waits on; the next entry is its.
        #expect(replicas.apply(try Self.command("XADD s 6 f v"), at: 5) == .value(bytes("6-0")))
        #expect(replicas.first.events == [.answered(ticket: secondConsumer, result: Self.entries("s", ["6-0"]))])
        #expect(replicas.first.store.blockedPops.isEmpty)
        let group = replicas.first.store.records[bytes("s")]!.stream!.groups[bytes("g")]!
        #expect(group.pending.map(\.consumer) == [bytes("c1"), bytes("c2")])
        try replicas.expectIdentical()
    }

    @Test func whatCanBeServedAtOnceIsAndErrorsComeFirst() throws {
        var replicas = ReplicaPair()
        _ = replicas.apply(try Self.command("XADD s 1 f v"), at: 1)
        _ = replicas.apply(try Self.command("XGROUP CREATE s g 0"), at: 1)
        _ = replicas.apply(try Self.command("SET str v"), at: 1)
        #expect(replicas.apply(try Self.command("XREAD BLOCK 0 STREAMS s 0"), at: 2) == Self.entries("s", ["1-0"]))
        #expect(
            replicas.apply(try Self.command("XREADGROUP GROUP g c BLOCK 0 STREAMS s >"), at: 2)
                == Self.entries("s", ["1-0"])
        )
        // A consumer's history is answered at once, even when empty.
        #expect(
            replicas.apply(try Self.command("XREADGROUP GROUP g other BLOCK 0 STREAMS s 0"), at: 2)
                == .streams([.value(bytes("s")), .array([])])
        )
        #expect(
            replicas.apply(try Self.command("XREAD BLOCK 0 STREAMS str 0"), at: 3) == .error(KeyValueStore.wrongType)
        )
        #expect(replicas.apply(try Self.command("XREADGROUP GROUP nog c BLOCK 0 STREAMS s >"), at: 3).isError)
        #expect(replicas.first.store.blockedPops.isEmpty)
    }

    @Test func aWaitEndsAtItsTimeoutOrWhenItsGroupIsDestroyed() throws {
        var replicas = ReplicaPair()
        _ = replicas.apply(try Self.command("XGROUP CREATE s g $ MKSTREAM"), at: 1_000)
        #expect(replicas.apply(try Self.command("XREAD BLOCK 500 STREAMS s $"), at: 1_000) == .waiting)
        let reader = replicas.first.requestID
        #expect(replicas.apply(try Self.command("XREADGROUP GROUP g c BLOCK 0 STREAMS s >"), at: 1_000) == .waiting)
        let consumer = replicas.first.requestID
        #expect(replicas.apply(.sweep, at: 1_499) == .ok)
        #expect(replicas.first.events.isEmpty)
        #expect(replicas.apply(.sweep, at: 1_500) == .ok)
        #expect(replicas.first.events == [.answered(ticket: reader, result: .nullArray)])
        #expect(replicas.apply(try Self.command("XGROUP DESTROY s g"), at: 1_600) == .integer(1))
        #expect(
            replicas.first.events == [
                .answered(
                    ticket: consumer,
                    result: .error(
                        KeyValueError(
                            .notFound,
                            "NOGROUP the consumer group this client was blocked on no longer exists"
                        )
                    )
                )
            ]
        )
        #expect(replicas.first.store.blockedPops.isEmpty)
        // Inside a transaction nothing waits: an empty read answers a null array.
        let transaction = KeyValueCommand.transaction(
            versions: [],
            steps: [.write(try Self.command("XREAD BLOCK 0 STREAMS s $"))]
        )
        #expect(replicas.apply(transaction, at: 1_700) == .array([.nullArray]))
        try replicas.expectIdentical()
    }

    @Test func waitersKeepTheirPlacesThroughASnapshot() throws {
        var replicas = ReplicaPair()
        _ = replicas.apply(try Self.command("XGROUP CREATE s g $ MKSTREAM"), at: 1)
        _ = replicas.apply(try Self.command("XREADGROUP GROUP g c COUNT 1 NOACK BLOCK 0 STREAMS s >"), at: 2)
        _ = replicas.apply(try Self.command("XREAD BLOCK 0 STREAMS s $"), at: 3)
        let restored = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
        #expect(restored == replicas.first.store)
        #expect(restored.blockedPops.waiters.count == 2)
    }
}

extension KeyValueResult {
    var isError: Bool {
        if case .error = self { true } else { false }
    }
}
