import SynodKeyValue

/// Everything Synod states about one command or subcommand, in one place: its arity, flags,
/// key positions, what it does to its keys, its ACL categories, its documentation and its
/// parser. `CommandRegistry` holds one per name; the parser, COMMAND, COMMAND INFO, COMMAND
/// DOCS, cluster key routing and ACL checks all read it. What a command does is its typed
/// command's: the store applies every `KeyValueCommand` and serves every `ReadCommand`, and the
/// node answers every `ConnectionCommand`, each in one exhaustive switch, so a command the
/// parser can produce always has its handler.
public struct CommandSpec: Sendable {
    /// Reads the words after the name, their count already checked against `arity`, into the
    /// typed command, or the error Redis answers.
    public typealias Parser = @Sendable (_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand

    /// Lowercased; `container|subcommand` for a subcommand (`client|id`), as ACL rules name it.
    public let name: String
    /// As Redis states it: n means exactly n words (the name included), -n at least n.
    public let arity: Int
    public let flags: CommandFlags
    /// Where its keys are among its words.
    public let keys: KeyPositions
    /// What it does to the keys at `keys`, where that is more than looking at them. SET,
    /// RENAME and a few others depend on more than the name (`CommandParser.keyUses`).
    public let access: ACLKeyAccess
    /// The ACL categories: those its flags imply, as Redis derives them (`write` gives
    /// `@write`, `readonly` `@read`, `admin` `@admin` and `@dangerous`, `pubsub` `@pubsub`,
    /// `blocking` `@blocking`, `fast` `@fast`, no `fast` `@slow`), and `also`.
    public let categories: [ACLCategory]
    /// COMMAND DOCS' group and summary; nil for a subcommand.
    public let documentation: CommandDocumentation?
    /// nil for a subcommand: its container's parser reads it.
    public let parse: Parser?

    /// Where a command's keys are: COMMAND INFO's first, last (negative: counted from the end)
    /// and step; or, for a command with "movable keys" (LMPOP), the word that counts the keys
    /// that follow it (COMMAND INFO then says 0, 0, 0, or the fixed key's position, and
    /// `movablekeys`).
    public struct KeyPositions: Hashable, Sendable {
        public let first: Int
        public let last: Int
        public let step: Int
        /// The position of the word that says how many keys follow; 0 when keys are where
        /// `first`, `last` and `step` say.
        public let countPosition: Int
        /// For XREAD and XREADGROUP: the keys are the first half of the words after the first
        /// `STREAMS` at or after this position; 0 for other commands.
        public let streamsSearchStart: Int

        init(first: Int, last: Int, step: Int, countPosition: Int = 0, streamsSearchStart: Int = 0) {
            self.first = first
            self.last = last
            self.step = step
            self.countPosition = countPosition
            self.streamsSearchStart = streamsSearchStart
        }

        public static let none = KeyPositions(first: 0, last: 0, step: 0)
        /// The word after the name.
        public static let first = KeyPositions(first: 1, last: 1, step: 1)
        public static func range(first: Int, last: Int, step: Int) -> KeyPositions {
            KeyPositions(first: first, last: last, step: step)
        }
        /// The keys follow the word at `position`, which counts them; and the key at
        /// `fixedKey`, if any, comes first (ZUNIONSTORE's destination).
        public static func counted(at position: Int, fixedKey: Int = 0) -> KeyPositions {
            KeyPositions(first: fixedKey, last: fixedKey, step: fixedKey == 0 ? 0 : 1, countPosition: position)
        }

        /// The keys of XREAD (from 1) and XREADGROUP (from 4): half the words after STREAMS.
        public static func afterStreams(searchingFrom position: Int) -> KeyPositions {
            KeyPositions(first: 0, last: 0, step: 0, streamsSearchStart: position)
        }

        public var areMovable: Bool { countPosition > 0 || streamsSearchStart > 0 }
    }

    init(
        _ name: String,
        arity: Int,
        _ flags: CommandFlags,
        also: [ACLCategory] = [],
        keys: KeyPositions = .none,
        access: ACLKeyAccess = .none,
        group: CommandDocumentation.Group? = nil,
        summary: String? = nil,
        parse: Parser? = nil
    ) {
        precondition(name == name.lowercased() && arity != 0, "the spec of \(name)")
        precondition((group == nil) == (summary == nil) && (group == nil) == name.contains("|"), "docs of \(name)")
        precondition((parse == nil) == name.contains("|"), "the parser of \(name)")
        self.name = name
        self.arity = arity
        self.flags = flags
        self.keys = keys
        self.access = access
        self.categories = Self.categories(implied: flags, also: also)
        self.documentation = group.map { CommandDocumentation(group: $0, summary: summary!) }
        self.parse = parse
    }

    /// A command the store runs from its words: its arity and its parser are the store's
    /// (`RedisWordCommands`), which checks them again when it applies them.
    static func word(
        _ name: String,
        _ flags: CommandFlags,
        also: [ACLCategory] = [],
        keys: KeyPositions = .none,
        access: ACLKeyAccess = .none,
        group: CommandDocumentation.Group,
        summary: String
    ) -> CommandSpec {
        let arity = RedisWordCommands.writeArities[name] ?? RedisWordCommands.readArities[name]
        precondition(arity != nil, "\(name) is not run from its words")
        return CommandSpec(
            name,
            arity: arity!,
            flags,
            also: also,
            keys: keys,
            access: access,
            group: group,
            summary: summary,
            parse: { arguments throws(CommandRejection) in try CommandParser.parseWords(name, arguments) }
        )
    }

    /// Redis's implicit categories (its `setImplicitACLCategories`), in `ACL CAT`'s order.
    static func categories(implied flags: CommandFlags, also: [ACLCategory]) -> [ACLCategory] {
        var set = Set(also)
        if flags.contains(.write) { set.insert(.write) }
        if flags.contains(.readonly) { set.insert(.read) }
        if flags.contains(.admin) { set.formUnion([.admin, .dangerous]) }
        if flags.contains(.pubsub) { set.insert(.pubsub) }
        if flags.contains(.blocking) { set.insert(.blocking) }
        set.insert(flags.contains(.fast) ? .fast : .slow)
        return ACLCategory.allCases.filter(set.contains)
    }
}

/// Command flags as COMMAND INFO shows them: the ones Synod's behaviour follows.
public struct CommandFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Changes the data: replicated through the log.
    public static let write = CommandFlags(rawValue: 1 << 0)
    /// Only reads the data.
    public static let readonly = CommandFlags(rawValue: 1 << 1)
    /// May grow the data, so refused over `maxmemory` (Redis's `denyoom`).
    public static let denyOOM = CommandFlags(rawValue: 1 << 2)
    public static let admin = CommandFlags(rawValue: 1 << 3)
    public static let pubsub = CommandFlags(rawValue: 1 << 4)
    /// May wait (a lock's line, an election).
    public static let blocking = CommandFlags(rawValue: 1 << 5)
    /// Constant time, or close to it.
    public static let fast = CommandFlags(rawValue: 1 << 6)
    /// Runs before authentication and whatever the user's rules (AUTH, HELLO, QUIT).
    public static let noAuth = CommandFlags(rawValue: 1 << 7)

    /// The names COMMAND INFO uses, in Redis's order.
    public var names: [String] {
        let named: [(CommandFlags, String)] = [
            (.write, "write"), (.readonly, "readonly"), (.denyOOM, "denyoom"), (.admin, "admin"),
            (.pubsub, "pubsub"), (.blocking, "blocking"), (.fast, "fast"), (.noAuth, "no_auth"),
        ]
        return named.filter { contains($0.0) }.map(\.1)
    }
}

/// What COMMAND DOCS says of a command.
public struct CommandDocumentation: Hashable, Sendable {
    /// Redis's command groups, and Synod's own for its coordination commands.
    public enum Group: String, Hashable, Sendable {
        case string, hash, list, set, sortedSet = "sorted_set", stream, generic, connection, server, transactions,
            pubsub, cluster, synod
    }

    public let group: Group
    public let summary: String
}
