/// The HELP subcommands of OBJECT and the stream containers, answered by the node with Redis's lines
/// (`ConnectionCommand.help`). ACL HELP has its own (`CommandParser.aclHelp`).
enum CommandHelp {
    /// The lines a container's HELP answers, by the container's name.
    static let lines: [String: [String]] = [
        "object": [
            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Prints this help.",
        ],
        "xgroup": [
            "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
            "HELP",
            "    Prints this help.",
        ],
        "xinfo": [
            "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
            "HELP",
            "    Prints this help.",
        ],
    ]

    /// HELP of a container that has one: its lines; nil for any other request. HELP with more
    /// words answers Redis's arity error.
    static func help(_ name: String, _ arguments: [[UInt8]]) throws(CommandRejection) -> [String]? {
        guard let lines = lines[name], let first = arguments.first, CommandParser.keyword(first) == "HELP" else {
            return nil
        }
        guard arguments.count == 1 else { throw CommandRejection(lookup: CommandError.wrongArity("\(name)|help")) }
        return lines
    }
}
