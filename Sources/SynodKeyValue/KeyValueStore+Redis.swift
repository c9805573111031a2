import SynodCore

/// The wider Redis command surface (strings, keys and hashes), replicated as the command's own
/// words (`KeyValueCommand.redis`, as Redis's replication stream does) and executed here
/// with Redis's semantics and error texts. Words in a committed entry may come from an older
/// or buggier node, so running them is total: any word list (unknown names, wrong arity,
/// numbers at or past the 64-bit limits, arbitrary bytes) answers a deterministic error, the
/// same on every replica, and all arithmetic on arguments is checked.
extension KeyValueStore {
    static let notAFloat = "ERR value is not a valid float"
    static let syntax = "ERR syntax error"
    static let noSuchKey = "ERR no such key"
    static let hashNotInteger = "ERR hash value is not an integer"
    static let hashNotFloat = "ERR hash value is not a float"
    static let floatOverflow = "ERR increment would produce NaN or Infinity"
    /// Redis's proto-max-bulk-len (512 MB): the longest string SETRANGE and APPEND may make.
    /// Fixed, not a node setting: every replica must refuse the same writes.
    public static let stringBytesMax = 512 << 20
    public static let stringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    public static let offsetOutOfRange = "ERR offset is out of range"
    static let emptyCommand = "ERR empty command"

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

