import SynodCore

/// A read, served from the state machine once it is linearizable to do so (or from a
/// follower's own state after READONLY).
public enum ReadCommand: Hashable, Sendable {
    case get(key: [UInt8])
    case multiGet(keys: [[UInt8]])
    case exists(keys: [[UInt8]])
    /// TTL (seconds) or PTTL (milliseconds).
    case timeToLive(key: [UInt8], inMilliseconds: Bool)
    case keyCount
    case lockInfo(name: [UInt8])
    case electionLeader(name: [UInt8])
    case leaseTimeToLive(id: UInt64)
    /// SERVICE.LIST: the live instances of a service, as [instance, address, metadata].
    case serviceInstances(service: [UInt8])
    // The typed reads are indirect: laid out inline, Swift 6.3.1 copied this enum wrongly
    // (copies of other cases read bad pointers, `TypedReadTests.everyReadSurvivesCopies`).
    /// STRLEN, GETRANGE.
    indirect case string(StringRead)
    /// EXPIRETIME, TYPE, KEYS, SCAN, RANDOMKEY, OBJECT ENCODING.
    indirect case keyspace(KeyspaceRead)
    /// The hash reads.
    indirect case hash(HashRead)
    /// LRANGE, LLEN, LINDEX, LPOS.
    indirect case list(ListRead)
    /// SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SRANDMEMBER, SINTER, SUNION, SDIFF, SINTERCARD,
    /// SSCAN (Redis's set type).
    indirect case redisSet(SetRead)
    /// The sorted set reads (ZRANGE and its forms, ZCARD, ZCOUNT, ZSCORE, ZRANK, ...).
    indirect case sortedSet(SortedSetRead)
    /// XRANGE, XREVRANGE, XLEN, XREAD (without BLOCK), XPENDING, XINFO.
    indirect case stream(StreamRead)
    /// One of the wider reads as its words, as a node before the typed reads forwarded it or
    /// logged it in a transaction: served as the typed read the words parse to.
    case redis(words: [[UInt8]])
    /// WATCH: each key's version (modify revision, 0 if absent), to check at EXEC.
    case keyVersions(keys: [[UInt8]])
    /// The store's revision: where a watch "from now on" starts, read through the leader so
    /// that "now" includes every write acknowledged before it.
    case revision
    /// CONFIG GET maxmemory / maxmemory-policy: the replicated memory limit, as
    /// [max bytes, policy name], read through the leader so it shows every CONFIG SET
    /// acknowledged before it.
    case memoryLimit
}

extension KeyValueStore {
    /// Answers a read at `now` (the serving node's clock; the store's own clock never goes back).
    public func read(
        _ command: ReadCommand,
        at now: Int64,
        randomIndex: (Int) -> Int = { _ in 0 }
    ) -> KeyValueResult {
        switch command {
        case .string(let read):
            return answer(read, at: now)
        case .keyspace(let read):
            return answer(read, at: now, randomIndex: randomIndex)
        case .hash(let read):
            return answer(read, at: now, randomIndex: randomIndex)
        case .list(let read):
            return answer(read, at: now)
        case .redisSet(let read):
            return answer(read, at: now, randomIndex: randomIndex)
        case .sortedSet(let read):
            return answer(read, at: now, randomIndex: randomIndex)
        case .stream(let read):
            return answer(read, at: now)
        case .redis(let words):
            return readWords(words, at: now, randomIndex: randomIndex)
        case .keyVersions(let keys):
            return .array(keys.map { .integer(Int64(record(of: $0, at: now)?.modifyRevision ?? 0)) })
        case .revision:
            // Revisions stay below 2^62 (snapshots refuse more), so the conversion is exact.
            return .integer(Int64(revision))
        case .memoryLimit:
            return .array([.integer(Int64(memoryLimit.maxBytes)), .status(memoryLimit.policy.rawValue)])
        case .get(let key):
            // One lookup: GET is the read most often served.
            guard let record = record(of: key, at: now) else { return .null }
            return record.isString ? .value(record.value) : .error(Self.wrongType)
        case .multiGet(let keys):
            return .values(keys.map { value(of: $0, at: now) })
        case .exists(let keys):
            return .integer(Int64(keys.filter { record(of: $0, at: now) != nil }.count))
        case .timeToLive(let key, let inMilliseconds):
            let remaining = remainingMilliseconds(of: key, at: now)
            guard remaining >= 0, !inMilliseconds else { return .integer(remaining) }
            // Rounded to the nearest second as Redis does with (ms + 500) / 1000, without
            // overflow for an expiry near Int64.max.
            return .integer(remaining / 1000 + (remaining % 1000 >= 500 ? 1 : 0))
        case .keyCount:
            return .integer(Int64(keyCount))
        case .lockInfo(let name):
            return lockInfo(.lock, name, at: now)
        case .electionLeader(let name):
            return electionLeader(name)
        case .leaseTimeToLive(let id):
            return .integer(leaseRemainingMilliseconds(id, at: now))
        case .serviceInstances(let service):
            let prefix = Self.serviceRegistryPrefix(of: service)
            let instances = serviceKeys.filter { $0.starts(with: prefix) && value(of: $0, at: now) != nil }
                .sorted { $0.lexicographicallyPrecedes($1) }
            return .array(
                instances.map { key in
                    let stored = records[key]!.value
                    let newline = stored.firstIndex(of: UInt8(ascii: "\n")) ?? stored.endIndex
                    return .array([
                        .value(Array(key.dropFirst(prefix.count))), .value(Array(stored[..<newline])),
                        .value(newline < stored.endIndex ? Array(stored[(newline + 1)...]) : []),
                    ])
                }
            )
        }
    }
}

