import SynodKeyValue

/// ACL and its subcommands: Redis's users, as each node keeps them (they are not replicated,
/// as in Redis Cluster).
public enum ACLCommand: Hashable, Sendable {
    /// SETUSER name rules...: the rules as given; the node parses and applies them to a copy
    /// of the user and keeps it only if every rule succeeds.
    case setUser(name: [UInt8], rules: [[UInt8]])
    case getUser(name: [UInt8])
    case deleteUsers(names: [[UInt8]])
    case list
    case users
    case whoAmI
    /// CAT: the categories; CAT category: its commands.
    case categories(ACLCategory?)
    case load
    case save
    /// DRYRUN user command args...: whether the user could run it.
    case dryRun(user: [UInt8], words: [[UInt8]])
    case generatePassword(bits: Int)
    case help
}

extension CommandParser {
    /// ACL subcommand [arguments], with Redis's arities and error texts.
    static func parseACL(_ arguments: [[UInt8]]) throws(CommandRejection) -> ConnectionCommand {
        let subcommand = asciiLowercased(arguments[0])
        let rest = Array(arguments.dropFirst())
        guard let arity = CommandRegistry.specs["acl|" + subcommand]?.arity else {
            throw CommandRejection(lookup: CommandError.unknownSubcommand(arguments[0], of: "acl"))
        }
        guard RedisWordCommands.accepts(arity: arity, wordCount: arguments.count + 1) else {
            throw CommandRejection(lookup: CommandError.wrongArity("acl|\(subcommand)"))
        }
        switch subcommand {
        case "setuser":
            try checkUserName(rest[0])
            guard rest.count - 1 <= ACLLimits.rulesPerCommandMax else {
                throw CommandRejection("ERR Synod takes at most \(ACLLimits.rulesPerCommandMax) rules at once")
            }
            return .acl(.setUser(name: rest[0], rules: Array(rest.dropFirst())))
        case "getuser": return .acl(.getUser(name: rest[0]))
        case "deluser": return .acl(.deleteUsers(names: rest))
        case "list": return .acl(.list)
        case "users": return .acl(.users)
        case "whoami": return .acl(.whoAmI)
        case "cat": return .acl(.categories(try parseCategory(rest, subcommand: arguments[0])))
        case "load": return .acl(.load)
        case "save": return .acl(.save)
        case "dryrun": return .acl(.dryRun(user: rest[0], words: Array(rest.dropFirst())))
        case "genpass": return .acl(.generatePassword(bits: try parsePasswordBits(rest, subcommand: arguments[0])))
        default: return .acl(.help)
        }
    }

    /// ACL SETUSER's name: what an ACL file line can hold.
    public static func checkUserName(_ name: [UInt8]) throws(CommandRejection) {
        guard !name.contains(UInt8(ascii: " ")), !name.contains(0) else {
            throw CommandRejection("ERR Usernames can't contain spaces or null characters")
        }
        guard !name.contains(0x0A), !name.contains(0x0D) else {
            throw CommandRejection("ERR Synod takes no line ends in user names, which an ACL file could not hold")
        }
        guard name.count <= ACLLimits.ruleBytesMax else {
            throw CommandRejection("ERR Synod takes user names of at most \(ACLLimits.ruleBytesMax) bytes")
        }
    }

    /// CAT [category].
    static func parseCategory(_ rest: [[UInt8]], subcommand: [UInt8]) throws(CommandRejection) -> ACLCategory? {
        guard let name = rest.first else { return nil }
        guard rest.count == 1 else { throw subcommandSyntaxError(subcommand) }
        guard let category = ACLCategory(rawValue: asciiLowercased(name)) else {
            throw CommandRejection("ERR Unknown category '\(String(decoding: name.prefix(128), as: UTF8.self))'")
        }
        return category
    }

    /// Redis's answer to extra words after CAT or GENPASS, naming the subcommand as typed.
    static func subcommandSyntaxError(_ subcommand: [UInt8]) -> CommandRejection {
        CommandRejection(
            "ERR unknown subcommand or wrong number of arguments for '\(String(decoding: subcommand.prefix(128), as: UTF8.self))'. Try ACL HELP."
        )
    }

    /// GENPASS [bits]: 256 unless given, 1 to 4096.
    static func parsePasswordBits(_ rest: [[UInt8]], subcommand: [UInt8]) throws(CommandRejection) -> Int {
        guard let text = rest.first else { return 256 }
        guard rest.count == 1 else { throw subcommandSyntaxError(subcommand) }
        let bits = try integer(text)
        guard bits > 0, bits <= 4096 else {
            throw CommandRejection(
                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
            )
        }
        return Int(bits)
    }

    /// Whether ACL DRYRUN's request names a command with the right number of words; the error
    /// Redis gives if not.
    public static func dryRunRefusal(_ words: [[UInt8]]) -> String? {
        guard let first = words.first else { return CommandError.emptyCommand.message }
        let name = asciiLowercased(first)
        guard let arity = CommandRegistry.command(name)?.arity else {
            return "ERR Command '\(String(decoding: first.prefix(128), as: UTF8.self))' not found"
        }
        guard RedisWordCommands.accepts(arity: arity, wordCount: words.count) else {
            return CommandError.wrongArity(name).message
        }
        return nil
    }

    /// ACL HELP, as Synod supports it.
    public static let aclHelp = [
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]", "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.", "DELUSER <username> [<username> ...]", "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>", "    Get the user's details.", "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.", "LIST", "    Show users details in config file format.", "LOAD",
        "    Reload users from the ACL file.", "SAVE", "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.", "USERS",
        "    List all the registered usernames.", "WHOAMI", "    Return the current connection username.", "HELP",
        "    Prints this help.",
    ]
}
