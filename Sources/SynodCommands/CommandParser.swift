import SynodKeyValue

/// Parses a request into a `ClientCommand`, or the error Redis would answer.
public enum CommandParser {
    /// The command names Synod knows, lowercased.
    public static var commandNames: [String] { CommandRegistry.commandNames }

    /// Parses any request, however it arrived (a client, a forwarding peer): an empty one or
    /// one with the wrong words is a rejection, never a trap.
    public static func parse(_ request: [[UInt8]]) -> Result<ClientCommand, CommandRejection> {
        guard let first = request.first else { return .failure(CommandRejection(lookup: CommandError.emptyCommand)) }
        // Every command has a parser; only subcommands (which `command` leaves out) have none.
        guard let spec = CommandRegistry.command(named: first), let parse = spec.parse else {
            return .failure(
                CommandRejection(lookup: CommandError.unknownCommand(first, arguments: request.dropFirst()))
            )
        }
        guard RedisWordCommands.accepts(arity: spec.arity, wordCount: request.count) else {
            return .failure(CommandRejection(lookup: CommandError.wrongArity(asciiLowercased(first))))
        }
        do {
            return .success(try parse(Array(request.dropFirst())))
        } catch {
            return .failure(error)
        }
    }

    /// DECRBY key decrement
    static func parseDecrementBy(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        let amount = try integer(arguments[1])
        guard amount != Int64.min else {
            throw CommandRejection(KeyValueError(.outOfRange, "ERR decrement would overflow"))
        }
        return .write(.increment(key: arguments[0], by: -amount))
    }

    /// MSET key value [key value ...]
    static func parseMultiSet(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        guard arguments.count % 2 == 0 else { throw CommandRejection(CommandError.wrongArity("mset")) }
        let pairs = stride(from: 0, to: arguments.count, by: 2).map {
            KeyValuePair(key: arguments[$0], value: arguments[$0 + 1])
        }
        return .write(.multiSet(pairs: pairs))
    }

    /// A command the store runs from its words (`RedisWordCommands`): the same parser turns
    /// them into the typed write or read here, at the edge, and for entries older nodes logged
    /// as words.
    static func parseWords(_ name: String, _ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        if let lines = try CommandHelp.help(name, arguments) { return .connection(.help(lines: lines)) }
        let words = [Array(name.utf8)] + arguments
        if RedisWordCommands.writeArities[name] != nil || RedisWordCommands.isBlockingStreamRead(words) {
            switch RedisWordCommands.parseWrite(words) {
            case .success(let command): return .write(command)
            case .failure(let error): throw CommandRejection(error)
            }
        }
        switch RedisWordCommands.parseRead(words) {
        case .success(let read): return .read(read)
        case .failure(let error): throw CommandRejection(error)
        }
    }

    /// CONFIG SET maxmemory | maxmemory-policy: replicated, so every replica evicts alike.
    static func parseMemorySetting(_ name: [UInt8], _ value: [UInt8]) throws(CommandRejection) -> KeyValueCommand {
        let text = String(decoding: value, as: UTF8.self)
        if String(decoding: name, as: UTF8.self).lowercased() == "maxmemory" {
            guard let bytes = MemoryLimit.parseBytes(text) else {
                throw CommandRejection(
                    KeyValueError(
                        .outOfRange,
                        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
                    )
                )
            }
            return .configure(maxMemoryBytes: bytes, policy: nil)
        }
        guard let policy = EvictionPolicy(rawValue: text.lowercased()) else {
            throw CommandRejection(
                "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, allkeys-random, volatile-ttl, noeviction"
            )
        }
        return .configure(maxMemoryBytes: nil, policy: policy)
    }

    /// A 64-bit integer argument, parsed exactly as Redis does.
    static func integer(_ bytes: [UInt8]) throws(CommandRejection) -> Int64 {
        guard let value = KeyValueStore.parseInteger(bytes) else { throw CommandRejection(CommandError.notAnInteger) }
        return value
    }

    static func keyword(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self).uppercased() }

    /// Command names are ASCII: folding only A-Z is what Redis does, and far cheaper than
    /// Unicode lowercasing on every request.
    static func asciiLowercased(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (position, byte) in bytes.enumerated() {
                buffer[position] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return bytes.count
        }
    }
}

/// A request Synod will not run: the typed error, with the reply Redis gives for it.
public struct CommandRejection: Error, Hashable, Sendable {
    public let error: KeyValueError
    /// Refused before the command's own arguments were looked at: an empty request, an
    /// unknown command or subcommand, or the wrong number of words for its spec. Inside MULTI
    /// such a request makes EXEC fail (EXECABORT), as in Redis; any other rejection is queued
    /// and is that command's reply in EXEC's answer.
    public var isLookupFailure: Bool { stage == 1 }
    /// 1 for a lookup failure, 0 otherwise. A UInt8, not a Bool: with a Bool here Swift 6.3.1
    /// read `Result<_, CommandRejection>` values as the wrong case (a failed ACL file load
    /// came out as a success, `AccessControlTests.aMissingOrBadFileIsAClearError`), as it
    /// copied `ReadCommand` wrongly; a UInt8 has no spare bits for the enum's tag to misuse.
    let stage: UInt8

    /// The error reply Redis gives.
    public var message: String { error.message }

    public init(_ error: KeyValueError) {
        self.error = error
        self.stage = 0
    }

    public init(lookup error: KeyValueError) {
        self.error = error
        self.stage = 1
    }

    /// A request whose words are wrong (`invalidRequest`): a syntax error, a setting that is
    /// not one, a name that is taken.
    public init(_ message: String) {
        self.init(KeyValueError(.invalidRequest, message))
    }

    /// A lookup failure (always `invalidRequest`) with this reply.
    public init(lookup message: String) {
        self.init(lookup: KeyValueError(.invalidRequest, message))
    }
}