extension ReadCommand {
    /// The keys whose use the read counts (for LRU and LFU eviction): those whose value it
    /// reads. As in Redis, EXISTS, TTL, TYPE and OBJECT do not touch their key.
    /// (Called per read served: no array is made for a single key.)
    public func forEachTouchedKey(_ body: ([UInt8]) -> Void) {
        switch self {
        case .get(let key): body(key)
        case .multiGet(let keys): keys.forEach(body)
        case .string(let read): body(read.key)
        case .hash(let read): body(read.key)
        case .list(let read): body(read.key)
        case .redisSet(let read): read.keys.forEach(body)
        case .sortedSet(let read): read.keys.forEach(body)
        case .stream(let read): read.keys.forEach(body)
        case .redis(let words): if words.count > 1 { body(words[1]) }
        case .exists, .timeToLive, .keyCount, .lockInfo, .electionLeader, .leaseTimeToLive, .serviceInstances,
            .keyspace, .keyVersions, .revision, .memoryLimit:
            break
        }
    }
}

/// The binary forms of reads and results, for requests a follower forwards to its leader.
extension ReadCommand {
    static let keysMax = 1 << 20

    public func write(to writer: inout ByteWriter) {
        switch self {
        case .get(let key):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
        case .multiGet(let keys):
            writer.write(UInt8(2))
            KeyValueEntry.write(keys, to: &writer)
        case .exists(let keys):
            writer.write(UInt8(3))
            KeyValueEntry.write(keys, to: &writer)
        case .timeToLive(let key, let inMilliseconds):
            writer.write(UInt8(inMilliseconds ? 5 : 4))
            writer.writeLengthPrefixed(key)
        case .keyCount:
            writer.write(UInt8(6))
        case .lockInfo(let name):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(name)
        case .electionLeader(let name):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(name)
        case .leaseTimeToLive(let id):
            writer.write(UInt8(9))
            writer.write(id)
        case .serviceInstances(let service):
            writer.write(UInt8(10))
            writer.writeLengthPrefixed(service)
        case .redis(let words):
            writer.write(UInt8(11))
            KeyValueEntry.write(words, to: &writer)
        case .keyVersions(let keys):
            writer.write(UInt8(12))
            KeyValueEntry.write(keys, to: &writer)
        case .revision:
            writer.write(UInt8(13))
        case .memoryLimit:
            writer.write(UInt8(14))
        case .string(let read):
            writer.write(UInt8(15))
            read.write(to: &writer)
        case .keyspace(let read):
            writer.write(UInt8(16))
            read.write(to: &writer)
        case .hash(let read):
            writer.write(UInt8(17))
            read.write(to: &writer)
        case .list(let read):
            writer.write(UInt8(18))
            read.write(to: &writer)
        case .redisSet(let read):
            writer.write(UInt8(19))
            read.write(to: &writer)
        case .sortedSet(let read):
            writer.write(UInt8(20))
            read.write(to: &writer)
        case .stream(let read):
            writer.write(UInt8(21))
            read.write(to: &writer)
        }
    }

