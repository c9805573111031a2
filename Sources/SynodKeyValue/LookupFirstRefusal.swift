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
        /// NOGROUP as XREADGROUP words it.
        case noGroupInReadGroup = 3
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
        case "xread", "xreadgroup":
            return streamReadRefusal(arguments, group: name == "xreadgroup", error)
        case "zunion", "zinter", "zdiff", "zintercard":
            return keys(countAt: 0).map {
                LookupFirstRefusal(keys: $0, kinds: .sortedSetOrSet, absent: .error, error: error)
            }
        default:
            return nil
        }
    }

    /// XREAD and XREADGROUP look at each key (its kind; XREADGROUP its group too) before they
    /// parse that key's id: a bad id is refused after the keys up to its own are looked at.
    /// Nil when the error is not that id's (the options are refused first).
    private static func streamReadRefusal(
        _ arguments: [[UInt8]],
        group isGroupRead: Bool,
        _ error: KeyValueError
    ) -> LookupFirstRefusal? {
        var index = 0
        var group: [UInt8]?
        let skips = isGroupRead ? ["BLOCK": 2, "COUNT": 2, "GROUP": 3, "NOACK": 1] : ["BLOCK": 2, "COUNT": 2]
        while index < arguments.count, let skip = skips[KeyValueStore.uppercased(arguments[index])] {
            if skip == 3, index + 1 < arguments.count { group = arguments[index + 1] }
            index += skip
        }
        guard index < arguments.count, KeyValueStore.uppercased(arguments[index]) == "STREAMS",
            !isGroupRead || group != nil
        else { return nil }
        let words = arguments[(index + 1)...]
        guard !words.isEmpty, words.count % 2 == 0 else { return nil }
        let keys = Array(words.prefix(words.count / 2))
        let ids = Array(words.suffix(words.count / 2))
        // `$` reads from the end in XREAD, `>` reads new entries in XREADGROUP; any other word
        // must be an id (`try?`: only whether it parses matters here, its error is `error`).
        let fine = [UInt8(ascii: isGroupRead ? ">" : "$")]
        guard let bad = ids.firstIndex(where: { $0 != fine && (try? RedisWordCommands.strictID($0)) == nil })
        else { return nil }
        // The error must be that id's own, not an option's refused before the ids.
        let special = ids[bad] == [UInt8(ascii: isGroupRead ? "$" : ">")]
        let idError =
            special
            ? error.message.contains(isGroupRead ? "The $ ID is meaningless" : "The > ID can be specified only")
            : error == KeyValueStore.invalidStreamID
        guard idError else { return nil }
        return LookupFirstRefusal(
            keys: Array(keys[...bad]),
            kinds: .stream,
            group: group,
            absent: isGroupRead ? .noGroupInReadGroup : .error,
            error: error
        )
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
    /// Each key in order: its kind, then (where Redis answers an absent key or group) that it
    /// and its group exist.
    func answer(_ refusal: LookupFirstRefusal, at now: Int64) -> KeyValueResult {
        for key in refusal.keys {
            let record = record(of: key, at: now)
            if let kind = record?.kind {
                let allowed =
                    switch refusal.kinds {
                    case .stream: kind == .stream
                    case .sortedSetOrSet: kind == .sortedSet || kind == .set
                    }
                if !allowed { return .error(Self.wrongType) }
            }
            let stream = record?.stream
            guard stream == nil || refusal.group.map({ stream?.groups[$0] == nil }) == true else { continue }
            let group = refusal.group ?? []
            switch refusal.absent {
            case .error: continue
            case .zero: return .integer(0)
            case .noGroup: return .error(Self.noKeyOrGroup(group, key: key))
            case .noGroupInReadGroup:
                return .error(Self.noKeyOrGroup(group, key: key, suffix: " in XREADGROUP with GROUP option"))
            }
        }
        return .error(refusal.error)
    }
}