    mutating func executeRedis(_ words: [[UInt8]], change: inout Change) -> KeyValueResult {
        guard let first = words.first else { return .error(Self.emptyCommand) }
        let name = Self.lowercased(first)
        guard let arity = RedisWordCommands.writeArities[name] else { return .error(Self.unknownCommand(first)) }
        guard RedisWordCommands.accepts(arity: arity, wordCount: words.count) else {
            return .error(RedisWordCommands.wrongArity(name))
        }
        // From here on each command has the arguments its arity promises.
        let arguments = Array(words.dropFirst())
        func argument(_ index: Int) -> [UInt8] { index < arguments.count ? arguments[index] : [] }
        change.keyEvent = .set
        switch name {
        case "setnx":
            guard live(argument(0), change: &change) == nil else { return .integer(0) }
            write(argument(0), argument(1), expiresAt: nil, change: &change)
            return .integer(1)
        case "setex", "psetex":
            guard let amount = Self.parseInteger(argument(1)) else { return .error(Self.notAnInteger) }
            let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: name == "setex" ? 1000 : 1)
            guard amount > 0, !overflow, let expiry = laterIfRepresentable(milliseconds) else {
                return .error(Self.invalidExpireTime(name))
            }
            _ = live(argument(0), change: &change)
            write(argument(0), argument(2), expiresAt: expiry, change: &change)
            return .ok
        case "getset":
            let previous = live(argument(0), change: &change)
            if previous?.hash != nil { return .error(Self.wrongType) }
            write(argument(0), argument(1), expiresAt: nil, change: &change)
            return previous.map { .value($0.value) } ?? .null
        case "getdel":
            guard let previous = live(argument(0), change: &change) else { return .null }
            if previous.hash != nil { return .error(Self.wrongType) }
            change.keyEvent = .del
            _ = remove(argument(0), change: &change)
            return .value(previous.value)
        case "getex":
            return getExpiring(arguments, change: &change)
        case "msetnx":
            guard arguments.count % 2 == 0 else { return .error(RedisWordCommands.wrongArity(name)) }
            let keys = stride(from: 0, to: arguments.count, by: 2).map { arguments[$0] }
            guard keys.allSatisfy({ live($0, change: &change) == nil }) else { return .integer(0) }
            for index in stride(from: 0, to: arguments.count, by: 2) {
                write(arguments[index], arguments[index + 1], expiresAt: nil, change: &change)
            }
            return .integer(1)
        case "incrbyfloat":
            let previous = live(argument(0), change: &change)
            if previous?.hash != nil { return .error(Self.wrongType) }
            guard let increment = Self.parseFloat(argument(1)) else { return .error(Self.notAFloat) }
            guard let current = previous.map({ Self.parseFloat($0.value) }) ?? ExtendedFloat.zero else {
                return .error(Self.notAFloat)
            }
            let sum = current + increment
            guard sum.isFinite else { return .error(Self.floatOverflow) }
            let text = Self.formatFloat(sum)
            change.keyEvent = .incrbyfloat
            write(argument(0), text, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
            return .value(text)
        case "append":
            let previous = live(argument(0), change: &change)
            if previous?.hash != nil { return .error(Self.wrongType) }
            let current = previous?.value ?? []
            // Counted before the bytes are copied: neither count can come near Int.max.
            guard current.count + argument(1).count <= Self.stringBytesMax else { return .error(Self.stringTooLong) }
            let value = current + argument(1)
            change.keyEvent = .append
            write(argument(0), value, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
            return .integer(Int64(value.count))
        case "setrange":
            return setRange(argument(0), offset: argument(1), bytes: argument(2), change: &change)
        case "unlink":
            change.keyEvent = .del
            return .integer(Int64(arguments.filter { remove($0, change: &change) }.count))
        case "rename", "renamenx":
            return rename(argument(0), to: argument(1), onlyIfAbsent: name == "renamenx", change: &change)
        case "flushall":
            guard
                arguments.isEmpty || (arguments.count == 1 && ["ASYNC", "SYNC"].contains(Self.uppercased(argument(0))))
            else { return .error(Self.syntax) }
            change.keyEvent = .del
            for key in records.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                _ = remove(key, change: &change)
            }
            return .ok
        case "hset", "hmset":
            guard arguments.count % 2 == 1 else { return .error(RedisWordCommands.wrongArity(name)) }
            let pairs = stride(from: 1, to: arguments.count, by: 2).map { (arguments[$0], arguments[$0 + 1]) }
            return updateHash(argument(0), change: &change, event: .hset) { hash in
                var added = 0
                for (field, value) in pairs where hash.updateValue(value, forKey: field) == nil { added += 1 }
                return name == "hset" ? .integer(Int64(added)) : .ok
            }
        case "hsetnx":
            return updateHash(argument(0), change: &change, event: .hset) { hash in
                guard hash[argument(1)] == nil else { return .integer(0) }
                hash[argument(1)] = argument(2)
                return .integer(1)
            }
        case "hdel":
            return updateHash(argument(0), change: &change, event: .hdel, create: false) { hash in
                .integer(Int64(arguments.dropFirst().filter { hash.removeValue(forKey: $0) != nil }.count))
            }
        case "hincrby":
            guard let increment = Self.parseInteger(argument(2)) else { return .error(Self.notAnInteger) }
            return updateHash(argument(0), change: &change, event: .hincrby) { hash in
                guard let current = hash[argument(1)].map({ Self.parseInteger($0) }) ?? 0 else {
                    return .error(Self.hashNotInteger)
                }
                let (sum, overflow) = current.addingReportingOverflow(increment)
                guard !overflow else { return .error(Self.overflow) }
                hash[argument(1)] = Array(String(sum).utf8)
                return .integer(sum)
            }
        case "hincrbyfloat":
            guard let increment = Self.parseFloat(argument(2)) else { return .error(Self.notAFloat) }
            return updateHash(argument(0), change: &change, event: .hincrbyfloat) { hash in
                guard let current = hash[argument(1)].map({ Self.parseFloat($0) }) ?? ExtendedFloat.zero else {
                    return .error(Self.hashNotFloat)
                }
                let sum = current + increment
                guard sum.isFinite else { return .error(Self.floatOverflow) }
                let text = Self.formatFloat(sum)
                hash[argument(1)] = text
                return .value(text)
            }
        default:
            // A name in `writeArities` that no case runs: a bug in this file, not in the entry.
            preconditionFailure("\(name) has an arity but is not run")
        }
    }

    static func unknownCommand(_ name: [UInt8]) -> String {
        "ERR unknown command '\(String(decoding: name.prefix(128), as: UTF8.self))'"
    }

    static func invalidExpireTime(_ name: String) -> String { "ERR invalid expire time in '\(name)' command" }

