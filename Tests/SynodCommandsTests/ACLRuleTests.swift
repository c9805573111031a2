import Testing

@testable import SynodCommands

/// ACL rules as Redis parses them, and users as ACL LIST describes them (Redis 7.2's form:
/// `+@all`/`-@all`, then each command rule once, at its latest place).
struct ACLRuleTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A stand-in for SHA-256 (this target has no Crypto): 32 bytes that differ per password.
    static func fakeDigest(_ password: [UInt8]) -> [UInt8] {
        Array((password + Array(repeating: 0x5A, count: 32)).prefix(32))
    }

    static func user(_ rules: String...) throws(ACLRuleError) -> ACLUser {
        var user = ACLUser(name: bytes("u"))
        for rule in rules { try user.apply(ACLRule.parse(bytes(rule)), digest: fakeDigest) }
        return user
    }

    static let digestHex = String(repeating: "ab", count: 32)

    @Test(arguments: [
        ("on", ACLRule.enable), ("OFF", .disable), ("nopass", .noPassword), ("ResetPass", .resetPasswords),
        (">secret", .addPassword(bytes("secret"))), ("<secret", .removePassword(bytes("secret"))),
        ("#" + digestHex, .addPasswordDigest(Array(repeating: 0xAB, count: 32))),
        ("!" + digestHex, .removePasswordDigest(Array(repeating: 0xAB, count: 32))),
        ("~app:*", .keyPattern(ACLKeyPattern(bytes("app:*")))), ("~*", .allKeys), ("allkeys", .allKeys),
        ("%R~ro:*", .keyPattern(ACLKeyPattern(bytes("ro:*"), access: .read))),
        ("%w~wo:*", .keyPattern(ACLKeyPattern(bytes("wo:*"), access: .write))),
        ("%WR~rw", .keyPattern(ACLKeyPattern(bytes("rw")))), ("%RW~*", .allKeys),
        ("%R~*", .keyPattern(ACLKeyPattern(bytes("*"), access: .read))), ("resetkeys", .resetKeys),
        ("&news.*", .channelPattern(bytes("news.*"))), ("&*", .allChannels), ("allchannels", .allChannels),
        ("resetchannels", .resetChannels), ("+@all", .allCommands), ("allcommands", .allCommands),
        ("-@ALL", .noCommands), ("nocommands", .noCommands), ("+GET", .command("get", allowed: true)),
        ("-client|kill", .command("client|kill", allowed: false)), ("+@Read", .category(.read, allowed: true)),
        ("-@dangerous", .category(.dangerous, allowed: false)), ("+@sortedset", .category(.sortedset, allowed: true)),
        ("reset", .reset), ("sanitize-payload", .sanitizePayload(true)), ("", .clearSelectors),
    ])
    func rulesParseAsRedisReadsThem(word: String, rule: ACLRule) throws {
        #expect(try ACLRule.parse(Self.bytes(word)) == rule)
    }

    @Test(arguments: [
        ("bogus", ACLRuleError.syntax), ("+nosuch", .unknownName), ("+@nosuch", .unknownName), ("+", .unknownName),
        ("-", .unknownName), ("+@", .unknownName), ("+acl|nosuch", .unknownName), ("-get|x", .unknownName),
        ("+get|x", .firstArgumentUnsupported), ("+acl|whoami|x", .subcommandFirstArgumentUnsupported),
        ("#abc", .badDigest), ("#" + digestHex.uppercased(), .badDigest), ("!xyz", .badDigest), ("%~x", .syntax),
        ("%RR~x", .syntax), ("%Q~x", .syntax), ("(~x +get)", .selectorsUnsupported),
        ("~a b", .patternCharacters), ("&a\nb", .patternCharacters),
        ("~" + String(repeating: "x", count: ACLLimits.ruleBytesMax), .tooLong),
    ])
    func malformedRulesAreRefusedWithRedisTexts(word: String, error: ACLRuleError) {
        #expect(throws: error) { try ACLRule.parse(Self.bytes(word)) }
    }

    @Test func errorTextsAreRedisWords() {
        #expect(ACLRuleError.unknownName.message == "Unknown command or category name in ACL")
        #expect(ACLRuleError.syntax.message == "Syntax error")
        #expect(
            ACLRuleError.passwordNotFound.message
                == "The password you are trying to remove from the user does not exist"
        )
        #expect(
            ACLRuleError.badDigest.message
                == "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
        )
    }

    @Test func rulesThatConflictWithWhatCameBeforeAreRefused() {
        #expect(throws: ACLRuleError.keyPatternAfterAllKeys) { try Self.user("allkeys", "~x") }
        #expect(throws: ACLRuleError.keyPatternAfterAllKeys) { try Self.user("~*", "%R~x") }
        #expect(throws: ACLRuleError.channelPatternAfterAllChannels) { try Self.user("allchannels", "&x") }
        #expect(throws: ACLRuleError.passwordNotFound) { try Self.user(">a", "<b") }
        #expect(throws: ACLRuleError.passwordNotFound) { try Self.user("!" + Self.digestHex) }
        // After a reset, patterns may follow again.
        #expect(throws: Never.self) {
            try Self.user("allkeys", "resetkeys", "~x", "allchannels", "resetchannels", "&y")
        }
    }

    @Test func aUserIsDescribedByTheRulesThatMakeItAgain() throws {
        let fresh = ACLUser(name: Self.bytes("alice"))
        #expect(String(decoding: fresh.listLine, as: UTF8.self) == "user alice off resetchannels -@all")
        var alice = fresh
        for rule in ["on", ">pw", "~app:*", "&news", "+get", "%R~ro*", "+GET", "+set", "-@dangerous"] {
            try alice.apply(ACLRule.parse(Self.bytes(rule)), digest: Self.fakeDigest)
        }
        let digest = alice.passwordHexDigests[0]
        #expect(
            String(decoding: alice.listLine, as: UTF8.self)
                == "user alice on #\(digest) ~app:* %R~ro* resetchannels &news -@all +get +set -@dangerous"
        )
        #expect(alice.flags == ["on"])
        #expect(String(decoding: alice.keyDescription, as: UTF8.self) == "~app:* %R~ro*")
        #expect(String(decoding: alice.channelDescription, as: UTF8.self) == "&news")
        let admin = ACLUser.defaultUser(passwordDigest: nil)
        #expect(String(decoding: admin.listLine, as: UTF8.self) == "user default on nopass ~* &* +@all")
        #expect(admin.isUnrestricted)
    }

    @Test func commandRulesKeepEachNameOnceAtItsLatestPlace() throws {
        #expect(
            try String(decoding: Self.user("+get", "+set", "+get").commandDescription, as: UTF8.self)
                == "-@all +set +get"
        )
        #expect(
            try String(decoding: Self.user("+@all", "-@write").commandDescription, as: UTF8.self) == "+@all -@write"
        )
        #expect(try String(decoding: Self.user("+@read", "-@read").commandDescription, as: UTF8.self) == "-@all -@read")
        #expect(try String(decoding: Self.user("+get", "allcommands").commandDescription, as: UTF8.self) == "+@all")
        #expect(
            try String(decoding: Self.user("+get", "nocommands", "+set").commandDescription, as: UTF8.self)
                == "-@all +set"
        )
    }

    @Test func repeatedPatternsAndPasswordsAreKeptOnce() throws {
        let user = try Self.user("~a", "~a", "%R~b", "%W~b", "&c", "&c", ">p", ">p")
        #expect(String(decoding: user.keyDescription, as: UTF8.self) == "~a ~b")
        #expect(String(decoding: user.channelDescription, as: UTF8.self) == "&c")
        #expect(user.passwordDigests.count == 1)
        #expect(try Self.user(">p", "nopass").passwordDigests.isEmpty)
        #expect(try !Self.user("nopass", ">p").noPassword)
        let reset = try Self.user("on", ">p", "~a", "&b", "+get", "reset")
        #expect(String(decoding: reset.listLine, as: UTF8.self) == "user u off sanitize-payload resetchannels -@all")
    }

    @Test func perUserBoundsGiveClearErrors() throws {
        var user = ACLUser(name: Self.bytes("u"))
        for index in 0..<ACLLimits.keyPatternsPerUserMax {
            try user.apply(.keyPattern(ACLKeyPattern(Self.bytes("k\(index)"))), digest: Self.fakeDigest)
        }
        #expect(throws: ACLRuleError.tooManyKeyPatterns) {
            try user.apply(.keyPattern(ACLKeyPattern(Self.bytes("one-more"))), digest: Self.fakeDigest)
        }
        for index in 0..<ACLLimits.channelPatternsPerUserMax {
            try user.apply(.channelPattern(Self.bytes("c\(index)")), digest: Self.fakeDigest)
        }
        #expect(throws: ACLRuleError.tooManyChannelPatterns) {
            try user.apply(.channelPattern(Self.bytes("one-more")), digest: Self.fakeDigest)
        }
        for index in 0..<ACLLimits.passwordsPerUserMax {
            try user.apply(.addPassword(Self.bytes("p\(index)")), digest: Self.fakeDigest)
        }
        #expect(throws: ACLRuleError.tooManyPasswords) {
            try user.apply(.addPassword(Self.bytes("one-more")), digest: Self.fakeDigest)
        }
        #expect(ACLRuleError.tooManyKeyPatterns.message == "Synod allows at most 1000 key patterns per user")
    }

    @Test func theCategoryTableCoversEveryCommandAndOnlySubcommandsTheParserKnows() {
        for name in CommandParser.commandNames {
            #expect(CommandParser.categories[name] != nil, "\(name) has no ACL categories")
        }
        for name in CommandParser.categories.keys {
            let parts = name.split(separator: "|").map(String.init)
            #expect(CommandRegistry.command(parts[0]) != nil, "\(name) is not a command")
            guard parts.count == 2 else { continue }
            // Some number of arguments makes the parser take the subcommand.
            let known = (0...3).contains { extra in
                let words = [parts[0], parts[1]] + Array(repeating: "1", count: extra)
                guard case .failure(let rejection) = CommandParser.parse(words.map(Self.bytes)) else { return true }
                return !rejection.message.hasPrefix("ERR unknown subcommand")
            }
            #expect(known, "the parser does not know \(name)")
        }
        #expect(CommandParser.subcommands(of: "client").contains("client|id"))
        #expect(CommandParser.commands(in: .transaction) == ["discard", "exec", "multi", "unwatch", "watch"])
    }

    @Test func aclSubcommandsHaveRedisArities() {
        func parse(_ words: String...) -> Result<ClientCommand, CommandRejection> {
            CommandParser.parse(words.map(Self.bytes))
        }
        #expect(parse("ACL") == .failure(CommandRejection(lookup: "ERR wrong number of arguments for 'acl' command")))
        #expect(
            parse("ACL", "FOO") == .failure(CommandRejection(lookup: "ERR unknown subcommand 'FOO'. Try ACL HELP."))
        )
        #expect(
            parse("ACL", "SETUSER")
                == .failure(CommandRejection(lookup: "ERR wrong number of arguments for 'acl|setuser' command"))
        )
        #expect(
            parse("ACL", "WHOAMI", "x")
                == .failure(CommandRejection(lookup: "ERR wrong number of arguments for 'acl|whoami' command"))
        )
        #expect(
            parse("ACL", "CAT", "a", "b")
                == .failure(
                    CommandRejection("ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
                )
        )
        #expect(parse("ACL", "CAT", "nosuch") == .failure(CommandRejection("ERR Unknown category 'nosuch'")))
        #expect(
            parse("ACL", "SETUSER", "a b")
                == .failure(CommandRejection("ERR Usernames can't contain spaces or null characters"))
        )
        #expect(
            parse("ACL", "GENPASS", "0")
                == .failure(
                    CommandRejection(
                        "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
                    )
                )
        )
        #expect(
            parse("acl", "setuser", "bob", "on", "+get")
                == .success(
                    .connection(.acl(.setUser(name: Self.bytes("bob"), rules: [Self.bytes("on"), Self.bytes("+get")])))
                )
        )
        #expect(parse("ACL", "CAT", "Pubsub") == .success(.connection(.acl(.categories(.pubsub)))))
    }
}
