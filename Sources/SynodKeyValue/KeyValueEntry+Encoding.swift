import SynodCore
import SynodRuntime

/// The bytes of an entry in the log (and in snapshots' records): a version byte, the request
/// id, the time, then the command. Decoding checks every field: any bytes (a damaged record,
/// a peer's lie, a newer node's format) decode to an entry or throw `ByteReader.Failure`, never
/// trap. Flags are 0 or 1, an absent optional is zeros, and nothing may trail the command.
extension KeyValueEntry {
    /// 2 adds `origin`, 3 `session` and `acknowledgedBelow`; older entries are still read.
    /// Command kinds are only ever added: 24 to 27 (the typed Redis writes) replaced 20 (their
    /// words) for new entries, and 20 is still read.
    static let formatVersion: UInt8 = 3
    /// The largest key or value a decoder accepts (Redis's `proto-max-bulk-len` default).
    static let bytesMax = 512 << 20
    /// The most keys or pairs one command may name.
    static let keysMax = 1 << 20

    public var encoded: [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + command.valueBytesHint)
        writer.write(Self.formatVersion)
        writer.write(requestID)
        writer.write(UInt64(bitPattern: timeMilliseconds))
        writer.write(origin)
        writer.write(session)
        writer.write(acknowledgedBelow)
        Self.write(command, to: &writer)
        return writer.bytes
    }

    /// Commands wrapping commands (`fenced`, `withLease`) nest at most this deep.
    static let nestingMax = 3

    static func write(_ command: KeyValueCommand, to writer: inout ByteWriter) {
        switch command {
        case .set(let key, let value, let condition, let expiry, let returnPrevious):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(value)
            Self.write(condition, to: &writer)
            Self.write(expiry, to: &writer)
            writer.write(UInt8(returnPrevious ? 1 : 0))
        case .delete(let keys):
            writer.write(UInt8(2))
            Self.write(keys, to: &writer)
        case .expire(let key, let expiry, let condition):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            Self.write(expiry, to: &writer)
            writer.write(Self.code(of: condition))
        case .persist(let key):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
        case .increment(let key, let amount):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: amount))
        case .multiSet(let pairs):
            writer.write(UInt8(6))
            write(pairs, to: &writer)
        case .compareAndSet(let key, let expected, let new, let expiry):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.write(UInt8(expected == nil ? 0 : 1))
            writer.writeLengthPrefixed(expected ?? [])
            writer.writeLengthPrefixed(new)
            Self.write(expiry, to: &writer)
        case .compareAndDelete(let key, let expected):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(expected)
        case .removeExpired(let keys):
            writer.write(UInt8(9))
            Self.write(keys, to: &writer)
        case .leaseGrant(let ttl):
            writer.write(UInt8(10))
            writer.write(UInt64(bitPattern: ttl))
        case .leaseKeepAlive(let id):
            writer.write(UInt8(11))
            writer.write(id)
        case .leaseRevoke(let id):
            writer.write(UInt8(12))
            writer.write(id)
        case .extendLeases:
            writer.write(UInt8(13))
        case .sweep:
            writer.write(UInt8(14))
        case .acquire(let kind, let name, let owner, let ttl, let wait, let lease):
            writer.write(UInt8(15))
            writer.write(kind.rawValue)
            writer.writeLengthPrefixed(name)
            writer.writeLengthPrefixed(owner)
            writeOptional(ttl.map { UInt64(bitPattern: $0) }, to: &writer)
            writer.write(UInt64(bitPattern: wait))
            writeOptional(lease, to: &writer)
        case .release(let kind, let name, let owner):
            writer.write(UInt8(16))
            writer.write(kind.rawValue)
            writer.writeLengthPrefixed(name)
            writer.writeLengthPrefixed(owner)
        case .refreshLock(let name, let owner, let ttl):
            writer.write(UInt8(17))
            writer.writeLengthPrefixed(name)
            writer.writeLengthPrefixed(owner)
            writer.write(UInt64(bitPattern: ttl))
        case .fenced(let lock, let token, let inner):
            writer.write(UInt8(18))
            writer.writeLengthPrefixed(lock)
            writer.write(token)
            write(inner, to: &writer)
        case .withLease(let lease, let inner):
            writer.write(UInt8(19))
            writer.write(lease)
            write(inner, to: &writer)
        case .redis(let words):
            writer.write(UInt8(20))
            write(words, to: &writer)
        case .string(let write):
            writer.write(UInt8(24))
            write.write(to: &writer)
        case .list(let write):
            writer.write(UInt8(28))
            write.write(to: &writer)
        case .redisSet(let write):
            writer.write(UInt8(29))
            write.write(to: &writer)
        case .sortedSet(let write):
            writer.write(UInt8(32))
            write.write(to: &writer)
        case .stream(let write):
            writer.write(UInt8(33))
            write.write(to: &writer)
        case .hash(let write):
            writer.write(UInt8(25))
            write.write(to: &writer)
        case .rename(let source, let destination, let onlyIfAbsent):
            writer.write(UInt8(26))
            writer.writeLengthPrefixed(source)
            writer.writeLengthPrefixed(destination)
            writer.write(UInt8(onlyIfAbsent ? 1 : 0))
        case .copy(let source, let destination, let replace):
            writer.write(UInt8(30))
            writer.writeLengthPrefixed(source)
            writer.writeLengthPrefixed(destination)
            writer.write(UInt8(replace ? 1 : 0))
        case .unblock(let tickets):
            writer.write(UInt8(31))
            writer.write(UInt64(tickets.count))
            for ticket in tickets { writer.write(ticket) }
        case .settleHeldPops(let delivered, let returned):
            writer.write(UInt8(34))
            for keys in [delivered, returned] {
                writer.write(UInt64(keys.count))
                for key in keys {
                    writer.write(key.session)
                    writer.write(key.requestID)
                }
            }
        case .flushAll:
            writer.write(UInt8(27))
        case .evict(let keys):
            writer.write(UInt8(22))
            write(keys, to: &writer)
        case .configure(let maxBytes, let policy):
            writer.write(UInt8(23))
            // A negative limit (never parsed) encodes as one above Int.max, which decoding refuses.
            writeOptional(maxBytes.map { UInt64(bitPattern: Int64($0)) }, to: &writer)
            writer.writeLengthPrefixed(Array((policy?.rawValue ?? "").utf8))
        case .transaction(let versions, let steps):
            writer.write(UInt8(21))
            writer.write(UInt32(versions.count))
            for version in versions {
                writer.writeLengthPrefixed(version.key)
                writer.write(version.revision)
            }
            writer.write(UInt32(steps.count))
            for step in steps {
                switch step {
                case .write(let inner):
                    writer.write(UInt8(1))
                    write(inner, to: &writer)
                case .read(let read):
                    writer.write(UInt8(2))
                    read.write(to: &writer)
                }
            }
        }
    }

    static func writeOptional(_ value: UInt64?, to writer: inout ByteWriter) {
        writer.write(UInt8(value == nil ? 0 : 1))
        writer.write(value ?? 0)
    }

    static func readFlag(from reader: inout ByteReader) throws(ByteReader.Failure) -> Bool {
        let flag = try reader.readUInt8()
        guard flag <= 1 else { throw .invalid("flag \(flag)") }
        return flag == 1
    }

    static func readOptional(from reader: inout ByteReader) throws(ByteReader.Failure) -> UInt64? {
        let present = try reader.readUInt8()
        let value = try reader.readUInt64()
        guard present == 1 || (present == 0 && value == 0) else { throw .invalid("optional flag \(present)") }
        return present == 1 ? value : nil
    }

    static func readMutexKind(from reader: inout ByteReader) throws(ByteReader.Failure) -> MutexKind {
        let code = try reader.readUInt8()
        guard let kind = MutexKind(rawValue: code) else { throw .invalid("mutex kind \(code)") }
        return kind
    }

    public init(decoding encoded: [UInt8]) throws(ByteReader.Failure) {
        var reader = ByteReader(encoded)
        let version = try reader.readUInt8()
        guard (1...Self.formatVersion).contains(version) else { throw .invalid("unknown entry format") }
        requestID = try reader.readUInt64()
        timeMilliseconds = Int64(bitPattern: try reader.readUInt64())
        origin = version >= 2 ? try reader.readUInt64() : 0
        session = version >= 3 ? try reader.readUInt64() : 0
        acknowledgedBelow = version >= 3 ? try reader.readUInt64() : 0
        command = try Self.readCommand(from: &reader, depth: 0)
        guard reader.isAtEnd else { throw .invalid("\(reader.remainingCount) bytes after the command") }
    }

    static func readCommand(from reader: inout ByteReader, depth: Int) throws(ByteReader.Failure) -> KeyValueCommand {
        guard depth < nestingMax else { throw .invalid("commands nested over \(nestingMax) deep") }
        let command: KeyValueCommand
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let value = try reader.readLengthPrefixedBytes()
            let condition = try Self.readCondition(from: &reader)
            let expiry = try Self.readExpiry(from: &reader)
            command = .set(
                key: key,
                value: value,
                condition: condition,
                expiry: expiry,
                returnPrevious: try Self.readFlag(from: &reader)
            )
        case 2: command = .delete(keys: try Self.readKeys(from: &reader))
        case 3:
            let key = try reader.readLengthPrefixedBytes()
            let expiry = try Self.readExpiry(from: &reader)
            command = .expire(key: key, expiry: expiry, condition: try Self.readExpireCondition(from: &reader))
        case 4: command = .persist(key: try reader.readLengthPrefixedBytes())
        case 5:
            command = .increment(
                key: try reader.readLengthPrefixedBytes(),
                by: Int64(bitPattern: try reader.readUInt64())
            )
        case 6: command = .multiSet(pairs: try Self.readPairs(from: &reader))
        case 7:
            let key = try reader.readLengthPrefixedBytes()
            let hasExpected = try Self.readFlag(from: &reader)
            let expected = try reader.readLengthPrefixedBytes()
            guard hasExpected || expected.isEmpty else { throw .invalid("an expected value without its flag") }
            let new = try reader.readLengthPrefixedBytes()
            command = .compareAndSet(
                key: key,
                expected: hasExpected ? expected : nil,
                new: new,
                expiry: try Self.readExpiry(from: &reader)
            )
        case 8:
            command = .compareAndDelete(
                key: try reader.readLengthPrefixedBytes(),
                expected: try reader.readLengthPrefixedBytes()
            )
        case 9: command = .removeExpired(keys: try Self.readKeys(from: &reader))
        case 10: command = .leaseGrant(ttlMilliseconds: Int64(bitPattern: try reader.readUInt64()))
        case 11: command = .leaseKeepAlive(id: try reader.readUInt64())
        case 12: command = .leaseRevoke(id: try reader.readUInt64())
        case 13: command = .extendLeases
        case 14: command = .sweep
        case 15:
            let kind = try readMutexKind(from: &reader)
            let name = try reader.readLengthPrefixedBytes()
            let owner = try reader.readLengthPrefixedBytes()
            let ttl = try readOptional(from: &reader).map { Int64(bitPattern: $0) }
            let wait = Int64(bitPattern: try reader.readUInt64())
            command = .acquire(
                kind: kind,
                name: name,
                owner: owner,
                ttlMilliseconds: ttl,
                waitMilliseconds: wait,
                lease: try readOptional(from: &reader)
            )
        case 16:
            let kind = try readMutexKind(from: &reader)
            command = .release(
                kind: kind,
                name: try reader.readLengthPrefixedBytes(),
                owner: try reader.readLengthPrefixedBytes()
            )
        case 17:
            let name = try reader.readLengthPrefixedBytes()
            let owner = try reader.readLengthPrefixedBytes()
            command = .refreshLock(
                name: name,
                owner: owner,
                ttlMilliseconds: Int64(bitPattern: try reader.readUInt64())
            )
        case 18:
            let lock = try reader.readLengthPrefixedBytes()
            let token = try reader.readUInt64()
            command = .fenced(lock: lock, token: token, command: try readCommand(from: &reader, depth: depth + 1))
        case 19:
            let lease = try reader.readUInt64()
            command = .withLease(lease: lease, command: try readCommand(from: &reader, depth: depth + 1))
        case 20: command = .redis(words: try Self.readKeys(from: &reader))
        case 21:
            let versionCount = Int(try reader.readUInt32())
            guard versionCount <= keysMax else { throw .invalid("\(versionCount) watched keys") }
            var versions: [KeyVersion] = []
            for _ in 0..<versionCount {
                versions.append(
                    KeyVersion(key: try reader.readLengthPrefixedBytes(), revision: try reader.readUInt64())
                )
            }
            let stepCount = Int(try reader.readUInt32())
            guard stepCount <= keysMax else { throw .invalid("\(stepCount) steps") }
            var steps: [TransactionStep] = []
            for _ in 0..<stepCount {
                switch try reader.readUInt8() {
                case 1: steps.append(.write(try readCommand(from: &reader, depth: depth + 1)))
                case 2: steps.append(.read(try ReadCommand(reading: &reader)))
                case let kind: throw .invalid("transaction step kind \(kind)")
                }
            }
            command = .transaction(versions: versions, steps: steps)
        case 22: command = .evict(keys: try Self.readKeys(from: &reader))
        case 23:
            let maxBytes = try readOptional(from: &reader)
            let policyName = String(decoding: try reader.readLengthPrefixedBytes(), as: UTF8.self)
            let policy = EvictionPolicy(rawValue: policyName)
            guard policyName.isEmpty || policy != nil, (maxBytes ?? 0) <= UInt64(Int.max) else {
                throw .invalid("memory settings")
            }
            command = .configure(maxMemoryBytes: maxBytes.map { Int($0) }, policy: policy)
        case 24: command = .string(try StringWrite(reading: &reader))
        case 25: command = .hash(try HashWrite(reading: &reader))
        case 26:
            let source = try reader.readLengthPrefixedBytes()
            let destination = try reader.readLengthPrefixedBytes()
            command = .rename(source: source, destination: destination, onlyIfAbsent: try Self.readFlag(from: &reader))
        case 27: command = .flushAll
        case 30:
            let source = try reader.readLengthPrefixedBytes()
            let destination = try reader.readLengthPrefixedBytes()
            command = .copy(source: source, destination: destination, replace: try Self.readFlag(from: &reader))
        case 31:
            var tickets: [UInt64] = []
            // Eight bytes a ticket: a count beyond the bytes left is refused before anything is kept.
            let count = try reader.readUInt64()
            guard count <= UInt64(reader.remainingCount / 8) else { throw .invalid("\(count) tickets") }
            for _ in 0..<count { tickets.append(try reader.readUInt64()) }
            command = .unblock(tickets: tickets)
        case 34:
            // Sixteen bytes a request: a count beyond the bytes left is refused first.
            func readKeys() throws(ByteReader.Failure) -> [RequestKey] {
                let count = try reader.readUInt64()
                guard count <= UInt64(reader.remainingCount / 16) else { throw .invalid("\(count) held pops") }
                return try (0..<count).map { _ throws(ByteReader.Failure) in
                    RequestKey(session: try reader.readUInt64(), requestID: try reader.readUInt64())
                }
            }
            let delivered = try readKeys()
            command = .settleHeldPops(delivered: delivered, returned: try readKeys())
        case 28: command = .list(try ListWrite(reading: &reader))
        case 29: command = .redisSet(try SetWrite(reading: &reader))
        case 32: command = .sortedSet(try SortedSetWrite(reading: &reader))
        case 33: command = .stream(try StreamWrite(reading: &reader))
        case let kind: throw .invalid("unknown command kind \(kind)")
        }
        return command
    }

    static func write(_ pairs: [KeyValuePair], to writer: inout ByteWriter) {
        writer.write(UInt32(pairs.count))
        for pair in pairs {
            writer.writeLengthPrefixed(pair.key)
            writer.writeLengthPrefixed(pair.value)
        }
    }

    static func readPairs(from reader: inout ByteReader) throws(ByteReader.Failure) -> [KeyValuePair] {
        let count = Int(try reader.readUInt32())
        guard count <= keysMax else { throw .invalid("\(count) pairs") }
        var pairs: [KeyValuePair] = []
        for _ in 0..<count {
            let key = try reader.readLengthPrefixed(maximumCount: bytesMax)
            pairs.append(KeyValuePair(key: key, value: try reader.readLengthPrefixed(maximumCount: bytesMax)))
        }
        return pairs
    }

    static func write(_ keys: [[UInt8]], to writer: inout ByteWriter) {
        writer.write(UInt32(keys.count))
        for key in keys { writer.writeLengthPrefixed(key) }
    }

    static func readKeys(from reader: inout ByteReader) throws(ByteReader.Failure) -> [[UInt8]] {
        let count = Int(try reader.readUInt32())
        guard count <= keysMax else { throw .invalid("\(count) keys") }
        var keys: [[UInt8]] = []
        for _ in 0..<count { keys.append(try reader.readLengthPrefixed(maximumCount: bytesMax)) }
        return keys
    }

    static func write(_ condition: WriteCondition, to writer: inout ByteWriter) {
        switch condition {
        case .always: writer.write(UInt8(0))
        case .ifAbsent: writer.write(UInt8(1))
        case .ifPresent: writer.write(UInt8(2))
        }
    }

    static func readCondition(from reader: inout ByteReader) throws(ByteReader.Failure) -> WriteCondition {
        switch try reader.readUInt8() {
        case 0: .always
        case 1: .ifAbsent
        case 2: .ifPresent
        case let code: throw .invalid("write condition \(code)")
        }
    }

    static func write(_ expiry: KeyExpiry, to writer: inout ByteWriter) {
        switch expiry {
        case .none:
            writer.write(UInt8(0))
        case .keep:
            writer.write(UInt8(1))
        case .afterMilliseconds(let milliseconds):
            writer.write(UInt8(2))
            writer.write(UInt64(bitPattern: milliseconds))
        case .atMilliseconds(let milliseconds):
            writer.write(UInt8(3))
            writer.write(UInt64(bitPattern: milliseconds))
        }
    }

    static func readExpiry(from reader: inout ByteReader) throws(ByteReader.Failure) -> KeyExpiry {
        switch try reader.readUInt8() {
        case 0: return .none
        case 1: return .keep
        case 2: return .afterMilliseconds(Int64(bitPattern: try reader.readUInt64()))
        case 3: return .atMilliseconds(Int64(bitPattern: try reader.readUInt64()))
        case let code: throw .invalid("expiry kind \(code)")
        }
    }

    static func code(of condition: ExpireCondition) -> UInt8 {
        switch condition {
        case .always: 0
        case .ifNoExpiry: 1
        case .ifHasExpiry: 2
        case .ifLater: 3
        case .ifEarlier: 4
        case .ifEarlierAndHasExpiry: 5
        }
    }

    static func readExpireCondition(from reader: inout ByteReader) throws(ByteReader.Failure) -> ExpireCondition {
        switch try reader.readUInt8() {
        case 0: .always
        case 1: .ifNoExpiry
        case 2: .ifHasExpiry
        case 3: .ifLater
        case 4: .ifEarlier
        case 5: .ifEarlierAndHasExpiry
        case let code: throw .invalid("expire condition \(code)")
        }
    }
}

extension ByteReader {
    /// A key, value, field or pattern inside an entry or a read: length-prefixed, no longer
    /// than an entry may be.
    mutating func readLengthPrefixedBytes() throws(ByteReader.Failure) -> [UInt8] {
        try readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
    }
}

extension KeyValueCommand {
    /// About how many bytes of keys and values the command carries, where they can be large (a
    /// SET's value): what its encoding reserves, so that a big value is copied into its entry
    /// once instead of into a buffer regrown (copied and freshly paged) again and again.
    var valueBytesHint: Int {
        switch self {
        case .set(let key, let value, _, _, _): key.count + value.count
        case .compareAndSet(let key, let expected, let new, _): key.count + (expected?.count ?? 0) + new.count
        case .multiSet(let pairs): pairs.reduce(0) { $0 + $1.key.count + $1.value.count + 8 }
        case .fenced(let lock, _, let command): lock.count + command.valueBytesHint
        case .withLease(_, let command): command.valueBytesHint
        default: 0
        }
    }
}