    /// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]
    mutating func getExpiring(_ arguments: [[UInt8]], change: inout Change) -> KeyValueResult {
        guard let key = arguments.first else { return .error(RedisWordCommands.wrongArity("getex")) }
        var newExpiry: Int64??  // nil: unchanged; .some(nil): persist
        if arguments.count > 1 {
            let option = Self.uppercased(arguments[1])
            switch (option, arguments.count) {
            case ("PERSIST", 2):
                newExpiry = .some(nil)
            case ("EX", 3), ("PX", 3), ("EXAT", 3), ("PXAT", 3):
                guard let amount = Self.parseInteger(arguments[2]) else { return .error(Self.notAnInteger) }
                let (milliseconds, overflow) = amount.multipliedReportingOverflow(
                    by: option == "EX" || option == "EXAT" ? 1000 : 1
                )
                guard amount > 0, !overflow else { return .error(Self.invalidExpireTime("getex")) }
                if option.hasSuffix("AT") {
                    newExpiry = .some(milliseconds)
                } else {
                    guard let expiry = laterIfRepresentable(milliseconds) else {
                        return .error(Self.invalidExpireTime("getex"))
                    }
                    newExpiry = .some(expiry)
                }
            default:
                return .error(Self.syntax)
            }
        }
        guard var record = live(key, change: &change) else { return .null }
        if record.hash != nil { return .error(Self.wrongType) }
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

    /// SETRANGE key offset value, with Redis's checks in Redis's order: the offset is an
    /// integer, not negative, and (for a non-empty value) the string it makes fits
    /// proto-max-bulk-len, checked without overflow at any offset.
    mutating func setRange(_ key: [UInt8], offset: [UInt8], bytes: [UInt8], change: inout Change) -> KeyValueResult {
        guard let offset = Self.parseInteger(offset) else { return .error(Self.notAnInteger) }
        guard offset >= 0 else { return .error(Self.offsetOutOfRange) }
        let previous = live(key, change: &change)
        if previous?.hash != nil { return .error(Self.wrongType) }
        var value = previous?.value ?? []
        guard !bytes.isEmpty else { return .integer(Int64(value.count)) }
        guard Self.fitsStringBytesMax(offset: offset, count: bytes.count) else { return .error(Self.stringTooLong) }
        let start = Int(offset)  // At most stringBytesMax - bytes.count: every sum below fits.
        if value.count < start + bytes.count {
            value += [UInt8](repeating: 0, count: start + bytes.count - value.count)
        }
        value.replaceSubrange(start..<(start + bytes.count), with: bytes)
        change.keyEvent = .setrange
        write(key, value, expiresAt: previous?.expiresAtMilliseconds, keepingLease: true, change: &change)
        return .integer(Int64(value.count))
    }

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

    /// Runs `body` on the key's hash (a new one when absent and `create`), then stores it, or
    /// removes the key when it is left empty. WRONGTYPE for a string.
    mutating func updateHash(
        _ key: [UInt8],
        change: inout Change,
        event: KeyEvent,
        create: Bool = true,
        _ body: (inout [[UInt8]: [UInt8]]) -> KeyValueResult
    ) -> KeyValueResult {
        let previous = live(key, change: &change)
        if let previous, previous.hash == nil { return .error(Self.wrongType) }
        guard previous != nil || create else { return .integer(0) }
        var hash = previous?.hash ?? [:]
        let before = hash
        let result = body(&hash)
        if case .error = result { return result }
        guard hash != before else { return result }
        change.keyEvent = event
        if hash.isEmpty {
            _ = remove(key, change: &change)
        } else {
            store(
                key,
                Record(
                    value: [],
                    hash: hash,
                    expiresAtMilliseconds: previous?.expiresAtMilliseconds,
                    createRevision: previous?.createRevision ?? change.revision,
                    modifyRevision: change.revision,
                    lease: previous?.lease
                ),
                change: &change
            )
        }
        return result
    }

    // MARK: - Reads

    /// Reads of the wider command surface, at `now`. `randomIndex` picks for RANDOMKEY (reads
    /// are served by one node, so they need not be deterministic).
    public func readRedis(_ words: [[UInt8]], at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        guard let first = words.first else { return .error(Self.emptyCommand) }
        let name = Self.lowercased(first)
        guard let arity = RedisWordCommands.readArities[name] else { return .error(Self.unknownCommand(first)) }
        guard RedisWordCommands.accepts(arity: arity, wordCount: words.count) else {
            return .error(RedisWordCommands.wrongArity(name))
        }
        let arguments = Array(words.dropFirst())
        func argument(_ index: Int) -> [UInt8] { index < arguments.count ? arguments[index] : [] }
        let live = record(of: argument(0), at: now)
        func string() -> Result<[UInt8]?, KeyValueError> {
            guard let live else { return .success(nil) }
            return live.hash == nil ? .success(live.value) : .failure(KeyValueError(Self.wrongType))
        }
        func hash() -> Result<[[UInt8]: [UInt8]]?, KeyValueError> {
            guard let live else { return .success(nil) }
            return live.hash.map { .success($0) } ?? .failure(KeyValueError(Self.wrongType))
        }
        switch name {
        case "strlen":
            return string().map { .integer(Int64($0?.count ?? 0)) }.value
        case "getrange", "substr":
            guard let start = Self.parseInteger(argument(1)), let end = Self.parseInteger(argument(2)) else {
                return .error(Self.notAnInteger)
            }
            return string().map { .value(Self.range(of: $0 ?? [], start, end)) }.value
        case "expiretime", "pexpiretime":
            guard let live else { return .integer(-2) }
            guard let expiry = live.expiresAtMilliseconds else { return .integer(-1) }
            return .integer(name == "expiretime" ? expiry / 1000 : expiry)
        case "type":
            return .status(live == nil ? "none" : live!.hash == nil ? "string" : "hash")
        case "keys":
            return .array(
                liveKeys(at: now).filter { Glob.matches(argument(0), $0) }.map { .value($0) }
            )
        case "scan":
            return scan(arguments, at: now)
        case "randomkey":
            return randomLiveKey(at: now, randomIndex: randomIndex).map { .value($0) } ?? .null
        case "object":
            guard Self.uppercased(argument(0)) == "ENCODING", arguments.count == 2 else {
                return .error(
                    "ERR unknown subcommand '\(String(decoding: argument(0).prefix(128), as: UTF8.self))'. Try OBJECT HELP."
                )
            }
            guard let target = record(of: argument(1), at: now) else { return .null }
            return .value(Array(Self.encoding(of: target).utf8))
        case "hget":
            return hash().map { $0?[argument(1)].map { .value($0) } ?? .null }.value
        case "hmget":
            return hash().map { hash in .values(arguments.dropFirst().map { hash?[$0] }) }.value
        case "hgetall":
            return hash().map { hash in
                .map(Self.sortedFields(hash).flatMap { [.value($0.key), .value($0.value)] })
            }.value
        case "hkeys":
            return hash().map { .array(Self.sortedFields($0).map { .value($0.key) }) }.value
        case "hvals":
            return hash().map { .array(Self.sortedFields($0).map { .value($0.value) }) }.value
        case "hlen":
            return hash().map { .integer(Int64($0?.count ?? 0)) }.value
        case "hexists":
            return hash().map { .integer($0?[argument(1)] == nil ? 0 : 1) }.value
        case "hstrlen":
            return hash().map { .integer(Int64($0?[argument(1)]?.count ?? 0)) }.value
        case "hscan":
            return hash().map { hashScan($0 ?? [:], Array(arguments.dropFirst())) }.value
        default:
            // A name in `readArities` that no case serves: a bug in this file, not in the words.
            preconditionFailure("\(name) has an arity but is not served")
        }
    }

    /// GETRANGE's inclusive range with negative offsets from the end, as Redis clamps them.
    static func range(of value: [UInt8], _ start: Int64, _ end: Int64) -> [UInt8] {
        let count = Int64(value.count)
        // `count + start` and `count + end` are taken only for negative offsets: no overflow.
        guard count > 0, !(start < 0 && end < 0 && start > end) else { return [] }
        var low = start < 0 ? max(0, count + start) : start
        var high = end < 0 ? max(0, count + end) : end
        high = min(high, count - 1)
        low = max(low, 0)
        guard low <= high, low < count else { return [] }
        return Array(value[Int(low)...Int(high)])
    }

    static func sortedFields(_ hash: [[UInt8]: [UInt8]]?) -> [(key: [UInt8], value: [UInt8])] {
        (hash ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    static func encoding(of record: Record) -> String {
        if let hash = record.hash {
            return hash.count <= 128 && hash.allSatisfy({ $0.key.count <= 64 && $0.value.count <= 64 })
                ? "listpack" : "hashtable"
        }
        if record.value.count <= 20, parseInteger(record.value) != nil { return "int" }
        return record.value.count <= 44 ? "embstr" : "raw"
    }

    /// A key that exists at `now`, chosen as `KeyBuckets.randomEntry` chooses; when a hundred
    /// choices all find expired keys (as Redis, it keeps trying), the first live key of a walk.
    func randomLiveKey(at now: Int64, randomIndex: (Int) -> Int) -> [UInt8]? {
        for _ in 0..<100 {
            guard let (key, _) = records.randomEntry(randomIndex: randomIndex) else { return nil }
            if record(of: key, at: now) != nil { return key }
        }
        var position: UInt64? = 0
        while let start = position {
            let (live, next) = records.walk(from: start, visits: 1) { key, _ in record(of: key, at: now) != nil }
            if let first = live.first { return first.key }
            position = next
        }
        return nil
    }

    func liveKeys(at now: Int64) -> [[UInt8]] {
        records.keys.filter { record(of: $0, at: now) != nil }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: the cursor is a position in the
    /// order of the keys' stable hashes (`KeyBuckets.walk`), so a key present for the whole
    /// scan is returned, and each call costs the buckets it visits.
    func scan(_ arguments: [[UInt8]], at now: Int64) -> KeyValueResult {
        guard let cursor = arguments.first.flatMap({ UInt64(String(decoding: $0, as: UTF8.self)) }) else {
            return .error("ERR invalid cursor")
        }
        var pattern: [UInt8]?
        var count = 10
        var type: String?
        var index = 1
        while index < arguments.count {
            guard index + 1 < arguments.count else { return .error(Self.syntax) }
            switch Self.uppercased(arguments[index]) {
            case "MATCH": pattern = arguments[index + 1]
            case "COUNT":
                guard let value = Self.parseInteger(arguments[index + 1]) else { return .error(Self.notAnInteger) }
                guard value >= 1 else { return .error(Self.syntax) }
                count = Int(min(value, 1 << 20))
            case "TYPE": type = Self.lowercased(arguments[index + 1])
            default: return .error(Self.syntax)
            }
            index += 2
        }
        let (keys, next) = records.walk(from: cursor, visits: count) { key, record in
            if let expiry = record.expiresAtMilliseconds, expiry <= max(now, clockMilliseconds) { return false }
            if let pattern, !Glob.matches(pattern, key) { return false }
            if let type, type != (record.hash == nil ? "string" : "hash") { return false }
            return true
        }
        return .array([.value(Array(String(next ?? 0).utf8)), .array(keys.map { .value($0.key) })])
    }

    /// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]: small hashes whole, as Redis
    /// does for listpack-encoded ones; larger ones by field-hash order like SCAN.
    func hashScan(_ hash: [[UInt8]: [UInt8]], _ arguments: [[UInt8]]) -> KeyValueResult {
        guard let cursor = arguments.first.flatMap({ UInt64(String(decoding: $0, as: UTF8.self)) }) else {
            return .error("ERR invalid cursor")
        }
        var pattern: [UInt8]?
        var count = 10
        var withValues = true
        var index = 1
        while index < arguments.count {
            let option = Self.uppercased(arguments[index])
            if option == "NOVALUES" {
                withValues = false
                index += 1
                continue
            }
            guard index + 1 < arguments.count else { return .error(Self.syntax) }
            switch option {
            case "MATCH": pattern = arguments[index + 1]
            case "COUNT":
                guard let value = Self.parseInteger(arguments[index + 1]) else { return .error(Self.notAnInteger) }
                guard value >= 1 else { return .error(Self.syntax) }
                count = Int(min(value, 1 << 20))
            default: return .error(Self.syntax)
            }
            index += 2
        }
        let ordered = hash.keys.map { (StableHash.xxh64($0) >> 1, $0) }.filter { $0.0 >= cursor }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.lexicographicallyPrecedes($1.1) }
        let page = hash.count <= 128 ? ordered[...] : ordered.prefix(count)
        let next = page.count < ordered.count ? ordered[page.count].0 : 0
        var elements: [KeyValueResult] = []
        for (_, field) in page where pattern.map({ Glob.matches($0, field) }) ?? true {
            elements.append(.value(field))
            if withValues { elements.append(.value(hash[field]!)) }
        }
        return .array([.value(Array(String(next).utf8)), .array(elements)])
    }
}

/// An error reply as a value, for reads that compute in steps.
struct KeyValueError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Result where Success == KeyValueResult, Failure == KeyValueError {
    var value: KeyValueResult {
        switch self {
        case .success(let result): result
        case .failure(let error): .error(error.message)
        }
    }
}
