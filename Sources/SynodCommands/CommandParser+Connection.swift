import SynodKeyValue

/// Commands about the connection and the server.
extension CommandParser {
    /// PING [message]
    static func parsePing(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        guard arguments.count <= 1 else { throw CommandRejection(CommandError.wrongArity("ping")) }
        return .connection(.ping(message: arguments.first))
    }

    /// SELECT index: database 0 is the only one.
    static func parseSelect(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        guard let database = Int(String(decoding: arguments[0], as: UTF8.self)) else {
            throw CommandRejection(CommandError.notAnInteger)
        }
        guard database == 0 else { throw CommandRejection(KeyValueError(.outOfRange, "ERR DB index is out of range")) }
        return .connection(.select(database: database))
    }

    /// AUTH [username] password
    static func parseAuth(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        switch arguments.count {
        case 1: return .connection(.auth(Credentials(username: nil, password: arguments[0])))
        case 2: return .connection(.auth(Credentials(username: arguments[0], password: arguments[1])))
        default: throw CommandRejection(CommandError.syntax)
        }
    }

    /// COMMAND [COUNT | DOCS [name ...] | INFO [name ...]]
    static func parseCommand(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        guard let subcommand = arguments.first else { return .connection(.commandInfo(names: nil)) }
        switch keyword(subcommand) {
        case "COUNT":
            guard arguments.count == 1 else {
                throw CommandRejection(lookup: CommandError.wrongArity("command|count"))
            }
            return .connection(.commandCount)
        case "DOCS":
            return .connection(.commandDocs(names: Array(arguments.dropFirst())))
        case "INFO":
            return .connection(.commandInfo(names: arguments.count > 1 ? Array(arguments.dropFirst()) : nil))
        default:
            throw CommandRejection(lookup: CommandError.unknownSubcommand(subcommand, of: "command"))
        }
    }

    /// CONFIG GET pattern ... | CONFIG SET parameter value. Setting maxmemory or
    /// maxmemory-policy is a write (replicated, so every replica evicts alike); the others
    /// are this node's.
    static func parseConfig(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        switch keyword(arguments[0]) {
        case "GET":
            guard arguments.count >= 2 else {
                throw CommandRejection(lookup: CommandError.wrongArity("config|get"))
            }
            return .connection(.configGet(patterns: Array(arguments.dropFirst())))
        case "SET":
            guard arguments.count >= 3 else { throw CommandRejection(lookup: CommandError.wrongArity("config|set")) }
            guard arguments.count % 2 == 1 else { throw CommandRejection(KeyValueStore.syntax) }
            return try parseConfigSet(arguments.dropFirst())
        default:
            throw CommandRejection(lookup: CommandError.unknownSubcommand(arguments[0], of: "config"))
        }
    }

    /// CONFIG SET parameter value [parameter value ...]: every pair is checked before any is
    /// set, as Redis does. The memory settings are replicated writes, so they go together
    /// and alone; the others are this node's.
    static func parseConfigSet(_ pairs: ArraySlice<[UInt8]>) throws(CommandRejection) -> ClientCommand {
        let memorySettings = ["maxmemory", "maxmemory-policy"]
        var keyspaceEvents: KeyspaceEvents?
        var tuning: [TuningSetting] = []
        var memory: [KeyValueCommand] = []
        var index = pairs.startIndex
        while index < pairs.endIndex {
            let name = String(decoding: pairs[index], as: UTF8.self).lowercased()
            let value = pairs[index + 1]
            index += 2
            if memorySettings.contains(name) {
                memory.append(try parseMemorySetting(pairs[index - 2], value))
            } else if name == "notify-keyspace-events" {
                guard let events = KeyspaceEvents(flags: String(decoding: value, as: UTF8.self)) else {
                    throw CommandRejection(KeyspaceEvents.invalid)
                }
                keyspaceEvents = events
            } else if TuningParameters.immutable.contains(name) {
                throw CommandRejection(TuningParameters.failed(name, "can't set immutable config"))
            } else if let canonical = TuningParameters.canonicalName(name) {
                switch TuningParameters.check(canonical, value, given: name) {
                case .success(let checked): tuning.append(TuningSetting(name: canonical, value: checked))
                case .failure(let error): throw CommandRejection(error)
                }
            } else {
                throw CommandRejection(TuningParameters.unknown(name))
            }
        }
        guard !memory.isEmpty else { return .connection(.configSet(keyspaceEvents: keyspaceEvents, tuning: tuning)) }
        guard keyspaceEvents == nil, tuning.isEmpty else {
            throw CommandRejection(
                "ERR CONFIG SET of maxmemory or maxmemory-policy takes no other parameters in Synod (they are replicated)"
            )
        }
        var maxBytes: Int?
        var policy: EvictionPolicy?
        for case .configure(let bytes, let chosen) in memory {
            maxBytes = bytes ?? maxBytes
            policy = chosen ?? policy
        }
        return .write(.configure(maxMemoryBytes: maxBytes, policy: policy))
    }

