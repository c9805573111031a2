import SynodCore

/// Why a user may not run a request: the command, one of its keys, or one of its channels.
public enum ACLDenial: Hashable, Sendable {
    case command(String)
    case key([UInt8])
    case channel([UInt8])

    /// The error a client gets, in Redis 7.2's words.
    public func message(user: [UInt8]) -> String {
        switch self {
        case .command(let name):
            "NOPERM User \(String(decoding: user, as: UTF8.self)) has no permissions to run the '\(name)' command"
        case .key: "NOPERM No permissions to access a key"
        case .channel: "NOPERM No permissions to access a channel"
        }
    }

    /// What ACL DRYRUN answers, naming the key or channel, as Redis 7.2 does.
    public func dryRunMessage(user: [UInt8]) -> String {
        switch self {
        case .command(let name):
            "User \(String(decoding: user, as: UTF8.self)) has no permissions to run the '\(name)' command"
        case .key(let key): "No permissions to access the '\(String(decoding: key, as: UTF8.self))' key"
        case .channel(let channel):
            "No permissions to access the '\(String(decoding: channel, as: UTF8.self))' channel"
        }
    }
}

extension ACLUser {
    /// Why this user may not run `words`, or nil when it may (or when the request fails
    /// before permissions matter, as in Redis: an unknown command, the wrong number of words).
    ///
    /// Checked in Redis's order: the command, then each key against the key patterns (a
    /// pattern matches only if it allows what the command does to the key, `%R~` reads and
    /// `%W~` writes), then each channel against the channel patterns (PSUBSCRIBE's patterns
    /// must be one of them word for word, since one pattern cannot contain another).
    public func denial(of words: [[UInt8]]) -> ACLDenial? {
        guard let name = CommandParser.aclName(of: words) else { return nil }
        if CommandParser.alwaysPermitted.contains(name) { return nil }
        guard permittedCommands.contains(name) else { return .command(name) }
        if !allKeys {
            for use in CommandParser.keyUses(of: words, aclName: name) where !permits(use) {
                return .key(use.key)
            }
        }
        if !allChannels {
            for channel in channels(of: words, aclName: name) where !permitsChannel(channel, name == "psubscribe") {
                return .channel(channel)
            }
        }
        return nil
    }

    func permits(_ use: ACLKeyUse) -> Bool {
        keyPatterns.contains { pattern in
            pattern.access.isSuperset(of: use.access)
                && (use.isPrefix
                    ? Self.coversEveryKey(under: use.key, pattern: pattern.pattern)
                    : Glob.matches(pattern.pattern, use.key))
        }
    }

    /// Whether every key that starts with `prefix` matches `pattern`: true when the pattern is
    /// a literal (no `*?[\`) followed by one `*`, and the prefix starts with that literal. A
    /// narrower answer than the exact one, never a wider.
    static func coversEveryKey(under prefix: [UInt8], pattern: [UInt8]) -> Bool {
        guard pattern.last == UInt8(ascii: "*") else { return false }
        let literal = pattern.dropLast()
        let special: Set<UInt8> = [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")]
        return !literal.contains(where: special.contains) && prefix.starts(with: literal)
    }

    func permitsChannel(_ channel: [UInt8], _ isPattern: Bool) -> Bool {
        channelPatterns.contains { isPattern ? $0 == channel : Glob.matches($0, channel) }
    }

    /// The channels a request names: PUBLISH's one, SUBSCRIBE's and PSUBSCRIBE's all.
    func channels(of words: [[UInt8]], aclName: String) -> ArraySlice<[UInt8]> {
        switch aclName {
        case "publish": words[1...1]
        case "subscribe", "psubscribe": words[1...]
        default: []
        }
    }

    /// Whether this user may still be subscribed to `channel` (or to the pattern): when rules
    /// change, Redis disconnects clients subscribed to what they may no longer hear.
    public func permitsSubscription(to channel: [UInt8], isPattern: Bool) -> Bool {
        allChannels || permitsChannel(channel, isPattern)
    }
}
