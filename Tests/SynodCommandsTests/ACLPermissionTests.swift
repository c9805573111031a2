import Testing

@testable import SynodCommands

/// What a user may run, as Redis decides it: the command (or subcommand), then each key
/// against the key patterns with what the command does to it, then each channel.
struct ACLPermissionTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// carol, as the process tests create her: a few commands, keys under app:, read-only
    /// keys under ro:, write-only under wo:, channels under news.
    static func carol() throws -> ACLUser {
        var user = ACLUser(name: bytes("carol"))
        let rules = [
            "on", ">cpw", "~app:*", "%R~ro:*", "%W~wo:*", "&news.*", "-@all", "+get", "+set", "+publish",
            "+subscribe", "+psubscribe", "+client|id", "+rename", "+exists", "+incr", "+watch.prefix", "+watch.key",
        ]
        for rule in rules { try user.apply(ACLRule.parse(bytes(rule)), digest: ACLRuleTests.fakeDigest) }
        return user
    }

    static func denial(_ words: String...) throws -> ACLDenial? { try carol().denial(of: words.map(bytes)) }

    @Test func commandsOutsideTheRulesAreDeniedByTheirACLName() throws {
        #expect(try Self.denial("DEL", "app:1") == .command("del"))
        #expect(try Self.denial("CLIENT", "LIST") == .command("client|list"))
        #expect(try Self.denial("ACL", "WHOAMI") == .command("acl|whoami"))
        #expect(try Self.denial("COMMAND") == .command("command"))
        #expect(try Self.denial("CLIENT", "ID") == nil)
        #expect(try Self.denial("GET", "app:1") == nil)
        #expect(
            ACLDenial.command("del").message(user: Self.bytes("carol"))
                == "NOPERM User carol has no permissions to run the 'del' command"
        )
    }

    @Test func loggingInAndOutIsAlwaysPermitted() throws {
        #expect(try Self.denial("AUTH", "carol", "x") == nil)
        #expect(try Self.denial("HELLO", "3") == nil)
        #expect(try Self.denial("QUIT") == nil)
        #expect(try Self.denial("PING") == .command("ping"))
    }

    @Test func requestsThatFailBeforePermissionsAreLeftToTheParser() throws {
        #expect(try Self.denial("NOSUCH") == nil)
        #expect(try Self.denial("DEL") == nil)  // the wrong number of words
        #expect(try Self.denial("CLIENT", "NOSUCH") == nil)
    }

    /// A subcommand's keys are checked too, as Redis checks them: XGROUP CREATE's and XINFO
    /// STREAM's key is not at the container's key positions (it has none).
    @Test func aSubcommandsKeysMustMatchAPattern() throws {
        var user = ACLUser(name: Self.bytes("dave"))
        for rule in ["on", ">dpw", "~app:*", "-@all", "+xgroup|create", "+xinfo|stream"] {
            try user.apply(ACLRule.parse(Self.bytes(rule)), digest: ACLRuleTests.fakeDigest)
        }
        func denial(_ words: String...) -> ACLDenial? { user.denial(of: words.map(Self.bytes)) }
        #expect(denial("XGROUP", "CREATE", "app:s", "g", "0") == nil)
        #expect(denial("XGROUP", "CREATE", "other", "g", "0") == .key(Self.bytes("other")))
        #expect(denial("XINFO", "STREAM", "app:s") == nil)
        #expect(denial("XINFO", "STREAM", "other") == .key(Self.bytes("other")))
    }

    @Test func keysMustMatchAPatternThatAllowsWhatTheCommandDoes() throws {
        #expect(try Self.denial("GET", "other") == .key(Self.bytes("other")))
        #expect(try Self.denial("GET", "ro:1") == nil)
        #expect(try Self.denial("GET", "wo:1") == .key(Self.bytes("wo:1")))
        #expect(try Self.denial("SET", "wo:1", "x") == nil)
        #expect(try Self.denial("SET", "ro:1", "x") == .key(Self.bytes("ro:1")))
        // SET ... GET reads the old value too.
        #expect(try Self.denial("SET", "wo:1", "x", "GET") == .key(Self.bytes("wo:1")))
        #expect(try Self.denial("INCR", "ro:1") == .key(Self.bytes("ro:1")))
        #expect(try Self.denial("INCR", "app:n") == nil)
        // EXISTS only looks: any pattern that matches will do.
        #expect(try Self.denial("EXISTS", "wo:1", "ro:1") == nil)
        #expect(try Self.denial("EXISTS", "wo:1", "nope") == .key(Self.bytes("nope")))
        // RENAME reads and deletes its source, writes its destination.
        #expect(try Self.denial("RENAME", "app:1", "wo:2") == nil)
        #expect(try Self.denial("RENAME", "wo:1", "app:2") == .key(Self.bytes("wo:1")))
        // Permissions come before option syntax, as in Redis.
        #expect(try Self.denial("SET", "other", "v", "BOGUS") == .key(Self.bytes("other")))
        #expect(ACLDenial.key([]).message(user: []) == "NOPERM No permissions to access a key")
    }

    @Test func aPrefixIsAllowedOnlyIfOnePatternCoversEveryKeyUnderIt() throws {
        #expect(try Self.denial("WATCH.PREFIX", "app:users:") == nil)
        #expect(try Self.denial("WATCH.PREFIX", "app:") == nil)
        #expect(try Self.denial("WATCH.PREFIX", "ap") == .key(Self.bytes("ap")))
        #expect(try Self.denial("WATCH.KEY", "ro:x") == nil)
        #expect(try Self.denial("WATCH.KEY", "wo:x") == .key(Self.bytes("wo:x")))
        #expect(!ACLUser.coversEveryKey(under: Self.bytes("a"), pattern: Self.bytes("a?*")))
        #expect(!ACLUser.coversEveryKey(under: Self.bytes("a"), pattern: Self.bytes("a")))
    }

    @Test func channelsMatchChannelPatternsAndPSubscribeNeedsTheSamePattern() throws {
        #expect(try Self.denial("PUBLISH", "news.a", "m") == nil)
        #expect(try Self.denial("PUBLISH", "sport", "m") == .channel(Self.bytes("sport")))
        #expect(try Self.denial("SUBSCRIBE", "news.x", "sport") == .channel(Self.bytes("sport")))
        #expect(try Self.denial("PSUBSCRIBE", "news.*") == nil)
        #expect(try Self.denial("PSUBSCRIBE", "news.x*") == .channel(Self.bytes("news.x*")))
        #expect(ACLDenial.channel([]).message(user: []) == "NOPERM No permissions to access a channel")
        #expect(try Self.carol().permitsSubscription(to: Self.bytes("news.1"), isPattern: false))
        #expect(try !Self.carol().permitsSubscription(to: Self.bytes("news.*x"), isPattern: true))
    }

    @Test func dryRunNamesTheKeyOrChannel() throws {
        #expect(ACLDenial.key(Self.bytes("k")).dryRunMessage(user: []) == "No permissions to access the 'k' key")
        #expect(
            ACLDenial.command("del").dryRunMessage(user: Self.bytes("carol"))
                == "User carol has no permissions to run the 'del' command"
        )
    }

    @Test func categoriesAddAndRemoveTheirCommands() throws {
        var user = ACLUser(name: Self.bytes("reader"))
        for rule in ["on", "nopass", "allkeys", "+@read", "-@hash", "+client"] {
            try user.apply(ACLRule.parse(Self.bytes(rule)), digest: ACLRuleTests.fakeDigest)
        }
        #expect(user.denial(of: [Self.bytes("GET"), Self.bytes("k")]) == nil)
        #expect(user.denial(of: [Self.bytes("HGET"), Self.bytes("k"), Self.bytes("f")]) == .command("hget"))
        #expect(user.denial(of: [Self.bytes("SET"), Self.bytes("k"), Self.bytes("v")]) == .command("set"))
        #expect(user.denial(of: [Self.bytes("CLIENT"), Self.bytes("KILL"), Self.bytes("1.2.3.4:5")]) == nil)
        try user.apply(ACLRule.parse(Self.bytes("-client|kill")), digest: ACLRuleTests.fakeDigest)
        #expect(
            user.denial(of: [Self.bytes("CLIENT"), Self.bytes("KILL"), Self.bytes("1.2.3.4:5")])
                == .command("client|kill")
        )
    }
}
