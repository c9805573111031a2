import SynodCore

/// The wider Redis writes (strings, keys and hashes), replicated as typed commands
/// (`StringWrite`, `HashWrite`) and executed here with Redis's semantics and error texts. A
/// committed entry may come from an older or buggier node (typed, or as the words older nodes
/// replicated), so running it is total: any command (a value out of range, numbers at or past
/// the 64-bit limits, arbitrary bytes) answers a deterministic error, the same on every
/// replica, and all arithmetic on arguments is checked.
extension KeyValueStore {
    static let notAFloat = KeyValueError(.notANumber, "ERR value is not a valid float")
    public static let syntax = KeyValueError(.invalidRequest, "ERR syntax error")
    static let noSuchKey = KeyValueError(.notFound, "ERR no such key")
    static let hashNotInteger = KeyValueError(.notANumber, "ERR hash value is not an integer")
    static let hashNotFloat = KeyValueError(.notANumber, "ERR hash value is not a float")
    static let floatOverflow = KeyValueError(.outOfRange, "ERR increment would produce NaN or Infinity")
    /// Redis's proto-max-bulk-len (512 MB): the longest string SETRANGE and APPEND may make.
    /// Fixed, not a node setting: every replica must refuse the same writes.
    public static let stringBytesMax = 512 << 20
    public static let stringTooLong = KeyValueError(
        .outOfRange,
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    )
    public static let offsetOutOfRange = KeyValueError(.outOfRange, "ERR offset is out of range")
    public static let emptyCommand = KeyValueError(.invalidRequest, "ERR empty command")

    /// Whether a string of `count` bytes written at `offset` ends within `stringBytesMax`
    /// (SETRANGE's check, without overflow at any offset).
    public static func fitsStringBytesMax(offset: Int64, count: Int) -> Bool {
        offset >= 0 && count <= stringBytesMax && offset <= Int64(stringBytesMax - count)
    }

    public static func lowercased(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    static func uppercased(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { $0 >= 97 && $0 <= 122 ? $0 & ~0x20 : $0 }, as: UTF8.self)
    }

    /// A float as Redis accepts one (strtold over every byte: no spaces, no NUL, no NaN), as a
    /// long double. Redis also refuses what strtold reports as out of range: a number too large
    /// (but "inf" itself is a float) or too small for a long double, so here too.
    static func parseFloat(_ bytes: [UInt8]) -> ExtendedFloat? {
        ExtendedFloat(parsing: bytes)
    }

    /// A long double as Redis writes INCRBYFLOAT's result: `%.17Lf`, then without trailing
    /// zeros (and without a trailing point), and "-0" as "0".
    static func formatFloat(_ value: ExtendedFloat) -> [UInt8] {
        precondition(value.isFinite, "formatting \(value)")
        var text = value.fixedPointText
        while text.last == UInt8(ascii: "0") { text.removeLast() }
        if text.last == UInt8(ascii: ".") { text.removeLast() }
        return text == Array("-0".utf8) ? Array("0".utf8) : text
    }

    // MARK: - Writes

    /// Words an older node replicated (`KeyValueCommand.redis`): parsed as a client's are, so
    /// they run exactly as the typed command a newer node would have logged.
    mutating func executeWords(_ words: [[UInt8]], change: inout Change) -> KeyValueResult {
        switch RedisWordCommands.parseWrite(words) {
        case .success(let command): execute(command, change: &change)
        case .failure(let error): .error(error)
        }
    }

