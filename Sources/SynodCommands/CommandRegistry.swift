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

    /// The commands' names, sorted, subcommands left out.
    public static let commandNames: [String] = specs.keys.filter { !$0.contains("|") }.sorted()

    /// The names of the commands that change data (`write` flag), sorted.
    public static var writeCommandNames: [String] { commandNames.filter { specs[$0]!.flags.contains(.write) } }
}