    /// PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT
    static func parsePubsub(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        switch keyword(arguments[0]) {
        case "CHANNELS" where arguments.count <= 2:
            return .connection(.pubsubChannels(pattern: arguments.count == 2 ? arguments[1] : nil))
        case "NUMSUB":
            return .connection(.pubsubNumsub(channels: Array(arguments.dropFirst())))
        case "NUMPAT" where arguments.count == 1:
            return .connection(.pubsubNumpat)
        case "CHANNELS", "NUMPAT":
            throw CommandRejection(lookup: CommandError.wrongArity("pubsub|\(keyword(arguments[0]).lowercased())"))
        default:
            throw CommandRejection(lookup: CommandError.unknownSubcommand(arguments[0], of: "pubsub"))
        }
    }

    /// CLUSTER INFO | MYID | KEYSLOT key | SLOTS | SHARDS | NODES
    static func parseCluster(_ arguments: [[UInt8]]) throws(CommandRejection) -> ConnectionCommand {
        let subcommand = keyword(arguments[0])
        let arity = ["INFO": 1, "MYID": 1, "KEYSLOT": 2, "SLOTS": 1, "SHARDS": 1, "NODES": 1]
        guard let expected = arity[subcommand] else {
            throw CommandRejection(lookup: CommandError.unknownSubcommand(arguments[0], of: "cluster"))
        }
        guard arguments.count == expected else {
            throw CommandRejection(lookup: CommandError.wrongArity("cluster|\(subcommand.lowercased())"))
        }
        return .cluster(subcommand: subcommand, key: arguments.count > 1 ? arguments[1] : nil)
    }

    /// HELLO [protover [AUTH username password] [SETNAME clientname]]
    static func parseHello(_ arguments: [[UInt8]]) throws(CommandRejection) -> ConnectionCommand {
        guard let first = arguments.first else { return .hello(protocolVersion: nil, clientName: nil) }
        guard let version = KeyValueStore.parseInteger(first) else {
            throw CommandRejection(KeyValueError(.notANumber, "ERR Protocol version is not an integer or out of range"))
        }
        guard version == 2 || version == 3 else { throw CommandRejection("NOPROTO unsupported protocol version") }
        var name: [UInt8]?
        var credentials: Credentials?
        var index = 1
        while index < arguments.count {
            switch keyword(arguments[index]) {
            case "SETNAME" where index + 1 < arguments.count:
                name = arguments[index + 1]
                index += 2
            case "AUTH" where index + 2 < arguments.count:
                credentials = Credentials(username: arguments[index + 1], password: arguments[index + 2])
                index += 3
            default:
                throw CommandRejection(
                    "ERR Syntax error in HELLO option '\(String(decoding: arguments[index], as: UTF8.self))'"
                )
            }
        }
        if let name { try checkClientName(name) }
        return .hello(protocolVersion: Int(version), clientName: name, credentials: credentials)
    }

