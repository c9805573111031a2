import SynodCore
import SynodKeyValue
import Testing

@testable import SynodCommands

/// Requests as a buggy client or peer may send them: the parser answers each one, and what it
/// accepts as a write applies without trapping, alike on every replica.
struct HostileRequestTests {
    static func parse(_ words: String...) -> Result<ClientCommand, CommandRejection> {
        CommandParser.parse(words.map { Array($0.utf8) })
    }

    static func words(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

    @Test func anEmptyRequestIsRefusedNotATrap() {
        #expect(CommandParser.parse([]) == .failure(CommandRejection(lookup: "ERR empty command")))
        #expect(CommandParser.keys(of: []) == [])
        #expect(CommandParser.keys(of: Self.words("RENAME", "a")) == Self.words("a"))
    }

    @Test func setRangeChecksItsOffsetAndSizeAsRedisDoes() {
        let offsetOutOfRange = Result<ClientCommand, CommandRejection>.failure(
            CommandRejection(KeyValueError(.outOfRange, "ERR offset is out of range"))
        )
        let tooLong = Result<ClientCommand, CommandRejection>.failure(
            CommandRejection(KeyValueError(.outOfRange, "ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
        )
        let notAnInteger = Result<ClientCommand, CommandRejection>.failure(
            CommandRejection(KeyValueError(.notANumber, "ERR value is not an integer or out of range"))
        )
        #expect(Self.parse("SETRANGE", "k", "-1", "x") == offsetOutOfRange)
        #expect(Self.parse("SETRANGE", "k", "-9223372036854775808", "x") == offsetOutOfRange)
        #expect(Self.parse("SETRANGE", "k", "9223372036854775807", "x") == tooLong)
        #expect(Self.parse("SETRANGE", "k", String(KeyValueStore.stringBytesMax), "x") == tooLong)
        #expect(Self.parse("SETRANGE", "k", String(KeyValueStore.stringBytesMax - 1), "xy") == tooLong)
        #expect(Self.parse("SETRANGE", "k", "abc", "x") == notAnInteger)
        #expect(Self.parse("SETRANGE", "k", "9223372036854775808", "x") == notAnInteger)
        let largest = String(KeyValueStore.stringBytesMax - 1)
        #expect(
            Self.parse("SETRANGE", "k", largest, "x")
                == .success(
                    .write(.string(.setRange(key: Array("k".utf8), offset: Int64(largest)!, value: Array("x".utf8))))
                )
        )
        // An empty value writes nothing, so any offset is accepted (the store answers the length).
        #expect(
            Self.parse("SETRANGE", "k", "9223372036854775807", "")
                == .success(.write(.string(.setRange(key: Array("k".utf8), offset: Int64.max, value: []))))
        )
    }

    @Test func wordCommandsWithoutTheirArgumentsAreArityErrors() {
        // MSETNX's odd count passes its spec's arity: Redis answers it when the command runs
        // (inside MULTI, in EXEC's answer), so it is not a lookup failure.
        for (words, name) in [
            (["GETEX"], "getex"), (["SCAN"], "scan"), (["SETRANGE", "k"], "setrange"), (["GETRANGE"], "getrange"),
            (["MSETNX", "a", "1", "b"], "msetnx"), (["HSCAN", "h"], "hscan"), (["RANDOMKEY", "x"], "randomkey"),
        ] {
            let message = "ERR wrong number of arguments for '\(name)' command"
            #expect(
                CommandParser.parse(words.map { Array($0.utf8) })
                    == .failure(name == "msetnx" ? CommandRejection(message) : CommandRejection(lookup: message)),
                "\(words)"
            )
        }
    }

    /// The arities of the commands the store runs from words are written once, in the store;
    /// the registry calls the store's writes writes and its reads reads.
    @Test func theRegistryTakesTheStoresArities() {
        for (name, arity) in RedisWordCommands.writeArities {
            #expect(CommandRegistry.command(name)?.arity == arity, "\(name)")
            // A container (XGROUP) has no flags of its own, as in Redis: its subcommands write,
            // but HELP.
            let subcommands = CommandParser.subcommands(of: name).filter { !$0.hasSuffix("|help") }
            let writers = subcommands.isEmpty ? [name] : subcommands
            for writer in writers {
                #expect(CommandRegistry.specs[writer]?.flags.contains(.write) == true, "\(writer)")
            }
            #expect(CommandParser.commandInfo(name)?.arity == arity)
        }
        for (name, arity) in RedisWordCommands.readArities {
            #expect(CommandRegistry.command(name)?.arity == arity, "\(name)")
            #expect(CommandRegistry.command(name)?.flags.contains(.write) == false, "\(name)")
        }
    }

