/// The wider Redis commands (strings, keys and hashes), each with its arity as Redis states
/// it: n means exactly n words (the name included), -n at least n, and, for writes, the
/// parser from words to the typed command the log records (`parseWrite`).
///
/// Written once: the client path parses with these, and the store parses the same way the
/// words that entries of older nodes replicated (`KeyValueCommand.redis`), because words in a
/// committed entry may come from an older or buggier node and every replica must refuse them
/// alike. Reads are parsed the same way to typed reads (`parseRead`).
public enum RedisWordCommands {
    /// Writes, parsed by `parseWrite`.
    public static let writeArities: [String: Int] = [
        "setnx": 3, "setex": 4, "psetex": 4, "getset": 3, "getdel": 2, "getex": -2, "msetnx": -3,
        "incrbyfloat": 3, "append": 3, "setrange": 4, "unlink": -2, "rename": 3, "renamenx": 3, "flushall": -1,
        "flushdb": -1, "copy": -3,
        "hset": -4, "hmset": -4, "hsetnx": 4, "hdel": -3, "hincrby": 4, "hincrbyfloat": 4,
    ].merging(listWriteArities) { _, _ in preconditionFailure("a write named twice") }
        .merging(setWriteArities) { _, _ in preconditionFailure("a write named twice") }
        .merging(sortedSetWriteArities) { _, _ in preconditionFailure("a write named twice") }
        .merging(streamWriteArities) { _, _ in preconditionFailure("a write named twice") }

    /// Reads, parsed by `parseRead`.
    public static let readArities: [String: Int] = [
        "strlen": 2, "getrange": 4, "substr": 4, "expiretime": 2, "pexpiretime": 2, "type": 2, "keys": 2,
        "scan": -2, "randomkey": 1, "object": -2, "hget": 3, "hmget": -3, "hgetall": 2, "hkeys": 2, "hvals": 2,
        "hlen": 2, "hexists": 3, "hstrlen": 3, "hscan": -3, "hrandfield": -2,
    ].merging(listReadArities) { _, _ in preconditionFailure("a read named twice") }
        .merging(setReadArities) { _, _ in preconditionFailure("a read named twice") }
        .merging(sortedSetReadArities) { _, _ in preconditionFailure("a read named twice") }
        .merging(streamReadArities) { _, _ in preconditionFailure("a read named twice") }

    /// Whether `wordCount` words (the name included) satisfy `arity`.
    public static func accepts(arity: Int, wordCount: Int) -> Bool {
        arity > 0 ? wordCount == arity : wordCount >= -arity
    }

    /// The typed command a write's words stand for, or the error Redis answers them with
    /// before it looks at the data (an unknown name, the wrong arity, a number that is not
    /// one, a value out of range).
    public static func parseWrite(_ words: [[UInt8]]) -> Result<KeyValueCommand, KeyValueError> {
        guard let first = words.first else { return .failure(KeyValueStore.emptyCommand) }
        let name = KeyValueStore.lowercased(first)
        guard let arity = writeArities[name] ?? (isBlockingStreamRead(words) ? readArities[name] : nil) else {
            return .failure(KeyValueStore.unknownCommand(first))
        }
        guard accepts(arity: arity, wordCount: words.count) else { return .failure(wrongArity(name)) }
        let command: KeyValueCommand
        let arguments = Array(words.dropFirst())
        do {
            command = try typedWrite(name, arguments)
        } catch {
            // Redis looks at some commands' keys before their words: answered then.
            guard let refusal = LookupFirstRefusal.of(name, arguments, error) else { return .failure(error) }
            switch refusal.kinds {
            case .stream: return .success(.stream(.refusedAfterLookup(refusal)))
            case .sortedSetOrSet: return .success(.sortedSet(.refusedAfterLookup(refusal)))
            }
        }
        let refusal: KeyValueError? =
            switch command {
            case .string(let write): write.refusal
            case .hash(let write): write.refusal
            case .list(let write): write.refusal
            case .redisSet(let write): write.refusal
            case .sortedSet(let write): write.refusal
            case .stream(let write): write.refusal
            default: nil
            }
        return refusal.map { .failure($0) } ?? .success(command)
    }

