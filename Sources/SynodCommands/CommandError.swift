import SynodKeyValue

/// Redis's error replies for requests it will not run, word for word.
public enum CommandError {
    public static let syntax = "ERR syntax error"
    public static let notAnInteger = "ERR value is not an integer or out of range"
    /// A request without words (a client's decoder skips them; a peer may still send one).
    public static let emptyCommand = "ERR empty command"

    public static func wrongArity(_ name: String) -> String { RedisWordCommands.wrongArity(name).message }

    public static func invalidExpire(_ name: String) -> String { "ERR invalid expire time in '\(name)' command" }

    /// As Redis writes it: the name cut at 128 bytes, then the arguments quoted, each followed
    /// by a space, while the list is shorter than 128 bytes (each cut to what is left).
    public static func unknownCommand(_ name: [UInt8], arguments: ArraySlice<[UInt8]>) -> String {
        var listed: [UInt8] = []
        for argument in arguments {
            guard listed.count < 128 else { break }
            listed += [UInt8(ascii: "'")] + argument.prefix(128 - listed.count) + Array("' ".utf8)
        }
        let quotedName = String(decoding: name.prefix(128), as: UTF8.self)
        return
            "ERR unknown command '\(quotedName)', with args beginning with: \(String(decoding: listed, as: UTF8.self))"
    }

    public static func unknownSubcommand(_ subcommand: [UInt8], of name: String) -> String {
        "ERR unknown subcommand '\(String(decoding: subcommand.prefix(128), as: UTF8.self))'. Try \(name.uppercased()) HELP."
    }
}
