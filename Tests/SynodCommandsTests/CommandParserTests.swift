import SynodKeyValue
import Testing

@testable import SynodCommands

struct CommandParserTests {
    static func parse(_ words: String...) -> Result<ClientCommand, CommandRejection> {
        CommandParser.parse(words.map { Array($0.utf8) })
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A request's first word finds its command by packed bytes when it is short and by name
    /// otherwise: every command, in any case, and nothing that is not a command's name (a
    /// subcommand, a name with a NUL after it, an empty word).
    @Test func theFirstWordFindsTheCommandItNamesInAnyCase() {
        for (name, spec) in CommandRegistry.specs {
            let found = CommandRegistry.command(named: Array(name.uppercased().utf8))
            if name.contains("|") {
                #expect(found == nil, "\(name)")
            } else {
                #expect(found?.name == spec.name, "\(name)")
                #expect(CommandRegistry.command(named: Array(name.utf8))?.name == spec.name, "\(name)")
                #expect(CommandRegistry.command(named: Array(name.utf8) + [0]) == nil, "\(name)")
            }
        }
        #expect(CommandRegistry.command(named: []) == nil)
        #expect(CommandRegistry.command(named: Array("gEt".utf8))?.name == "get")
        #expect(CommandRegistry.command(named: Array("SUBSCRIBE".utf8))?.name == "subscribe")
        #expect(CommandRegistry.command(named: Array("nosuchcommand".utf8)) == nil)
    }

    @Test func setOptionsBecomeTheReplicatedCommand() {
        #expect(
            Self.parse("set", "k", "v", "nx", "get", "px", "1500")
                == .success(
                    .write(
                        .set(
                            key: Self.bytes("k"),
                            value: Self.bytes("v"),
                            condition: .ifAbsent,
                            expiry: .afterMilliseconds(1500),
                            returnPrevious: true
                        )
                    )
                )
        )
        #expect(
            Self.parse("SET", "k", "v", "EXAT", "100", "XX")
                == .success(
                    .write(
                        .set(
                            key: Self.bytes("k"),
                            value: Self.bytes("v"),
                            condition: .ifPresent,
                            expiry: .atMilliseconds(100_000),
                            returnPrevious: false
                        )
                    )
                )
        )
        #expect(
            Self.parse("SET", "k", "v", "KEEPTTL")
                == .success(
                    .write(
                        .set(
                            key: Self.bytes("k"),
                            value: Self.bytes("v"),
                            condition: .always,
                            expiry: .keep,
                            returnPrevious: false
                        )
                    )
                )
        )
    }

    @Test func expireFamilyAndCounters() {
        #expect(
            Self.parse("EXPIRE", "k", "10", "XX", "LT")
                == .success(
                    .write(
                        .expire(
                            key: Self.bytes("k"),
                            expiry: .afterMilliseconds(10_000),
                            condition: .ifEarlierAndHasExpiry
                        )
                    )
                )
        )
        #expect(
            Self.parse("pexpireat", "k", "5", "GT")
                == .success(.write(.expire(key: Self.bytes("k"), expiry: .atMilliseconds(5), condition: .ifLater)))
        )
        #expect(Self.parse("DECRBY", "n", "7") == .success(.write(.increment(key: Self.bytes("n"), by: -7))))
        #expect(Self.parse("INCR", "n") == .success(.write(.increment(key: Self.bytes("n"), by: 1))))
        #expect(
            Self.parse("MSET", "a", "1", "b", "2")
                == .success(
                    .write(
                        .multiSet(pairs: [
                            KeyValuePair(key: Self.bytes("a"), value: Self.bytes("1")),
                            KeyValuePair(key: Self.bytes("b"), value: Self.bytes("2")),
                        ])
                    )
                )
        )
    }

    @Test func readsAndConnectionCommands() {
        #expect(Self.parse("PTTL", "k") == .success(.read(.timeToLive(key: Self.bytes("k"), inMilliseconds: true))))
        #expect(Self.parse("dbsize") == .success(.read(.keyCount)))
        // The parser takes the credentials; the node checks them (`ClientAuthentication`).
        #expect(
            Self.parse("HELLO", "3", "AUTH", "default", "any", "SETNAME", "app")
                == .success(
                    .connection(
                        .hello(
                            protocolVersion: 3,
                            clientName: Self.bytes("app"),
                            credentials: Credentials(username: Self.bytes("default"), password: Self.bytes("any"))
                        )
                    )
                )
        )
        #expect(
            Self.parse("AUTH", "pw")
                == .success(.connection(.auth(Credentials(username: nil, password: Self.bytes("pw")))))
        )
        #expect(
            Self.parse("AUTH", "alice", "pw")
                == .success(.connection(.auth(Credentials(username: Self.bytes("alice"), password: Self.bytes("pw")))))
        )
        #expect(Self.parse("AUTH", "a", "b", "c") == .failure(CommandRejection("ERR syntax error")))
        #expect(Self.parse("command", "docs", "get") == .success(.connection(.commandDocs(names: [Self.bytes("get")]))))
        #expect(Self.parse("Client", "setName", "w1") == .success(.connection(.clientSetName(Self.bytes("w1")))))
    }

    @Test func theUnknownCommandMessageListsArgumentsUpTo128Bytes() {
        let long = String(repeating: "y", count: 300)
        let error = CommandError.unknownCommand(
            Self.bytes("zap"),
            arguments: [Self.bytes("a"), Self.bytes(long), Self.bytes("b")]
        )
        #expect(error.kind == .invalidRequest)
        #expect(
            error.message
                == "ERR unknown command 'zap', with args beginning with: 'a' '\(String(repeating: "y", count: 124))' "
        )
    }

    @Test func everyCommandIsParsedByItsOwnSpecAndNoSubcommandHasAParser() throws {
        for (name, spec) in CommandRegistry.specs {
            #expect((spec.parse == nil) == name.contains("|"), "\(name)")
        }
        // The spec's parser is what the request reaches: GET's builds GET's typed read.
        let get = CommandRegistry.command("get")!
        #expect(try get.parse!([Self.bytes("k")]) == .read(.get(key: Self.bytes("k"))))
        #expect(Self.parse("GET", "k") == .success(.read(.get(key: Self.bytes("k")))))
    }
}
