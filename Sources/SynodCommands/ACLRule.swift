/// One word of `ACL SETUSER name rules...` (or of an ACL file's `user` line), parsed with
/// Redis's syntax; `ACLUser.apply` carries it out.
public enum ACLRule: Hashable, Sendable {
    case enable
    case disable
    /// `nopass`: any password opens the user; its passwords are forgotten.
    case noPassword
    /// `resetpass`: no password at all, and no `nopass` either: nobody can log in.
    case resetPasswords
    /// `>password`: the clear text is hashed before it is stored (`ACLUser.apply`).
    case addPassword([UInt8])
    /// `<password`.
    case removePassword([UInt8])
    /// `#hex`: a SHA-256 digest, 32 bytes.
    case addPasswordDigest([UInt8])
    /// `!hex`.
    case removePasswordDigest([UInt8])
    /// `~pattern`, `%R~pattern`, `%W~pattern`, `%RW~pattern`.
    case keyPattern(ACLKeyPattern)
    /// `allkeys`, or `~*`.
    case allKeys
    case resetKeys
    /// `&pattern`.
    case channelPattern([UInt8])
    /// `allchannels`, or `&*`.
    case allChannels
    case resetChannels
    /// `+@all` / `allcommands`.
    case allCommands
    /// `-@all` / `nocommands`.
    case noCommands
    /// `+name` / `-name`: a command, or `container|subcommand`, lowercased.
    case command(String, allowed: Bool)
    /// `+@category` / `-@category`.
    case category(ACLCategory, allowed: Bool)
    /// `sanitize-payload` / `skip-sanitize-payload`: kept and shown, as Redis does; Synod has
    /// no RESTORE, so they change nothing.
    case sanitizePayload(Bool)
    /// `reset`: off, no passwords, keys, channels or commands.
    case reset
    /// `clearselectors`: Synod has no selectors, so there are none to clear.
    case clearSelectors

    /// Parses one rule; the error is Redis's text for it (`ACLRuleError.message`).
    public static func parse(_ word: [UInt8]) throws(ACLRuleError) -> ACLRule {
        guard word.count <= ACLLimits.ruleBytesMax else { throw .tooLong }
        if let keyword = parseKeyword(word) { return keyword }
        guard let first = word.first else { return .clearSelectors }  // Redis takes "" and does nothing.
        let rest = Array(word.dropFirst())
        switch first {
        case UInt8(ascii: ">"): return .addPassword(rest)
        case UInt8(ascii: "<"): return .removePassword(rest)
        case UInt8(ascii: "#"): return .addPasswordDigest(try digest(rest))
        case UInt8(ascii: "!"): return .removePasswordDigest(try digest(rest))
        case UInt8(ascii: "~"):
            try checkPatternBytes(rest)
            return rest == [UInt8(ascii: "*")] ? .allKeys : .keyPattern(ACLKeyPattern(rest))
        case UInt8(ascii: "%"):
            try checkPatternBytes(rest)
            return try selectorPattern(rest)
        case UInt8(ascii: "&"):
            try checkPatternBytes(rest)
            return rest == [UInt8(ascii: "*")] ? .allChannels : .channelPattern(rest)
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return try commandRule(rest, allowed: first == UInt8(ascii: "+"))
        case UInt8(ascii: "("): throw .selectorsUnsupported
        default: throw .syntax
        }
    }

    /// The rules that are words, matched without regard to case as Redis does.
    static func parseKeyword(_ word: [UInt8]) -> ACLRule? {
        switch CommandParser.asciiLowercased(word) {
        case "on": .enable
        case "off": .disable
        case "nopass": .noPassword
        case "resetpass": .resetPasswords
        case "allkeys": .allKeys
        case "resetkeys": .resetKeys
        case "allchannels": .allChannels
        case "resetchannels": .resetChannels
        case "allcommands": .allCommands
        case "nocommands": .noCommands
        case "reset": .reset
        case "sanitize-payload": .sanitizePayload(true)
        case "skip-sanitize-payload": .sanitizePayload(false)
        case "clearselectors": .clearSelectors
        default: nil
        }
    }

    /// An ACL file is lines of words separated by spaces: a pattern with a space, a line end
    /// or a null byte could not be saved and loaded back, so Synod refuses it up front.
    static func checkPatternBytes(_ pattern: [UInt8]) throws(ACLRuleError) {
        guard !pattern.contains(where: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
            throw .patternCharacters
        }
    }

