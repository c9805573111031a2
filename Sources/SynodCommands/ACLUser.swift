/// A Redis ACL user: whether it is on, its passwords (SHA-256 digests), and the commands,
/// keys and channels it may use. Changed only through `apply`, one rule at a time, so it
/// means what the same rules mean to Redis.
public struct ACLUser: Hashable, Sendable {
    public let name: [UInt8]
    public private(set) var isEnabled = false
    /// `nopass`: any password opens the user. Invariant: no digests while set.
    public private(set) var noPassword = false
    /// SHA-256 digests (32 bytes each), in the order they were added, without repeats.
    public private(set) var passwordDigests: [[UInt8]] = []
    /// `sanitize-payload` (true) or `skip-sanitize-payload` (false), shown as given.
    public private(set) var sanitizePayload: Bool?
    /// Every key. Invariant: no patterns while set.
    public private(set) var allKeys = false
    /// Without repeats: a pattern given twice widens the first one's access.
    public private(set) var keyPatterns: [ACLKeyPattern] = []
    /// Every channel. Invariant: no patterns while set.
    public private(set) var allChannels = false
    public private(set) var channelPatterns: [[UInt8]] = []
    /// `+@all` was the last word on commands, so that ACL LIST starts from it (in Redis it
    /// also allows commands added later).
    public private(set) var startsFromAllCommands = false
    /// The ACL names (`get`, `client|id`) this user may run.
    public private(set) var permittedCommands: Set<String> = []
    /// The `+`/`-` rules since the last `+@all`/`-@all`, each name once at its latest place,
    /// as Redis 7.2 keeps them for ACL LIST.
    public private(set) var commandRules: [String] = []

    /// A user as ACL SETUSER creates it: off, with no password, keys, channels or commands.
    public init(name: [UInt8]) { self.name = name }

    /// The `default` user as a node starts it: on, every command, key and channel, and the
    /// password given (`--requirepass`), or none.
    public static func defaultUser(passwordDigest: [UInt8]?) -> ACLUser {
        var user = ACLUser(name: Array(defaultName.utf8))
        user.isEnabled = true
        if let passwordDigest { user.passwordDigests = [passwordDigest] } else { user.noPassword = true }
        user.allKeys = true
        user.allChannels = true
        user.setAllCommands(true)
        return user
    }

    public static let defaultName = "default"

    /// Whether every check passes whatever the request (the default user's usual rules): the
    /// connection then skips the checks.
    public var isUnrestricted: Bool {
        allKeys && allChannels && startsFromAllCommands && commandRules.isEmpty
    }

    /// Carries out one rule. `digest` hashes a clear-text password (SHA-256).
    public mutating func apply(_ rule: ACLRule, digest: ([UInt8]) -> [UInt8]) throws(ACLRuleError) {
        switch rule {
        case .enable: isEnabled = true
        case .disable: isEnabled = false
        case .noPassword:
            noPassword = true
            passwordDigests = []
        case .resetPasswords:
            noPassword = false
            passwordDigests = []
        case .addPassword(let password): try addDigest(digest(password))
        case .addPasswordDigest(let bytes): try addDigest(bytes)
        case .removePassword(let password): try removeDigest(digest(password))
        case .removePasswordDigest(let bytes): try removeDigest(bytes)
        case .keyPattern(let pattern): try addKeyPattern(pattern)
        case .allKeys:
            allKeys = true
            keyPatterns = []
        case .resetKeys:
            allKeys = false
            keyPatterns = []
        case .channelPattern(let pattern): try addChannelPattern(pattern)
        case .allChannels:
            allChannels = true
            channelPatterns = []
        case .resetChannels:
            allChannels = false
            channelPatterns = []
        case .allCommands: setAllCommands(true)
        case .noCommands: setAllCommands(false)
        case .command(let name, let allowed):
            let names = [name] + CommandParser.subcommands(of: name)
            if allowed { permittedCommands.formUnion(names) } else { permittedCommands.subtract(names) }
            noteCommandRule(name, allowed: allowed)
        case .category(let category, let allowed):
            let names = CommandParser.commands(in: category)
            if allowed { permittedCommands.formUnion(names) } else { permittedCommands.subtract(names) }
            noteCommandRule("@" + category.rawValue, allowed: allowed)
        case .sanitizePayload(let sanitize): sanitizePayload = sanitize
        case .reset:
            for rule in [ACLRule.resetPasswords, .resetKeys, .resetChannels, .disable, .noCommands] {
                try apply(rule, digest: digest)
            }
            sanitizePayload = true
        case .clearSelectors: break
        }
    }

