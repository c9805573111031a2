/// The stream commands' words, parsed as Redis 7.0 parses them: ids, options and counts are
/// checked before the key is looked at, with Redis's texts.
extension RedisWordCommands {
    static let streamWriteArities: [String: Int] = [
        "xadd": -5, "xtrim": -4, "xdel": -3, "xsetid": -3, "xgroup": -2, "xreadgroup": -7, "xack": -4, "xclaim": -6,
        "xautoclaim": -6,
    ]

    static let streamReadArities: [String: Int] = [
        "xrange": -4, "xrevrange": -4, "xlen": 2, "xread": -4, "xpending": -3, "xinfo": -2,
    ]

    /// The arity of each XGROUP and XINFO subcommand, its container's name first.
    static let streamSubcommandArities: [String: Int] = [
        "xgroup|create": -5, "xgroup|setid": -5, "xgroup|destroy": 4, "xgroup|createconsumer": 5,
        "xgroup|delconsumer": 5, "xinfo|stream": -3, "xinfo|groups": 3, "xinfo|consumers": 4,
    ]

    /// The typed stream write, or nil for a name that is not one. `arguments` has the count
    /// the arity of `name` promises.
    static func typedStreamWrite(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite? {
        switch name {
        case "xadd":
            return try add(stream: arguments)
        case "xtrim":
            let (trim, next, _) = try trimOptions(arguments, from: 1, adding: false)
            guard next == arguments.count, let trim else { throw KeyValueStore.syntax }
            return .trim(key: arguments[0], trim: trim)
        case "xdel":
            return .delete(
                key: arguments[0],
                ids: try arguments.dropFirst().map { id throws(KeyValueError) in try strictID(id) }
            )
        case "xsetid":
            return try setID(arguments)
        case "xgroup":
            return try group(arguments)
        case "xack":
            let ids = try arguments.dropFirst(2).map { id throws(KeyValueError) in try strictID(id) }
            return .acknowledge(key: arguments[0], group: arguments[1], ids: ids)
        case "xclaim":
            return try claim(arguments)
        case "xautoclaim":
            return try autoClaim(arguments)
        default:
            return nil
        }
    }

    /// The typed stream read, or nil for a name that is not one.
    static func typedStreamRead(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> StreamRead? {
        switch name {
        case "xrange", "xrevrange":
            let reverse = name == "xrevrange"
            let (start, end) = try interval(
                reverse ? arguments[2] : arguments[1],
                reverse ? arguments[1] : arguments[2]
            )
            var count: Int64?
            var index = 3
            while index < arguments.count {
                guard KeyValueStore.uppercased(arguments[index]) == "COUNT", index + 1 < arguments.count else {
                    throw KeyValueStore.syntax
                }
                count = max(try integer(arguments[index + 1]), 0)
                index += 2
            }
            return .range(key: arguments[0], start: start, end: end, count: count, reverse: reverse)
        case "xlen":
            return .length(key: arguments[0])
        case "xread":
            return try streamRead(arguments, group: false).read
        case "xpending":
            return try pending(arguments)
        case "xinfo":
            return .info(try info(arguments))
        default:
            return nil
        }
    }

    /// An id as Redis's streamParseStrictIDOrReply reads it: `ms-seq`, or `ms` with
    /// `missingSequence`; never `-` or `+`.
    static func strictID(_ word: [UInt8], missingSequence: UInt64 = 0) throws(KeyValueError) -> StreamID {
        guard word != [UInt8(ascii: "-")], word != [UInt8(ascii: "+")] else { throw KeyValueStore.invalidStreamID }
        return try id(word, missingSequence: missingSequence)
    }

    /// An id, or `-` (the least) or `+` (the greatest).
    static func id(_ word: [UInt8], missingSequence: UInt64 = 0) throws(KeyValueError) -> StreamID {
        if word == [UInt8(ascii: "-")] { return .zero }
        if word == [UInt8(ascii: "+")] { return .max }
        guard word.count < 128 else { throw KeyValueStore.invalidStreamID }
        let dash = word.firstIndex(of: UInt8(ascii: "-"))
        guard let milliseconds = unsigned(word[..<(dash ?? word.endIndex)]) else { throw KeyValueStore.invalidStreamID }
        guard let dash else { return StreamID(milliseconds, missingSequence) }
        guard let sequence = unsigned(word[(dash + 1)...]) else { throw KeyValueStore.invalidStreamID }
        return StreamID(milliseconds, sequence)
    }

    /// Decimal digits within 64 bits, as strtoull takes them (leading zeros, a `+`).
    private static func unsigned(_ digits: ArraySlice<UInt8>) -> UInt64? {
        let digits = digits.first == UInt8(ascii: "+") ? digits.dropFirst() : digits
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = next
        }
        return value
    }

    /// A range's two ends (XRANGE, XPENDING): `(` excludes an end; a start without a
    /// sequence starts at 0, an end without one ends at the greatest.
    static func interval(_ startWord: [UInt8], _ endWord: [UInt8]) throws(KeyValueError) -> (StreamID, StreamID) {
        var start = try intervalEnd(startWord, missingSequence: 0)
        if start.exclusive {
            guard let next = start.id.next else {
                throw KeyValueError(.invalidRequest, "ERR invalid start ID for the interval")
            }
            start.id = next
        }
        var end = try intervalEnd(endWord, missingSequence: .max)
        if end.exclusive {
            guard let previous = end.id.previous else {
                throw KeyValueError(.invalidRequest, "ERR invalid end ID for the interval")
            }
            end.id = previous
        }
        return (start.id, end.id)
    }

    private static func intervalEnd(
        _ word: [UInt8],
        missingSequence: UInt64
    ) throws(KeyValueError) -> (id: StreamID, exclusive: Bool) {
        if word.count > 1 && word[0] == UInt8(ascii: "(") {
            return (try strictID(Array(word.dropFirst()), missingSequence: missingSequence), true)
        }
        return (try id(word, missingSequence: missingSequence), false)
    }

    /// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
    private static func add(stream arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite {
        let (trim, idIndex, makeStream) = try trimOptions(arguments, from: 1, adding: true)
        guard idIndex < arguments.count else { throw wrongArity("xadd") }
        let fields = Array(arguments[(idIndex + 1)...])
        guard fields.count >= 2, fields.count % 2 == 0 else { throw wrongArity("xadd") }
        let word = arguments[idIndex]
        let id: StreamNewID
        if word == [UInt8(ascii: "*")] {
            id = .automatic
        } else if word.count > 2, word.suffix(2) == [UInt8(ascii: "-"), UInt8(ascii: "*")] {
            id = .milliseconds(try strictID(Array(word.dropLast(2))).milliseconds)
        } else {
            id = .explicit(try strictID(word))
        }
        let command = StreamWrite.add(key: arguments[0], id: id, fields: fields, trim: trim, makeStream: makeStream)
        if let refusal = command.refusal { throw refusal }
        return command
    }

    /// XADD's and XTRIM's options from `start`, as Redis's streamParseAddOrTrimArgsOrReply:
    /// the trim, where they end (XADD's id), and whether XADD may make the stream.
    static func trimOptions(
        _ arguments: [[UInt8]],
        from start: Int,
        adding: Bool
    ) throws(KeyValueError) -> (StreamTrim?, Int, Bool) {
        var strategy: StreamTrim.Strategy?
        var approximate = false
        var limit: Int64?
        var makeStream = true
        var index = start
        while index < arguments.count {
            let moreArguments = arguments.count - 1 - index
            let option = KeyValueStore.uppercased(arguments[index])
            if adding && arguments[index] == [UInt8(ascii: "*")] { break }
            if (option == "MAXLEN" || option == "MINID") && moreArguments > 0 {
                guard strategy == nil else {
                    throw KeyValueError(
                        .invalidRequest,
                        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
                    )
                }
                approximate = false
                let next = arguments[index + 1]
                if moreArguments >= 2 && (next == [UInt8(ascii: "~")] || next == [UInt8(ascii: "=")]) {
                    approximate = next == [UInt8(ascii: "~")]
                    index += 1
                }
                if option == "MAXLEN" {
                    let length = try integer(arguments[index + 1])
                    guard length >= 0 else { throw KeyValueStore.streamMaxLengthNegative }
                    strategy = .maxLength(length)
                } else {
                    strategy = .minimumID(try strictID(arguments[index + 1]))
                }
                index += 2
            } else if option == "LIMIT" && moreArguments > 0 {
                let value = try integer(arguments[index + 1])
                guard value >= 0 else { throw KeyValueStore.limitNotPositive }
                limit = value
                index += 2
            } else if adding && option == "NOMKSTREAM" {
                makeStream = false
                index += 1
            } else if adding {
                break
            } else {
                throw KeyValueStore.syntax
            }
        }
        if (limit ?? 0) > 0 && strategy == nil {
            throw KeyValueError(
                .invalidRequest,
                "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
            )
        }
        if !adding && strategy == nil {
            throw KeyValueError(.invalidRequest, "ERR syntax error, XTRIM must be called with a trimming strategy")
        }
        if limit != nil && !approximate { throw KeyValueStore.limitWithoutApproximation }
        // Without LIMIT, an approximate trim removes at most 100 nodes' worth of entries.
        let trim = strategy.map {
            StreamTrim(
                $0,
                approximate: approximate,
                limit: approximate ? (limit ?? Int64(100 * StreamValue.nodeCapacity)) : 0
            )
        }
        return (trim, index, makeStream)
    }

    /// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
    private static func setID(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite {
        let lastID = try strictID(arguments[1])
        var entriesAdded: Int64?
        var maxDeletedID: StreamID?
        var index = 2
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            guard index + 1 < arguments.count else { throw KeyValueStore.syntax }
            if option == "ENTRIESADDED" {
                let value = try integer(arguments[index + 1])
                guard value >= 0 else { throw KeyValueStore.entriesAddedNegative }
                entriesAdded = value
            } else if option == "MAXDELETEDID" {
                let id = try strictID(arguments[index + 1])
                guard id <= lastID else { throw KeyValueStore.maxDeletedAboveID }
                maxDeletedID = id
            } else {
                throw KeyValueStore.syntax
            }
            index += 2
        }
        return .setID(key: arguments[0], lastID: lastID, entriesAdded: entriesAdded, maxDeletedID: maxDeletedID)
    }

    /// The subcommand's name, its arity checked: `container|name`.
    private static func subcommand(_ container: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> String {
        let name = container + "|" + KeyValueStore.lowercased(arguments[0])
        guard let arity = streamSubcommandArities[name] else {
            let word = String(decoding: arguments[0].prefix(128), as: UTF8.self)
            throw KeyValueError(
                .invalidRequest,
                "ERR unknown subcommand '\(word)'. Try \(container.uppercased()) HELP."
            )
        }
        guard accepts(arity: arity, wordCount: arguments.count + 1) else { throw wrongArity(name) }
        return name
    }

    /// XGROUP CREATE, SETID, DESTROY, CREATECONSUMER, DELCONSUMER.
    private static func group(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite {
        let name = try subcommand("xgroup", arguments)
        let key = arguments[1]
        let group = arguments[2]
        func start(_ word: [UInt8], strict: Bool) throws(KeyValueError) -> StreamID? {
            if word == [UInt8(ascii: "$")] { return nil }
            return strict ? try strictID(word) : try id(word)
        }
        func entriesRead(_ word: [UInt8]) throws(KeyValueError) -> Int64 {
            let value = try integer(word)
            guard value >= -1 else { throw KeyValueStore.entriesReadNegative }
            return value
        }
        let syntax = KeyValueError(
            .invalidRequest,
            "ERR unknown subcommand or wrong number of arguments for '\(String(decoding: arguments[0].prefix(64), as: UTF8.self))'. Try XGROUP HELP."
        )
        switch name {
        case "xgroup|create":
            var makeStream = false
            var read: Int64 = -1
            var index = 4
            while index < arguments.count {
                let option = KeyValueStore.uppercased(arguments[index])
                if option == "MKSTREAM" {
                    makeStream = true
                    index += 1
                } else if option == "ENTRIESREAD" && index + 1 < arguments.count {
                    read = try entriesRead(arguments[index + 1])
                    index += 2
                } else {
                    throw syntax
                }
            }
            guard arguments.count <= 7 else { throw syntax }
            return .createGroup(
                key: key,
                group: group,
                start: try start(arguments[3], strict: true),
                makeStream: makeStream,
                entriesRead: read
            )
        case "xgroup|setid":
            guard arguments.count == 4 || arguments.count == 6 else { throw syntax }
            let id = try start(arguments[3], strict: false)
            var read: Int64 = -1
            if arguments.count == 6 {
                guard KeyValueStore.uppercased(arguments[4]) == "ENTRIESREAD" else { throw syntax }
                read = try entriesRead(arguments[5])
            }
            return .setGroupID(key: key, group: group, start: id, entriesRead: read)
        case "xgroup|destroy":
            return .destroyGroup(key: key, group: group)
        case "xgroup|createconsumer":
            return .createConsumer(key: key, group: group, consumer: arguments[3])
        default:
            return .deleteConsumer(key: key, group: group, consumer: arguments[3])
        }
    }

    /// Whether the words are XREAD with BLOCK: a write (`ListWrite.blocking`), which waits in
    /// the replicated lines of the blocking commands, rather than a read.
    public static func isBlockingStreamRead(_ words: [[UInt8]]) -> Bool {
        guard let name = words.first, KeyValueStore.lowercased(name) == "xread" else { return false }
        for word in words.dropFirst() {
            switch KeyValueStore.uppercased(word) {
            case "STREAMS": return false
            case "BLOCK": return true
            default: continue
            }
        }
        return false
    }

    /// XREAD and XREADGROUP: [GROUP group consumer] [COUNT count] [BLOCK ms] [NOACK] STREAMS
    /// key ... id .... The write: XREADGROUP's, or XREAD's with BLOCK (a blocking command);
    /// the read: XREAD's, without waiting.
    static func streamRead(
        _ arguments: [[UInt8]],
        group isGroupRead: Bool
    ) throws(KeyValueError) -> (command: KeyValueCommand?, read: StreamRead?) {
        let name = isGroupRead ? "xreadgroup" : "xread"
        var count: Int64 = 0
        var block: Int64?
        var group: (name: [UInt8], consumer: [UInt8])?
        var noAcknowledge = false
        var streamsAt: Int?
        var index = 0
        while index < arguments.count {
            let moreArguments = arguments.count - 1 - index
            switch KeyValueStore.uppercased(arguments[index]) {
            case "BLOCK" where moreArguments > 0:
                guard let timeout = KeyValueStore.parseInteger(arguments[index + 1]) else {
                    throw KeyValueError(.notANumber, "ERR timeout is not an integer or out of range")
                }
                guard timeout >= 0 else { throw KeyValueStore.timeoutNegative }
                block = timeout
                index += 2
            case "COUNT" where moreArguments > 0:
                count = max(try integer(arguments[index + 1]), 0)
                index += 2
            case "STREAMS" where moreArguments > 0:
                streamsAt = index + 1
                index = arguments.count
            case "GROUP" where moreArguments >= 2:
                guard isGroupRead else {
                    throw KeyValueError(
                        .invalidRequest,
                        "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
                    )
                }
                group = (arguments[index + 1], arguments[index + 2])
                index += 3
            case "NOACK":
                guard isGroupRead else {
                    throw KeyValueError(
                        .invalidRequest,
                        "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
                    )
                }
                noAcknowledge = true
                index += 1
            default:
                throw KeyValueStore.syntax
            }
        }
        guard let streamsAt else { throw KeyValueStore.syntax }
        let streamWords = arguments[streamsAt...]
        guard streamWords.count % 2 == 0 else {
            throw KeyValueError(
                .invalidRequest,
                "ERR Unbalanced '\(name)' list of streams: for each stream key an ID or '\(isGroupRead ? ">" : "$")' must be specified."
            )
        }
        if isGroupRead && group == nil {
            throw KeyValueError(.invalidRequest, "ERR Missing GROUP option for XREADGROUP")
        }
        let keys = Array(streamWords.prefix(streamWords.count / 2))
        var after: [StreamID?] = []
        for word in streamWords.suffix(streamWords.count / 2) {
            if word == [UInt8(ascii: "$")] {
                guard !isGroupRead else {
                    throw KeyValueError(
                        .invalidRequest,
                        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
                    )
                }
                after.append(nil)
            } else if word == [UInt8(ascii: ">")] {
                guard isGroupRead else {
                    throw KeyValueError(
                        .invalidRequest,
                        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
                    )
                }
                after.append(nil)
            } else {
                after.append(try strictID(word))
            }
        }
        guard let group else {
            let waiting = block.map {
                KeyValueCommand.list(
                    .blocking(.streamEntries(keys: keys, after: after, count: count), timeoutMilliseconds: $0)
                )
            }
            return (waiting, .read(keys: keys, after: after, count: count))
        }
        guard let block else {
            let read = StreamWrite.readGroup(
                group: group.name,
                consumer: group.consumer,
                keys: keys,
                after: after,
                count: count,
                noAcknowledge: noAcknowledge
            )
            return (.stream(read), nil)
        }
        let pop = BlockingPop.groupEntries(
            group: group.name,
            consumer: group.consumer,
            keys: keys,
            after: after,
            count: count,
            noAcknowledge: noAcknowledge
        )
        return (.list(.blocking(pop, timeoutMilliseconds: block)), nil)
    }

    /// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
    private static func pending(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamRead {
        let key = arguments[0]
        let group = arguments[1]
        if arguments.count == 2 { return .pending(key: key, group: group, range: nil) }
        guard (5...8).contains(arguments.count) else { throw KeyValueStore.syntax }
        var first = 2
        var minimumIdle: Int64 = 0
        if KeyValueStore.uppercased(arguments[2]) == "IDLE" {
            minimumIdle = try integer(arguments[3])
            guard arguments.count >= 7 else { throw KeyValueStore.syntax }
            first = 4
        }
        let count = max(try integer(arguments[first + 2]), 0)
        let (start, end) = try interval(arguments[first], arguments[first + 1])
        // Words after the consumer are ignored, as Redis 7.0 ignores them (up to its 9 words).
        let consumer = first + 3 < arguments.count ? arguments[first + 3] : nil
        return .pending(
            key: key,
            group: group,
            range: StreamRead.PendingRange(
                start: start,
                end: end,
                count: count,
                minimumIdleMilliseconds: minimumIdle,
                consumer: consumer
            )
        )
    }

    /// XCLAIM key group consumer min-idle-time id ... [IDLE ms] [TIME ms] [RETRYCOUNT count]
    /// [FORCE] [JUSTID] [LASTID id]: the ids run until a word that is not one.
    private static func claim(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite {
        func number(_ word: [UInt8], _ what: String) throws(KeyValueError) -> Int64 {
            guard let value = KeyValueStore.parseInteger(word) else {
                throw KeyValueError(.notANumber, "ERR Invalid \(what) argument for XCLAIM")
            }
            return value
        }
        let minimumIdle = max(try number(arguments[3], "min-idle-time"), 0)
        var ids: [StreamID] = []
        var index = 4
        // As Redis's XCLAIM: the ids run until the first word that is not one, and that word
        // starts the options (an option that is not one gets its own error below), so the
        // failed parse is the loop's end, not an error.
        while index < arguments.count, let id = try? strictID(arguments[index]) {
            ids.append(id)
            index += 1
        }
        var options = StreamClaimOptions()
        while index < arguments.count {
            let moreArguments = arguments.count - 1 - index
            let option = KeyValueStore.uppercased(arguments[index])
            switch option {
            case "FORCE": options.force = true
            case "JUSTID": options.justID = true
            case "IDLE" where moreArguments > 0:
                index += 1
                options.idleMilliseconds = try number(arguments[index], "IDLE option")
                options.timeMilliseconds = nil
            case "TIME" where moreArguments > 0:
                index += 1
                options.timeMilliseconds = try number(arguments[index], "TIME option")
                options.idleMilliseconds = nil
            case "RETRYCOUNT" where moreArguments > 0:
                index += 1
                options.retryCount = try number(arguments[index], "RETRYCOUNT option")
            case "LASTID" where moreArguments > 0:
                index += 1
                options.lastID = try strictID(arguments[index])
            default:
                let word = String(decoding: arguments[index].prefix(128), as: UTF8.self)
                throw KeyValueError(.invalidRequest, "ERR Unrecognized XCLAIM option '\(word)'")
            }
            index += 1
        }
        return .claim(
            key: arguments[0],
            group: arguments[1],
            consumer: arguments[2],
            minimumIdleMilliseconds: minimumIdle,
            ids: ids,
            options: options
        )
    }

    /// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
    private static func autoClaim(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamWrite {
        guard let idle = KeyValueStore.parseInteger(arguments[3]) else {
            throw KeyValueError(.notANumber, "ERR Invalid min-idle-time argument for XAUTOCLAIM")
        }
        let (start, _) = try interval(arguments[4], [UInt8(ascii: "+")])
        var count: Int64 = 100
        var justID = false
        var index = 5
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            if option == "COUNT" && index + 1 < arguments.count {
                guard let value = KeyValueStore.parseInteger(arguments[index + 1]) else {
                    throw KeyValueStore.notAnInteger
                }
                guard (1...StreamRead.autoClaimCountMax).contains(value) else { throw KeyValueStore.autoClaimCount }
                count = value
                index += 2
            } else if option == "JUSTID" {
                justID = true
                index += 1
            } else {
                throw KeyValueStore.syntax
            }
        }
        return .autoClaim(
            key: arguments[0],
            group: arguments[1],
            consumer: arguments[2],
            minimumIdleMilliseconds: max(idle, 0),
            start: start,
            count: count,
            justID: justID
        )
    }

    /// XINFO STREAM key [FULL [COUNT count]], XINFO GROUPS key, XINFO CONSUMERS key group.
    private static func info(_ arguments: [[UInt8]]) throws(KeyValueError) -> StreamInfo {
        let name = try subcommand("xinfo", arguments)
        switch name {
        case "xinfo|stream":
            guard arguments.count > 2 else { return .stream(key: arguments[1], full: false, count: 0) }
            let wrongUse = KeyValueError(
                .invalidRequest,
                "ERR unknown subcommand or wrong number of arguments for '\(String(decoding: arguments[0].prefix(64), as: UTF8.self))'. Try XINFO HELP."
            )
            guard KeyValueStore.uppercased(arguments[2]) == "FULL" else { throw wrongUse }
            if arguments.count == 5 {
                guard KeyValueStore.uppercased(arguments[3]) == "COUNT" else { throw KeyValueStore.syntax }
                return .stream(key: arguments[1], full: true, count: max(try integer(arguments[4]), 0))
            }
            guard arguments.count == 3 else { throw KeyValueStore.syntax }
            return .stream(key: arguments[1], full: true, count: 10)
        case "xinfo|groups":
            return .groups(key: arguments[1])
        default:
            return .consumers(key: arguments[1], group: arguments[2])
        }
    }
}