    static func parseClient(_ arguments: [[UInt8]]) throws(CommandRejection) -> ConnectionCommand {
        switch keyword(arguments[0]) {
        case "SETNAME":
            guard arguments.count == 2 else {
                throw CommandRejection(lookup: CommandError.wrongArity("client|setname"))
            }
            try checkClientName(arguments[1])
            return .clientSetName(arguments[1])
        case "GETNAME":
            guard arguments.count == 1 else {
                throw CommandRejection(lookup: CommandError.wrongArity("client|getname"))
            }
            return .clientGetName
        case "ID":
            guard arguments.count == 1 else { throw CommandRejection(lookup: CommandError.wrongArity("client|id")) }
            return .clientID
        case "LIST":
            guard arguments.count == 1 else { throw CommandRejection(CommandError.syntax) }
            return .clientList
        case "TRACKING":
            return .clientTracking(try parseTracking(arguments))
        case "CACHING":
            guard arguments.count == 2 else {
                throw CommandRejection(lookup: CommandError.wrongArity("client|caching"))
            }
            switch keyword(arguments[1]) {
            case "YES": return .clientCaching(true)
            case "NO": return .clientCaching(false)
            default: throw CommandRejection(CommandError.syntax)
            }
        case "CAPA":
            // Redis takes any capability and ignores those it does not know; `redirect` says
            // the client follows MOVED.
            guard arguments.count >= 2 else { throw CommandRejection(lookup: CommandError.wrongArity("client|capa")) }
            return .clientCapabilities(
                followsRedirections: arguments.dropFirst().contains { keyword($0) == "REDIRECT" }
            )
        case "GETREDIR":
            guard arguments.count == 1 else {
                throw CommandRejection(lookup: CommandError.wrongArity("client|getredir"))
            }
            return .clientGetRedirect
        case "INFO":
            guard arguments.count == 1 else { throw CommandRejection(lookup: CommandError.wrongArity("client|info")) }
            return .clientInfo
        case "REPLY":
            guard arguments.count == 2 else { throw CommandRejection(lookup: CommandError.wrongArity("client|reply")) }
            switch keyword(arguments[1]) {
            case "ON": return .clientReply(.on)
            case "OFF": return .clientReply(.off)
            case "SKIP": return .clientReply(.skip)
            default: throw CommandRejection(CommandError.syntax)
            }
        case "KILL":
            // CLIENT KILL addr (old form) or CLIENT KILL ID id | ADDR addr ... (new form).
            guard arguments.count >= 2 else { throw CommandRejection(lookup: CommandError.wrongArity("client|kill")) }
            if arguments.count == 2 {
                return .clientKill(id: nil, address: String(decoding: arguments[1], as: UTF8.self), oldForm: true)
            }
            var id: Int?
            var address: String?
            var index = 1
            while index < arguments.count {
                guard index + 1 < arguments.count else { throw CommandRejection(CommandError.syntax) }
                switch keyword(arguments[index]) {
                case "ID":
                    guard let value = Int(String(decoding: arguments[index + 1], as: UTF8.self)), value > 0 else {
                        throw CommandRejection(KeyValueError(.outOfRange, "ERR client-id should be greater than 0"))
                    }
                    id = value
                case "ADDR": address = String(decoding: arguments[index + 1], as: UTF8.self)
                default: throw CommandRejection(CommandError.syntax)
                }
                index += 2
            }
            return .clientKill(id: id, address: address, oldForm: false)
        default:
            throw CommandRejection(lookup: CommandError.unknownSubcommand(arguments[0], of: "client"))
        }
    }

