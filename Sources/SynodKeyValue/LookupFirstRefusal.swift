import SynodCore

/// A request whose words are wrong, for a command Redis answers only after it has looked at
/// its keys (XDEL, XACK, XCLAIM; ZUNION, ZINTER, ZDIFF, ZINTERCARD and the STORE forms once
/// their key count parsed). Parsed into this rather than refused at the edge, it is answered
/// as Redis answers it with the keys as they are: WRONGTYPE for a key of another kind, the
/// reply Redis gives for an absent key or group, and the words' own error otherwise. It
/// changes nothing.
public struct LookupFirstRefusal: Hashable, Sendable {
    /// The kinds of value the command works on.
    public enum Kinds: UInt8, Hashable, Sendable {
        case stream = 0
        /// A sorted set, or a set (counted with score 1).
        case sortedSetOrSet = 1
    }

    /// What an absent key (or consumer group, when `group` is given) answers.
    public enum Absent: UInt8, Hashable, Sendable {
        /// The words' error, as when the key exists.
        case error = 0
        /// 0, as XDEL and XACK answer.
        case zero = 1
        /// NOGROUP, as XCLAIM answers.
        case noGroup = 2
    }

    public let keys: [[UInt8]]
    public let kinds: Kinds
    /// The consumer group that must exist (the first key's), if any.
    public let group: [UInt8]?
    public let absent: Absent
    public let error: KeyValueError

    public init(keys: [[UInt8]], kinds: Kinds, group: [UInt8]? = nil, absent: Absent, error: KeyValueError) {
        self.keys = keys
        self.kinds = kinds
        self.group = group
        self.absent = absent
        self.error = error
    }

    /// The refusal after lookup for a command whose typed parser refused `arguments` with
    /// `error`; nil for a command (or an error) Redis answers before looking at the keys.
    static func of(_ name: String, _ arguments: [[UInt8]], _ error: KeyValueError) -> LookupFirstRefusal? {
        func keys(countAt position: Int) -> [[UInt8]]? {
            guard position < arguments.count, let count = KeyValueStore.parseInteger(arguments[position]),
                count >= 1, count <= arguments.count - position - 1
            else { return nil }
            return Array(arguments[(position + 1)...(position + Int(count))])
        }
        switch name {
        case "xdel":
            return LookupFirstRefusal(keys: [arguments[0]], kinds: .stream, absent: .zero, error: error)
        case "xack":
            return LookupFirstRefusal(
                keys: [arguments[0]],
                kinds: .stream,
                group: arguments[1],
                absent: .zero,
                error: error
            )
        case "xclaim":
            return LookupFirstRefusal(
                keys: [arguments[0]],
                kinds: .stream,
                group: arguments[1],
                absent: .noGroup,
                error: error
            )
        case "zunionstore", "zinterstore", "zdiffstore":
            return keys(countAt: 1).map {
                LookupFirstRefusal(keys: $0, kinds: .sortedSetOrSet, absent: .error, error: error)
            }
        case "xread":
            return streamReadRefusal(arguments, error)
        case "zunion", "zinter", "zdiff", "zintercard":
            return keys(countAt: 0).map {
                LookupFirstRefusal(keys: $0, kinds: .sortedSetOrSet, absent: .error, error: error)
            }
        default:
            return nil
        }
    }

    /// XREAD checks each key's kind before it parses that key's id: a bad id is refused
    /// after the keys up to its own are looked at.
    private static func streamReadRefusal(_ arguments: [[UInt8]], _ error: KeyValueError) -> LookupFirstRefusal? {
        var index = 0
        while index < arguments.count, ["BLOCK", "COUNT"].contains(KeyValueStore.uppercased(arguments[index])) {
            index += 2
        }
        guard index < arguments.count, KeyValueStore.uppercased(arguments[index]) == "STREAMS" else { return nil }
        let words = arguments[(index + 1)...]
        guard !words.isEmpty, words.count % 2 == 0 else { return nil }
        let keys = Array(words.prefix(words.count / 2))
        let ids = Array(words.suffix(words.count / 2))
        guard
            let bad = ids.firstIndex(where: { id in
                id != [UInt8(ascii: "$")] && (try? RedisWordCommands.strictID(id)) == nil
            })
        else { return nil }
        return LookupFirstRefusal(keys: Array(keys[...bad]), kinds: .stream, absent: .error, error: error)
    }

    func write(to writer: inout ByteWriter) {
        KeyValueEntry.write(keys, to: &writer)
        writer.write(kinds.rawValue)
        writer.write(UInt8(group == nil ? 0 : 1))
        if let group { writer.writeLengthPrefixed(group) }
        writer.write(absent.rawValue)
        error.write(to: &writer)
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        keys = try KeyValueEntry.readKeys(from: &reader)
        let kindsCode = try reader.readUInt8()
        guard let kinds = Kinds(rawValue: kindsCode), !keys.isEmpty else {
            throw .invalid("refusal kinds \(kindsCode)")
        }
        self.kinds = kinds
        group = try KeyValueEntry.readFlag(from: &reader) ? try reader.readLengthPrefixedBytes() : nil
        let absentCode = try reader.readUInt8()
        guard let absent = Absent(rawValue: absentCode) else { throw .invalid("refusal absent \(absentCode)") }
        self.absent = absent
        error = try KeyValueError(reading: &reader)
    }
}

extension KeyValueStore {
    /// How a refusal after lookup is answered with the keys as they are at `now`.
    func answer(_ refusal: LookupFirstRefusal, at now: Int64) -> KeyValueResult {
        for key in refusal.keys {
            guard let kind = record(of: key, at: now)?.kind else { continue }
            let allowed =
                switch refusal.kinds {
                case .stream: kind == .stream
                case .sortedSetOrSet: kind == .sortedSet || kind == .set
                }
            if !allowed { return .error(Self.wrongType) }
        }
        let stream = record(of: refusal.keys[0], at: now)?.stream
        let absent = stream == nil || refusal.group.map { stream?.groups[$0] == nil } == true
        switch (refusal.absent, absent) {
        case (.zero, true): return .integer(0)
        case (.noGroup, true): return .error(Self.noKeyOrGroup(refusal.group ?? [], key: refusal.keys[0]))
        default: return .error(refusal.error)
        }
    }
}
