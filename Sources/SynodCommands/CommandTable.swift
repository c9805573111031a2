import SynodKeyValue

/// What COMMAND and COMMAND INFO report for each command: arity, flags and key positions (first,
/// last, step), as cluster-aware clients read them to find a command's keys.
public struct CommandInfo: Hashable, Sendable {
    public let name: String
    public let arity: Int
    public let flags: [String]
    public let firstKey: Int
    public let lastKey: Int
    public let step: Int
    /// The ACL categories (`CommandSpec.categories`), which COMMAND INFO shows as `@read` ...
    public let categories: [ACLCategory]
}

extension CommandParser {
    public static func commandInfo(_ name: String) -> CommandInfo? {
        guard let spec = CommandRegistry.command(name) else { return nil }
        return CommandInfo(
            name: name,
            arity: spec.arity,
            flags: spec.flags.names + (spec.keys.areMovable ? ["movablekeys"] : []),
            firstKey: spec.keys.first,
            lastKey: spec.keys.last,
            step: spec.keys.step,
            categories: spec.categories
        )
    }

    public static var allCommandInfo: [CommandInfo] { commandNames.compactMap(commandInfo) }
}