    private mutating func addDigest(_ bytes: [UInt8]) throws(ACLRuleError) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes, not \(bytes.count)")
        noPassword = false
        guard !passwordDigests.contains(bytes) else { return }
        guard passwordDigests.count < ACLLimits.passwordsPerUserMax else { throw .tooManyPasswords }
        passwordDigests.append(bytes)
    }

    private mutating func removeDigest(_ bytes: [UInt8]) throws(ACLRuleError) {
        guard let index = passwordDigests.firstIndex(of: bytes) else { throw .passwordNotFound }
        passwordDigests.remove(at: index)
    }

    private mutating func addKeyPattern(_ pattern: ACLKeyPattern) throws(ACLRuleError) {
        guard !allKeys else { throw .keyPatternAfterAllKeys }
        if let index = keyPatterns.firstIndex(where: { $0.pattern == pattern.pattern }) {
            keyPatterns[index].access.formUnion(pattern.access)
            return
        }
        guard keyPatterns.count < ACLLimits.keyPatternsPerUserMax else { throw .tooManyKeyPatterns }
        keyPatterns.append(pattern)
    }

    private mutating func addChannelPattern(_ pattern: [UInt8]) throws(ACLRuleError) {
        guard !allChannels else { throw .channelPatternAfterAllChannels }
        guard !channelPatterns.contains(pattern) else { return }
        guard channelPatterns.count < ACLLimits.channelPatternsPerUserMax else { throw .tooManyChannelPatterns }
        channelPatterns.append(pattern)
    }

    private mutating func setAllCommands(_ all: Bool) {
        startsFromAllCommands = all
        permittedCommands = all ? Set(CommandParser.categories.keys) : []
        commandRules = []
    }

    /// Keeps the rule once, at the end: what it says now is its latest word.
    private mutating func noteCommandRule(_ name: String, allowed: Bool) {
        commandRules.removeAll { $0.dropFirst() == name }
        commandRules.append((allowed ? "+" : "-") + name)
    }
}

extension ACLUser {
    /// The flags ACL GETUSER and ACL LIST show, in Redis's order.
    public var flags: [String] {
        var flags = [isEnabled ? "on" : "off"]
        if noPassword { flags.append("nopass") }
        if let sanitizePayload { flags.append(sanitizePayload ? "sanitize-payload" : "skip-sanitize-payload") }
        return flags
    }

    /// The password digests as ACL GETUSER shows them: lowercase hex.
    public var passwordHexDigests: [String] {
        passwordDigests.map { digest in
            String(
                decoding: digest.flatMap { [Self.hexDigits[Int($0 >> 4)], Self.hexDigits[Int($0 & 0xF)]] },
                as: UTF8.self
            )
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// ACL GETUSER's `commands`: `+@all` or `-@all`, then the rules since.
    public var commandDescription: [UInt8] {
        Array(([startsFromAllCommands ? "+@all" : "-@all"] + commandRules).joined(separator: " ").utf8)
    }

    /// ACL GETUSER's `keys`.
    public var keyDescription: [UInt8] {
        allKeys ? Array("~*".utf8) : Self.joined(keyPatterns.map(\.description))
    }

    /// ACL GETUSER's `channels`.
    public var channelDescription: [UInt8] {
        allChannels ? Array("&*".utf8) : Self.joined(channelPatterns.map { [UInt8(ascii: "&")] + $0 })
    }

    /// The user as ACL LIST and ACL SAVE write it: the rules that make it again.
    public var rulesDescription: [UInt8] {
        var words = (flags + passwordHexDigests.map { "#" + $0 }).map { Array($0.utf8) }
        if allKeys || !keyPatterns.isEmpty { words.append(keyDescription) }
        words.append(Array((allChannels ? "&*" : "resetchannels").utf8))
        if !allChannels && !channelPatterns.isEmpty { words.append(channelDescription) }
        words.append(commandDescription)
        return Self.joined(words)
    }

    /// One line of ACL LIST (and of the ACL file), without its newline.
    public var listLine: [UInt8] { Self.joined([Array("user".utf8), name, rulesDescription]) }

    static func joined(_ words: [[UInt8]]) -> [UInt8] { Array(words.joined(separator: [UInt8(ascii: " ")])) }
}
