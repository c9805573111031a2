import SynodCore

/// The wider Redis reads (strings, keys and hashes), served from their words with Redis's
/// semantics and error texts.
extension KeyValueStore {
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

/// An error reply as a value: what parsing a command's words refuses, or a read that computes
/// in steps stops at.
public struct KeyValueError: Error, Hashable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

extension Result where Success == KeyValueResult, Failure == KeyValueError {
    var value: KeyValueResult {
        switch self {
        case .success(let result): result
        case .failure(let error): .error(error.message)
        }
    }
}