    public init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1: self = .get(key: try reader.readLengthPrefixedBytes())
        case 2: self = .multiGet(keys: try KeyValueEntry.readKeys(from: &reader))
        case 3: self = .exists(keys: try KeyValueEntry.readKeys(from: &reader))
        case 4: self = .timeToLive(key: try reader.readLengthPrefixedBytes(), inMilliseconds: false)
        case 5: self = .timeToLive(key: try reader.readLengthPrefixedBytes(), inMilliseconds: true)
        case 6: self = .keyCount
        case 7: self = .lockInfo(name: try reader.readLengthPrefixedBytes())
        case 8: self = .electionLeader(name: try reader.readLengthPrefixedBytes())
        case 9: self = .leaseTimeToLive(id: try reader.readUInt64())
        case 10: self = .serviceInstances(service: try reader.readLengthPrefixedBytes())
        case 11: self = .redis(words: try KeyValueEntry.readKeys(from: &reader))
        case 12: self = .keyVersions(keys: try KeyValueEntry.readKeys(from: &reader))
        case 13: self = .revision
        case 14: self = .memoryLimit
        case 15: self = .string(try StringRead(reading: &reader))
        case 16: self = .keyspace(try KeyspaceRead(reading: &reader))
        case 17: self = .hash(try HashRead(reading: &reader))
        case 18: self = .list(try ListRead(reading: &reader))
        case 19: self = .redisSet(try SetRead(reading: &reader))
        case 20: self = .sortedSet(try SortedSetRead(reading: &reader))
        case 21: self = .stream(try StreamRead(reading: &reader))
        case let kind: throw .invalid("read kind \(kind)")
        }
    }
}

extension KeyValueResult {
    /// Results nest (arrays, maps) at most this deep.
    static let nestingMax = 8

    public func write(to writer: inout ByteWriter) {
        switch self {
        case .ok:
            writer.write(UInt8(1))
        case .null:
            writer.write(UInt8(2))
        case .integer(let value):
            writer.write(UInt8(3))
            writer.write(UInt64(bitPattern: value))
        case .value(let bytes):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(bytes)
        case .values(let values):
            writer.write(UInt8(5))
            writer.write(UInt32(values.count))
            for value in values {
                writer.write(UInt8(value == nil ? 0 : 1))
                writer.writeLengthPrefixed(value ?? [])
            }
        case .error(let error):
            writer.write(UInt8(12))
            error.write(to: &writer)
        case .set(let elements):
            writer.write(UInt8(13))
            writer.write(UInt32(elements.count))
            for element in elements { element.write(to: &writer) }
        case .pairs(let elements):
            writer.write(UInt8(15))
            writer.write(UInt32(elements.count))
            for element in elements { element.write(to: &writer) }
        case .streams(let elements):
            writer.write(UInt8(16))
            writer.write(UInt32(elements.count))
            for element in elements { element.write(to: &writer) }
        case .double(let value):
            writer.write(UInt8(14))
            writer.write(value.bitPattern)
        case .array(let elements), .map(let elements):
            writer.write(UInt8(isMap ? 8 : 7))
            writer.write(UInt32(elements.count))
            for element in elements { element.write(to: &writer) }
        case .waiting:
            writer.write(UInt8(9))
        case .status(let text):
            writer.write(UInt8(10))
            writer.writeLengthPrefixed(Array(text.utf8))
        case .nullArray:
            writer.write(UInt8(11))
        }
    }

    var isMap: Bool {
        if case .map = self { true } else { false }
    }

    public init(reading reader: inout ByteReader, depth: Int = 0) throws(ByteReader.Failure) {
        guard depth < Self.nestingMax else { throw .invalid("results nested over \(Self.nestingMax) deep") }
        switch try reader.readUInt8() {
        case 1: self = .ok
        case 2: self = .null
        case 3: self = .integer(Int64(bitPattern: try reader.readUInt64()))
        case 4: self = .value(try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax))
        case 5:
            let count = Int(try reader.readUInt32())
            guard count <= ReadCommand.keysMax, count <= reader.remainingCount else {
                throw .invalid("\(count) values")
            }
            var values: [[UInt8]?] = []
            for _ in 0..<count {
                let present = try reader.readUInt8() == 1
                let bytes = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                values.append(present ? bytes : nil)
            }
            self = .values(values)
        case 6:
            self = .error(try KeyValueError(readingStoredMessage: &reader))
        case 12: self = .error(try KeyValueError(reading: &reader))
        // No command answers NaN (it equals nothing, so a result holding one would not equal
        // its own decoding): refused, as NaN scores are.
        case 14: self = .double(try reader.readScore())
        case let kind where kind == 7 || kind == 8 || kind == 13 || kind == 15 || kind == 16:
            let count = Int(try reader.readUInt32())
            guard count <= ReadCommand.keysMax, count <= reader.remainingCount else {
                throw .invalid("\(count) elements")
            }
            var elements: [KeyValueResult] = []
            for _ in 0..<count { elements.append(try KeyValueResult(reading: &reader, depth: depth + 1)) }
            self =
                switch kind {
                case 7: .array(elements)
                case 8: .map(elements)
                case 13: .set(elements)
                case 15: .pairs(elements)
                default: .streams(elements)
                }
        case 9: self = .waiting
        case 11: self = .nullArray
        case 10: self = .status(String(decoding: try reader.readLengthPrefixed(maximumCount: 1 << 16), as: UTF8.self))
        case let kind: throw .invalid("result kind \(kind)")
        }
    }
}
