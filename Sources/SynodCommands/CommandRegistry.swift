/// Every command Synod knows, each described once (`CommandSpec`). How a request is parsed
/// (its arity, then its spec's parser), what COMMAND, COMMAND INFO and COMMAND DOCS report,
/// where cluster routing finds keys, and what ACL rules allow all come from here.
public enum CommandRegistry {
    /// By name: commands (`get`) and the subcommands ACL rules name (`client|id`).
    public static let specs: [String: CommandSpec] = {
        var specs: [String: CommandSpec] = [:]
        for spec in dataCommands + listCommands + setCommands + sortedSetCommands + streamCommands + serverCommands
            + synodCommands
        {
            precondition(specs.updateValue(spec, forKey: spec.name) == nil, "\(spec.name) is described twice")
        }
        for name in specs.keys where name.contains("|") {
            precondition(specs[String(name.prefix { $0 != "|" })] != nil, "\(name) has no container")
        }
        return specs
    }()

    /// The command with this lowercased name (not a subcommand).
    public static func command(_ name: String) -> CommandSpec? {
        name.contains("|") ? nil : specs[name]
    }

    /// The command a request's first word names, in any case (not a subcommand). Most names
    /// are short: those are found by their bytes packed in a word (`packedName`), without
    /// making and hashing a String for every request.
    public static func command(named word: [UInt8]) -> CommandSpec? {
        if let packed = packedName(word) { return commandsByPackedName[packed] }
        return command(CommandParser.asciiLowercased(word))
    }

    /// Up to 7 bytes of a name, lowercased, in the low bytes and its length in the top byte;
    /// nil for a longer name.
    static func packedName(_ word: [UInt8]) -> UInt64? {
        guard word.count <= 7 else { return nil }
        var packed = UInt64(word.count) << 56
        for (position, byte) in word.enumerated() {
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            packed |= UInt64(lowered) << (8 * UInt64(position))
        }
        return packed
    }

    /// The commands (not subcommands) whose names `packedName` packs.
    static let commandsByPackedName: [UInt64: CommandSpec] = {
        var commands: [UInt64: CommandSpec] = [:]
        for (name, spec) in specs where !name.contains("|") {
            if let packed = packedName(Array(name.utf8)) { commands[packed] = spec }
        }
        return commands
    }()

    /// The commands' names, sorted, subcommands left out.
    public static let commandNames: [String] = specs.keys.filter { !$0.contains("|") }.sorted()

    /// The names of the commands that change data (`write` flag), sorted.
    public static var writeCommandNames: [String] { commandNames.filter { specs[$0]!.flags.contains(.write) } }
}