    /// CLIENT TRACKING on|off [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT]; nil for off.
    static func parseTracking(_ arguments: [[UInt8]]) throws(CommandRejection) -> TrackingOptions? {
        guard arguments.count >= 2 else { throw CommandRejection(lookup: CommandError.wrongArity("client|tracking")) }
        let switchedOn: Bool
        switch keyword(arguments[1]) {
        case "ON": switchedOn = true
        case "OFF": switchedOn = false
        default: throw CommandRejection(CommandError.syntax)
        }
        var options = TrackingOptions()
        var index = 2
        while index < arguments.count {
            switch keyword(arguments[index]) {
            case "REDIRECT" where index + 1 < arguments.count:
                guard let id = Int(String(decoding: arguments[index + 1], as: UTF8.self)) else {
                    throw CommandRejection(CommandError.notAnInteger)
                }
                options.redirect = id
                index += 1
            case "PREFIX" where index + 1 < arguments.count:
                options.prefixes.append(arguments[index + 1])
                index += 1
            case "BCAST": options.broadcast = true
            case "OPTIN": options.optIn = true
            case "OPTOUT": options.optOut = true
            case "NOLOOP": options.noLoop = true
            default: throw CommandRejection(CommandError.syntax)
            }
            index += 1
        }
        guard switchedOn else { return nil }
        if !options.prefixes.isEmpty && !options.broadcast {
            throw CommandRejection("ERR PREFIX option requires BCAST mode to be enabled")
        }
        if options.broadcast && (options.optIn || options.optOut) {
            throw CommandRejection("ERR OPTIN and OPTOUT are not compatible with BCAST")
        }
        if options.optIn && options.optOut {
            throw CommandRejection("ERR You can't use OPTIN and OPTOUT at the same time")
        }
        return options
    }

    /// The keys a command names, by its key positions (COMMAND INFO's first, last and step),
    /// or its subcommand's (OBJECT ENCODING key, XGROUP CREATE key ..., XINFO STREAM key).
    public static func keys(of words: [[UInt8]]) -> [[UInt8]] {
        guard let name = words.first, let spec = CommandRegistry.command(KeyValueStore.lowercased(name)) else {
            return []
        }
        if words.count > 1,
            let subcommand = CommandRegistry.specs[
                KeyValueStore.lowercased(name) + "|" + KeyValueStore.lowercased(words[1])
            ], subcommand.keys.first > 0
        {
            let positions = subcommand.keys
            let last = positions.last < 0 ? words.count + positions.last : positions.last
            guard positions.first < words.count else { return [] }
            return stride(from: positions.first, through: min(last, words.count - 1), by: max(1, positions.step))
                .map { words[$0] }
        }
        if spec.keys.streamsSearchStart > 0 {
            let start = spec.keys.streamsSearchStart
            guard start < words.count,
                let streams = words[start...].firstIndex(where: { KeyValueStore.lowercased($0) == "streams" })
            else { return [] }
            let rest = words[(streams + 1)...]
            return Array(rest.prefix(rest.count / 2))
        }
        if spec.keys.areMovable {
            // The count as the command's parser reads it; a count that is not one, or more
            // keys than words, names no keys (the parser refuses the request).
            let position = spec.keys.countPosition
            guard position < words.count, let count = KeyValueStore.parseInteger(words[position]), count > 0,
                count < Int64(words.count - position)
            else { return [] }
            let fixed = spec.keys.first > 0 ? [words[spec.keys.first]] : []
            return fixed + Array(words[(position + 1)...(position + Int(count))])
        }
        guard let info = commandInfo(KeyValueStore.lowercased(name)), info.firstKey > 0 else {
            return []
        }
        let last = info.lastKey < 0 ? words.count + info.lastKey : info.lastKey
        guard info.firstKey < words.count else { return [] }
        return stride(from: info.firstKey, through: min(last, words.count - 1), by: max(1, info.step)).map { words[$0] }
    }

    /// Client names cannot contain spaces, newlines or other special characters.
    static func checkClientName(_ name: [UInt8]) throws(CommandRejection) {
        guard name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw CommandRejection("ERR Client names cannot contain spaces, newlines or special characters.")
        }
    }
}