    mutating func execute(_ command: StringWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        switch command {
        case .setIfAbsent(let key, let value):
            guard live(key, change: &change) == nil else { return .integer(0) }
            write(key, value, expiresAt: nil, change: &change)
            return .integer(1)
        case .setExpiring(let key, let value, let milliseconds, let unit):
            guard let expiry = laterIfRepresentable(milliseconds) else {
                return .error(Self.invalidExpireTime(unit.commandName))
            }
            _ = live(key, change: &change)
            write(key, value, expiresAt: expiry, change: &change)
            return .ok
        case .getSet(let key, let value):
            let previous = live(key, change: &change)
            if previous?.isString == false { return .error(Self.wrongType) }
            write(key, value, expiresAt: nil, change: &change)
            return previous.map { .value($0.value) } ?? .null
        case .getDelete(let key):
            guard let previous = live(key, change: &change) else { return .null }
            if !previous.isString { return .error(Self.wrongType) }
            change.keyEvent = .del
            _ = remove(key, change: &change)
            return .value(previous.value)
        case .getExpiring(let key, let expiry):
            return getExpiring(key, expiry, change: &change)
        case .setAllIfAbsent(let pairs):
            guard pairs.allSatisfy({ live($0.key, change: &change) == nil }) else { return .integer(0) }
            for pair in pairs { write(pair.key, pair.value, expiresAt: nil, change: &change) }
            return .integer(1)
        case .incrementByFloat(let key, let increment):
            let previous = live(key, change: &change)
            if previous?.isString == false { return .error(Self.wrongType) }
            guard let increment = Self.parseFloat(increment) else { return .error(Self.notAFloat) }
            guard let current = previous.map({ Self.parseFloat($0.value) }) ?? ExtendedFloat.zero else {
                return .error(Self.notAFloat)
            }
            let sum = current + increment
            guard sum.isFinite else { return .error(Self.floatOverflow) }
            let text = Self.formatFloat(sum)
            change.keyEvent = .incrbyfloat
            write(key, text, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
            return .value(text)
        case .append(let key, let suffix):
            let previous = live(key, change: &change)
            if previous?.isString == false { return .error(Self.wrongType) }
            let current = previous?.value ?? []
            // Counted before the bytes are copied: neither count can come near Int.max.
            guard current.count + suffix.count <= Self.stringBytesMax else { return .error(Self.stringTooLong) }
            let value = current + suffix
            change.keyEvent = .append
            write(key, value, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
            return .integer(Int64(value.count))
        case .setRange(let key, let offset, let bytes):
            return setRange(key, offset: offset, bytes: bytes, change: &change)
        }
    }

    mutating func execute(_ command: HashWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        switch command {
        case .set(let key, let fields, let answersCount):
            return updateHash(key, event: .hset, change: &change) { hash in
                var added = 0
                var changed = false
                for field in fields {
                    let replaced = hash.updateValue(field.value, forKey: field.key)
                    if replaced == nil { added += 1 }
                    if replaced != field.value { changed = true }
                }
                return CollectionUpdate(result: answersCount ? .integer(Int64(added)) : .ok, changed: changed)
            }
        case .setIfAbsent(let key, let field, let value):
            return updateHash(key, event: .hset, change: &change) { hash in
                guard hash[field] == nil else { return CollectionUpdate(result: .integer(0), changed: false) }
                hash.updateValue(value, forKey: field)
                return CollectionUpdate(result: .integer(1), changed: true)
            }
        case .delete(let key, let fields):
            return updateHash(key, event: .hdel, missing: .integer(0), change: &change) { hash in
                let removed = fields.filter { hash.removeValue(forKey: $0) != nil }.count
                return CollectionUpdate(result: .integer(Int64(removed)), changed: removed > 0)
            }
        case .increment(let key, let field, let increment):
            return updateHash(key, event: .hincrby, change: &change) { hash in
                guard let current = hash[field].map({ Self.parseInteger($0) }) ?? 0 else {
                    return CollectionUpdate(result: .error(Self.hashNotInteger), changed: false)
                }
                let (sum, overflow) = current.addingReportingOverflow(increment)
                guard !overflow else { return CollectionUpdate(result: .error(Self.overflow), changed: false) }
                let text = Array(String(sum).utf8)
                let replaced = hash.updateValue(text, forKey: field)
                return CollectionUpdate(result: .integer(sum), changed: replaced != text)
            }
        case .incrementByFloat(let key, let field, let increment):
            // Parses: `refusal` said so.
            let increment = Self.parseFloat(increment) ?? .zero
            return updateHash(key, event: .hincrbyfloat, change: &change) { hash in
                guard let current = hash[field].map({ Self.parseFloat($0) }) ?? ExtendedFloat.zero else {
                    return CollectionUpdate(result: .error(Self.hashNotFloat), changed: false)
                }
                let sum = current + increment
                guard sum.isFinite else { return CollectionUpdate(result: .error(Self.floatOverflow), changed: false) }
                let text = Self.formatFloat(sum)
                let replaced = hash.updateValue(text, forKey: field)
                return CollectionUpdate(result: .value(text), changed: replaced != text)
            }
        }
    }

    /// Runs `body` on the key's hash, changed in place (`updateCollection`); a missing key
    /// answers `missing`, or gets a new hash when `missing` is nil.
    mutating func updateHash(
        _ key: [UInt8],
        event: KeyEvent,
        missing: KeyValueResult? = nil,
        change: inout Change,
        _ body: (inout HashValue) -> CollectionUpdate
    ) -> KeyValueResult {
        updateCollection(key, of: HashValue.self, event: event, missing: missing, change: &change, body)
    }

    /// FLUSHALL: every key goes, in key order (so keyspace events come out alike everywhere).
    mutating func flushAll(change: inout Change) -> KeyValueResult {
        change.keyEvent = .del
        for key in records.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            _ = remove(key, change: &change)
        }
        return .ok
    }

    static func unknownCommand(_ name: [UInt8]) -> KeyValueError {
        KeyValueError(.invalidRequest, "ERR unknown command '\(String(decoding: name.prefix(128), as: UTF8.self))'")
    }

    public static func invalidExpireTime(_ name: String) -> KeyValueError {
        KeyValueError(.outOfRange, "ERR invalid expire time in '\(name)' command")
    }

    /// GETEX: the value, and the TTL changed as `expiry` says (a time already past removes the
    /// key).
    mutating func getExpiring(_ key: [UInt8], _ expiry: GetExpiry, change: inout Change) -> KeyValueResult {
        let newExpiry: Int64??  // nil: unchanged; .some(nil): persist
        switch expiry {
        case .unchanged: newExpiry = nil
        case .persist: newExpiry = .some(nil)
        case .atMilliseconds(let time): newExpiry = .some(time)
        case .afterMilliseconds(let milliseconds):
            guard let time = laterIfRepresentable(milliseconds) else { return .error(Self.invalidExpireTime("getex")) }
            newExpiry = .some(time)
        }
        guard var record = live(key, change: &change) else { return .null }
        if !record.isString { return .error(Self.wrongType) }
        if let newExpiry {
            if let expiry = newExpiry, expiry <= clockMilliseconds {
                change.keyEvent = .del
                _ = remove(key, change: &change)
            } else if record.expiresAtMilliseconds != newExpiry {
                change.keyEvent = newExpiry == nil ? .persist : .expire
                record.expiresAtMilliseconds = newExpiry
                store(key, record, change: &change)
            }
        }
        return .value(record.value)
    }

    /// SETRANGE key offset value, whose offset and size `StringWrite.refusal` checked.
    mutating func setRange(_ key: [UInt8], offset: Int64, bytes: [UInt8], change: inout Change) -> KeyValueResult {
        let previous = live(key, change: &change)
        if previous?.isString == false { return .error(Self.wrongType) }
        var value = previous?.value ?? []
        guard !bytes.isEmpty else { return .integer(Int64(value.count)) }
        let start = Int(offset)  // At most stringBytesMax - bytes.count: every sum below fits.
        if value.count < start + bytes.count {
            value += [UInt8](repeating: 0, count: start + bytes.count - value.count)
        }
        value.replaceSubrange(start..<(start + bytes.count), with: bytes)
        change.keyEvent = .setrange
        write(key, value, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
        return .integer(Int64(value.count))
    }

    /// COPY: a new key with the source's value and TTL (not its lease). The parser refused a
    /// copy onto itself; one forged into an entry answers the same error.
    mutating func copy(
        _ source: [UInt8],
        to destination: [UInt8],
        replace: Bool,
        change: inout Change
    ) -> KeyValueResult {
        guard source != destination else { return .error(Self.sameObject) }
        guard let record = live(source, change: &change) else { return .integer(0) }
        if live(destination, change: &change) != nil, !replace { return .integer(0) }
        var copied = record
        copied.createRevision = change.revision
        copied.lease = nil
        store(destination, copied, change: &change)
        return .integer(1)
    }

    static let sameObject = KeyValueError(.invalidRequest, "ERR source and destination objects are the same")

    mutating func rename(
        _ source: [UInt8],
        to destination: [UInt8],
        onlyIfAbsent: Bool,
        change: inout Change
    ) -> KeyValueResult {
        guard let record = live(source, change: &change) else { return .error(Self.noSuchKey) }
        if onlyIfAbsent, live(destination, change: &change) != nil { return .integer(0) }
        guard source != destination else { return onlyIfAbsent ? .integer(0) : .ok }
        change.keyEvent = .renameFrom
        _ = remove(source, change: &change)
        _ = live(destination, change: &change)
        if records[destination] != nil {
            change.keyEvent = .del
            _ = remove(destination, change: &change)
        }
        change.keyEvent = .renameTo
        var moved = record
        moved.createRevision = change.revision
        moved.lease = nil
        store(destination, moved, change: &change)
        return onlyIfAbsent ? .integer(1) : .ok
    }
}