    /// A command the registry calls a write parses to a replicated write (or a refusal), and
    /// one it calls read-only to a read: checked with the words a client would send.
    @Test func registeredWritesParseToWritesAndReadsToReads() {
        let samples: [[String]] = [
            ["SET", "k", "v"], ["DEL", "k"], ["INCR", "k"], ["MSET", "k", "v"], ["EXPIRE", "k", "5"],
            ["HSET", "h", "f", "v"], ["SETNX", "k", "v"], ["FLUSHALL"], ["CAS", "k", "a", "b"], ["CAD", "k", "a"],
            ["LEASE.GRANT", "100"], ["LEASE.REVOKE", "1"], ["LOCK.ACQUIRE", "l", "o", "100"],
            ["LOCK.RELEASE", "l", "o"], ["LOCK.REFRESH", "l", "o", "100"], ["ELECT.CAMPAIGN", "e", "c"],
            ["ELECT.RESIGN", "e", "c"], ["SERVICE.REGISTER", "s", "i", "a:1", "LEASE", "1"],
            ["SERVICE.DEREGISTER", "s", "i"], ["GET", "k"], ["MGET", "k"], ["HGETALL", "h"], ["STRLEN", "k"],
            ["LOCK.INFO", "l"], ["LEASE.TTL", "1"], ["ELECT.LEADER", "e"], ["SERVICE.LIST", "s"], ["TTL", "k"],
        ]
        for words in samples {
            let spec = CommandRegistry.command(words[0].lowercased())!
            switch CommandParser.parse(words.map { Array($0.utf8) }) {
            case .success(.write): #expect(spec.flags.contains(.write), "\(words)")
            case .success(.read): #expect(spec.flags.contains(.readonly), "\(words)")
            default: Issue.record("\(words) did not parse to a write or a read")
            }
        }
    }

    /// Every command name with hostile word lists: the parser answers each, every write it
    /// accepts applies through its encoded entry on two stores alike, and every read it accepts
    /// is served alike.
    @Test(arguments: 1...3 as ClosedRange<UInt64>)
    func whateverTheParserAcceptsAppliesAlikeWithoutTrapping(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var first = KeyValueStore()
        var second = KeyValueStore()
        var index: UInt64 = 0
        var time: Int64 = 1_000
        let names = CommandParser.commandNames
        let prefill = [
            Self.words("SET", "s", "hello"), Self.words("HSET", "h", "f", "1", "g", "x"), Self.words("SET", "n", "10"),
            Self.words("SET", "t", "v", "PX", "300"),
        ]
        let hostile = [
            "", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "-1", "0", "1", "nan", "inf",
            "1e308", "s", "h", "n", "t", "f", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET", "NX", "XX", "GT", "LT",
            "PERSIST", "MATCH", "COUNT", "WAIT", "LEASE", "FENCE", "*",
        ].map { Array($0.utf8) }
        for step in 0..<5_000 {
            time += Int64(random.nextIndex(below: 40))
            var requests: [[[UInt8]]] = step % 60 == 0 ? prefill : []
            let chosen = names[random.nextIndex(below: names.count)]
            var name = Array(chosen.utf8)
            if random.nextIndex(below: 3) == 0 { name = Array(String(decoding: name, as: UTF8.self).uppercased().utf8) }
            // Half the time as many arguments as the command takes at least, so that most
            // requests get past the arity check to the arguments' values.
            let arity = abs(CommandRegistry.command(chosen)?.arity ?? 1)
            let count = random.nextIndex(below: 2) == 0 ? max(0, arity - 1) : random.nextIndex(below: 7)
            var arguments: [[UInt8]] = []
            for _ in 0..<count {
                let pick = random.nextIndex(below: hostile.count + 3)
                arguments.append(
                    pick < hostile.count
                        ? hostile[pick]
                        : (0..<random.nextIndex(below: 9)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                )
            }
            requests.append([name] + arguments)
            for request in requests {
                switch CommandParser.parse(request) {
                case .success(.write(let command)):
                    index += 1
                    let entry = KeyValueEntry(requestID: index, timeMilliseconds: time, command: command).encoded
                    let applied = first.apply(encoded: entry, at: index)
                    #expect(applied.result == second.apply(encoded: entry, at: index).result, "\(request)")
                    if case .error(let error) = applied.result {
                        #expect(error.kind != .undecodableEntry, "\(request): \(error)")
                    }
                case .success(.read(let read)):
                    #expect(first.read(read, at: time) == second.read(read, at: time), "\(request)")
                case .success(.connection), .failure:
                    break
                }
            }
        }
        #expect(first == second)
        #expect(first.snapshotBytes == second.snapshotBytes)
    }
}