    /// 64 lowercase hex digits to the 32 bytes they spell.
    static func digest(_ hex: [UInt8]) throws(ACLRuleError) -> [UInt8] {
        guard hex.count == 64 else { throw .badDigest }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = lowercaseHexValue(hex[index]), let low = lowercaseHexValue(hex[index + 1]) else {
                throw .badDigest
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    static func lowercaseHexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// `R~pattern`, `W~pattern`, `RW~pattern` (what follows `%`), as Redis reads them: the
    /// letters in either case and order, each once; `%RW~*` is `allkeys`.
    static func selectorPattern(_ rest: [UInt8]) throws(ACLRuleError) -> ACLRule {
        var access = ACLKeyAccess.none
        var index = 0
        scan: while index < rest.count {
            let flag: ACLKeyAccess
            switch rest[index] {
            case UInt8(ascii: "R"), UInt8(ascii: "r"): flag = .read
            case UInt8(ascii: "W"), UInt8(ascii: "w"): flag = .write
            case UInt8(ascii: "~"):
                index += 1
                break scan
            default: throw .syntax
            }
            guard !access.contains(flag) else { throw .syntax }
            access.insert(flag)
            index += 1
        }
        guard !access.isEmpty else { throw .syntax }
        let pattern = Array(rest[index...])
        return access == .readWrite && pattern == [UInt8(ascii: "*")]
            ? .allKeys : .keyPattern(ACLKeyPattern(pattern, access: access))
    }

    /// `name`, `name|subcommand` or `@category` (what follows `+` or `-`).
    static func commandRule(_ rest: [UInt8], allowed: Bool) throws(ACLRuleError) -> ACLRule {
        let name = CommandParser.asciiLowercased(rest)
        if name.hasPrefix("@") {
            guard let category = ACLCategory(rawValue: String(name.dropFirst())) else {
                return name == "@all" ? (allowed ? .allCommands : .noCommands) : try unknown()
            }
            return .category(category, allowed: allowed)
        }
        let parts = name.split(separator: "|", omittingEmptySubsequences: false)
        guard CommandParser.categories[String(parts[0])] != nil else { return try unknown() }
        switch parts.count {
        case 1:
            return .command(name, allowed: allowed)
        case 2 where !CommandParser.subcommands(of: String(parts[0])).isEmpty:
            guard CommandParser.categories[name] != nil else { return try unknown() }
            return .command(name, allowed: allowed)
        case 2:
            // Redis 7 takes `+get|first-argument` (deprecated); Synod does not.
            throw allowed ? .firstArgumentUnsupported : .unknownName
        default:
            throw .subcommandFirstArgumentUnsupported
        }
    }

    static func unknown() throws(ACLRuleError) -> ACLRule { throw .unknownName }
}

/// A key pattern and what it allows on the keys it matches (`~` both, `%R~` reads, `%W~` writes).
public struct ACLKeyPattern: Hashable, Sendable {
    public let pattern: [UInt8]
    public var access: ACLKeyAccess

    public init(_ pattern: [UInt8], access: ACLKeyAccess = .readWrite) {
        self.pattern = pattern
        self.access = access
    }

    /// As ACL LIST writes it.
    public var description: [UInt8] {
        let prefix =
            switch access {
            case .read: "%R~"
            case .write: "%W~"
            default: "~"
            }
        return Array(prefix.utf8) + pattern
    }
}

/// Why a rule was refused; `message` is Redis's wording where Redis has one.
public enum ACLRuleError: Error, Hashable, Sendable {
    case syntax
    case unknownName
    case keyPatternAfterAllKeys
    case channelPatternAfterAllChannels
    case passwordNotFound
    case badDigest
    case firstArgumentUnsupported
    case subcommandFirstArgumentUnsupported
    case selectorsUnsupported
    case tooLong
    case patternCharacters
    case tooManyKeyPatterns
    case tooManyChannelPatterns
    case tooManyPasswords

    public var message: String {
        switch self {
        case .syntax: "Syntax error"
        case .unknownName: "Unknown command or category name in ACL"
        case .keyPatternAfterAllKeys:
            "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
                + "effect. Try 'resetkeys' to start with an empty list of patterns"
        case .channelPatternAfterAllChannels:
            "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
                + "effect. Try 'resetchannels' to start with an empty list of channels"
        case .passwordNotFound: "The password you are trying to remove from the user does not exist"
        case .badDigest:
            "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
        case .firstArgumentUnsupported: "Allowing first-arg of a command is not supported by Synod"
        case .subcommandFirstArgumentUnsupported: "Allowing first-arg of a subcommand is not supported"
        case .selectorsUnsupported: "Selectors are not supported by Synod"
        case .patternCharacters:
            "Synod takes no spaces, line ends or null characters in patterns, which an ACL file could not hold"
        case .tooLong: "Synod takes rules of at most \(ACLLimits.ruleBytesMax) bytes"
        case .tooManyKeyPatterns: "Synod allows at most \(ACLLimits.keyPatternsPerUserMax) key patterns per user"
        case .tooManyChannelPatterns:
            "Synod allows at most \(ACLLimits.channelPatternsPerUserMax) channel patterns per user"
        case .tooManyPasswords: "Synod allows at most \(ACLLimits.passwordsPerUserMax) passwords per user"
        }
    }
}

/// Bounds on what ACL SETUSER and an ACL file may create: whoever may change users may be
/// careless or hostile, and each of these costs memory on every node it is sent to, and time
/// on every command (patterns are matched per key).
public enum ACLLimits {
    public static let usersMax = 10_000
    public static let keyPatternsPerUserMax = 1_000
    public static let channelPatternsPerUserMax = 1_000
    public static let passwordsPerUserMax = 100
    /// A rule's bytes (a pattern, a password) and a user name's.
    public static let ruleBytesMax = 1_024
    /// The rules in one `ACL SETUSER` or one ACL file line.
    public static let rulesPerCommandMax = 10_000
    /// The largest ACL file LOAD reads.
    public static let fileBytesMax = 64 << 20
}