    /// `arguments` has the count the arity of `name` promises.
    static func typedWrite(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> KeyValueCommand {
        func integer(_ bytes: [UInt8]) throws(KeyValueError) -> Int64 {
            guard let value = KeyValueStore.parseInteger(bytes) else { throw KeyValueStore.notAnInteger }
            return value
        }
        func pairs(_ words: ArraySlice<[UInt8]>) throws(KeyValueError) -> [KeyValuePair] {
            guard words.count % 2 == 0 else { throw wrongArity(name) }
            return stride(from: words.startIndex, to: words.endIndex, by: 2).map {
                KeyValuePair(key: words[$0], value: words[$0 + 1])
            }
        }
        switch name {
        case "setnx":
            return .string(.setIfAbsent(key: arguments[0], value: arguments[1]))
        case "setex", "psetex":
            let unit: ExpiryUnit = name == "setex" ? .seconds : .milliseconds
            let (milliseconds, overflow) = try integer(arguments[1])
                .multipliedReportingOverflow(by: unit == .seconds ? 1000 : 1)
            guard !overflow else { throw KeyValueStore.invalidExpireTime(name) }
            return .string(.setExpiring(key: arguments[0], value: arguments[2], milliseconds: milliseconds, unit: unit))
        case "getset":
            return .string(.getSet(key: arguments[0], value: arguments[1]))
        case "getdel":
            return .string(.getDelete(key: arguments[0]))
        case "getex":
            return .string(.getExpiring(key: arguments[0], expiry: try getExpiry(arguments.dropFirst())))
        case "msetnx":
            return .string(.setAllIfAbsent(pairs: try pairs(arguments[...])))
        case "incrbyfloat":
            return .string(.incrementByFloat(key: arguments[0], increment: arguments[1]))
        case "append":
            return .string(.append(key: arguments[0], value: arguments[1]))
        case "setrange":
            return .string(.setRange(key: arguments[0], offset: try integer(arguments[1]), value: arguments[2]))
        case "unlink":
            return .delete(keys: arguments)
        case "rename", "renamenx":
            return .rename(source: arguments[0], destination: arguments[1], onlyIfAbsent: name == "renamenx")
        case "copy":
            return try copy(arguments)
        case "xread", "xreadgroup":
            // XREADGROUP, or XREAD with BLOCK (`isBlockingStreamRead`).
            guard let command = try streamRead(arguments, group: name == "xreadgroup").command else {
                throw KeyValueStore.syntax
            }
            return command
        case "flushall", "flushdb":
            guard arguments.count <= 1,
                arguments.allSatisfy({ ["ASYNC", "SYNC"].contains(KeyValueStore.uppercased($0)) })
            else { throw KeyValueStore.syntax }
            return .flushAll
        case "hset", "hmset":
            let fields = try pairs(arguments.dropFirst())
            return .hash(.set(key: arguments[0], fields: fields, answersCount: name == "hset"))
        case "hsetnx":
            return .hash(.setIfAbsent(key: arguments[0], field: arguments[1], value: arguments[2]))
        case "hdel":
            return .hash(.delete(key: arguments[0], fields: Array(arguments.dropFirst())))
        case "hincrby":
            return .hash(.increment(key: arguments[0], field: arguments[1], by: try integer(arguments[2])))
        case "hincrbyfloat":
            return .hash(.incrementByFloat(key: arguments[0], field: arguments[1], increment: arguments[2]))
        default:
            if let command = try typedListWrite(name, arguments) { return .list(command) }
            if let command = try typedSetWrite(name, arguments) { return .redisSet(command) }
            if let command = try typedSortedSetWrite(name, arguments) { return .sortedSet(command) }
            if let command = try typedStreamWrite(name, arguments) { return .stream(command) }
            // A name in `writeArities` that no case parses: a bug in these files, not in the words.
            preconditionFailure("\(name) has an arity but is not parsed")
        }
    }

    /// The typed read a read's words stand for, or the error Redis answers them with before it
    /// looks at the data.
    public static func parseRead(_ words: [[UInt8]]) -> Result<ReadCommand, KeyValueError> {
        guard let first = words.first else { return .failure(KeyValueStore.emptyCommand) }
        let name = KeyValueStore.lowercased(first)
        guard let arity = readArities[name] else { return .failure(KeyValueStore.unknownCommand(first)) }
        guard accepts(arity: arity, wordCount: words.count) else { return .failure(wrongArity(name)) }
        let arguments = Array(words.dropFirst())
        do {
            return .success(try typedRead(name, arguments))
        } catch {
            // Redis looks at some commands' keys before their words: answered then.
            guard let refusal = LookupFirstRefusal.of(name, arguments, error) else { return .failure(error) }
            switch refusal.kinds {
            case .stream: return .success(.stream(.refusedAfterLookup(refusal)))
            case .sortedSetOrSet: return .success(.sortedSet(.refusedAfterLookup(refusal)))
            }
        }
    }

    /// `arguments` has the count the arity of `name` promises.
    static func typedRead(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> ReadCommand {
        func integer(_ bytes: [UInt8]) throws(KeyValueError) -> Int64 {
            guard let value = KeyValueStore.parseInteger(bytes) else { throw KeyValueStore.notAnInteger }
            return value
        }
        switch name {
        case "strlen":
            return .string(.length(key: arguments[0]))
        case "getrange", "substr":
            return .string(.range(key: arguments[0], start: try integer(arguments[1]), end: try integer(arguments[2])))
        case "expiretime", "pexpiretime":
            return .keyspace(.expiryTime(key: arguments[0], unit: name == "expiretime" ? .seconds : .milliseconds))
        case "type":
            return .keyspace(.type(key: arguments[0]))
        case "keys":
            return .keyspace(.keys(pattern: arguments[0]))
        case "scan":
            let cursor = try scanCursor(arguments[0])
            let options = try scanOptions(arguments.dropFirst(), allowing: ["MATCH", "COUNT", "TYPE"]).get()
            return .keyspace(.scan(cursor: cursor, options: options))
        case "randomkey":
            return .keyspace(.randomKey)
        case "object":
            let uses: [String: KeyUse] = ["REFCOUNT": .referenceCount, "IDLETIME": .idleSeconds, "FREQ": .frequency]
            let subcommand = KeyValueStore.uppercased(arguments[0])
            guard subcommand == "ENCODING" || uses[subcommand] != nil else {
                let quoted = String(decoding: arguments[0].prefix(128), as: UTF8.self)
                throw KeyValueError(.invalidRequest, "ERR unknown subcommand '\(quoted)'. Try OBJECT HELP.")
            }
            guard arguments.count == 2 else { throw wrongArity("object|" + subcommand.lowercased()) }
            return .keyspace(uses[subcommand].map { .use(key: arguments[1], $0) } ?? .encoding(key: arguments[1]))
        case "hget":
            return .hash(.get(key: arguments[0], field: arguments[1]))
        case "hmget":
            return .hash(.multiGet(key: arguments[0], fields: Array(arguments.dropFirst())))
        case "hgetall":
            return .hash(.getAll(key: arguments[0]))
        case "hkeys":
            return .hash(.fields(key: arguments[0]))
        case "hvals":
            return .hash(.values(key: arguments[0]))
        case "hlen":
            return .hash(.length(key: arguments[0]))
        case "hexists":
            return .hash(.exists(key: arguments[0], field: arguments[1]))
        case "hstrlen":
            return .hash(.valueLength(key: arguments[0], field: arguments[1]))
        case "hscan":
            let cursor = try scanCursor(arguments[1])
            let options = scanOptions(arguments.dropFirst(2), allowing: ["MATCH", "COUNT", "NOVALUES"])
            return .hash(.scan(key: arguments[0], cursor: cursor, options: options))
        case "hrandfield":
            guard arguments.count >= 2 else {
                return .hash(.randomFields(key: arguments[0], count: nil, withValues: false))
            }
            let count = try integer(arguments[1])
            if count == .min { throw KeyValueStore.rankOutOfRange }
            guard
                arguments.count == 2 || (arguments.count == 3 && KeyValueStore.uppercased(arguments[2]) == "WITHVALUES")
            else { throw KeyValueStore.syntax }
            // As SRANDMEMBER's: a reply of more than `SetRead.randomMembersMax` fields is refused.
            guard count.magnitude <= UInt64(SetRead.randomMembersMax) else { throw KeyValueStore.tooManyRandomMembers }
            return .hash(.randomFields(key: arguments[0], count: count, withValues: arguments.count == 3))
        default:
            if let read = try typedListRead(name, arguments) { return .list(read) }
            if let read = try typedSetRead(name, arguments) { return .redisSet(read) }
            if let read = try typedSortedSetRead(name, arguments) { return .sortedSet(read) }
            if let read = try typedStreamRead(name, arguments) { return .stream(read) }
            // A name in `readArities` that no case parses: a bug in these files, not in the words.
            preconditionFailure("\(name) has an arity but is not parsed")
        }
    }

    static func scanCursor(_ word: [UInt8]) throws(KeyValueError) -> UInt64 {
        guard let cursor = UInt64(String(decoding: word, as: UTF8.self)) else {
            throw KeyValueError(.invalidRequest, "ERR invalid cursor")
        }
        return cursor
    }

    /// SCAN's and HSCAN's options (each takes the ones in `allowed`): NOVALUES alone, the
    /// others with a value.
    static func scanOptions(
        _ words: ArraySlice<[UInt8]>,
        allowing allowed: Set<String>
    ) -> Result<
        ScanOptions, KeyValueError
    > {
        var options = ScanOptions()
        var index = words.startIndex
        while index < words.endIndex {
            let option = KeyValueStore.uppercased(words[index])
            guard allowed.contains(option) else { return .failure(KeyValueStore.syntax) }
            if option == "NOVALUES" {
                options.withValues = false
                index += 1
                continue
            }
            guard index + 1 < words.endIndex else { return .failure(KeyValueStore.syntax) }
            let value = words[index + 1]
            switch option {
            case "MATCH":
                options.pattern = value
            case "COUNT":
                guard let count = KeyValueStore.parseInteger(value) else {
                    return .failure(KeyValueStore.notAnInteger)
                }
                guard count >= 1 else { return .failure(KeyValueStore.syntax) }
                options.count = Int(min(count, Int64(ScanOptions.countMax)))
            default:
                options.type = KeyValueStore.lowercased(value)
            }
            index += 2
        }
        return .success(options)
    }

    /// COPY source destination [DB destination-db] [REPLACE]: Synod has database 0 only.
    static func copy(_ arguments: [[UInt8]]) throws(KeyValueError) -> KeyValueCommand {
        var replace = false
        var index = 2
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            if option == "REPLACE" {
                replace = true
                index += 1
            } else if option == "DB", index + 1 < arguments.count {
                guard let database = KeyValueStore.parseInteger(arguments[index + 1]) else {
                    throw KeyValueStore.notAnInteger
                }
                guard database == 0 else { throw KeyValueError(.outOfRange, "ERR DB index is out of range") }
                index += 2
            } else {
                throw KeyValueStore.syntax
            }
        }
        guard arguments[0] != arguments[1] else { throw KeyValueStore.sameObject }
        return .copy(source: arguments[0], destination: arguments[1], replace: replace)
    }

    /// GETEX's options: none, PERSIST, or one of EX, PX, EXAT, PXAT with a positive amount.
    static func getExpiry(_ options: ArraySlice<[UInt8]>) throws(KeyValueError) -> GetExpiry {
        guard let first = options.first else { return .unchanged }
        let option = KeyValueStore.uppercased(first)
        switch (option, options.count) {
        case ("PERSIST", 1):
            return .persist
        case ("EX", 2), ("PX", 2), ("EXAT", 2), ("PXAT", 2):
            guard let amount = KeyValueStore.parseInteger(options[options.startIndex + 1]) else {
                throw KeyValueStore.notAnInteger
            }
            let (milliseconds, overflow) = amount.multipliedReportingOverflow(
                by: option == "EX" || option == "EXAT" ? 1000 : 1
            )
            guard amount > 0, !overflow else { throw KeyValueStore.invalidExpireTime("getex") }
            return option.hasSuffix("AT") ? .atMilliseconds(milliseconds) : .afterMilliseconds(milliseconds)
        default:
            throw KeyValueStore.syntax
        }
    }

    /// Redis's reply to a command given the wrong number of words.
    public static func wrongArity(_ name: String) -> KeyValueError {
        KeyValueError(.invalidRequest, "ERR wrong number of arguments for '\(name)' command")
    }
}
