import SynodKeyValue

/// Redis's error replies for requests it will not run, word for word, with their kinds.
public enum CommandError {
    public static let syntax = KeyValueStore.syntax
    public static let notAnInteger = KeyValueStore.notAnInteger
    /// A request without words (a client's decoder skips them; a peer may still send one).
    public static let emptyCommand = KeyValueStore.emptyCommand

    public static func wrongArity(_ name: String) -> KeyValueError { RedisWordCommands.wrongArity(name) }

    public static func invalidExpire(_ name: String) -> KeyValueError { KeyValueStore.invalidExpireTime(name) }

    /// As Redis writes it: the name cut at 128 bytes, then the arguments quoted, each followed
    /// by a space, while the list is shorter than 128 bytes (each cut to what is left).
    public static func unknownCommand(_ name: [UInt8], arguments: ArraySlice<[UInt8]>) -> KeyValueError {
        var listed: [UInt8] = []
        for argument in arguments {
            guard listed.count < 128 else { break }
            listed += [UInt8(ascii: "'")] + argument.prefix(128 - listed.count) + Array("' ".utf8)
        }
        let quotedName = String(decoding: name.prefix(128), as: UTF8.self)
        return KeyValueError(
            .invalidRequest,
            "ERR unknown command '\(quotedName)', with args beginning with: \(String(decoding: listed, as: UTF8.self))"
        )
    }

    public static func unknownSubcommand(_ subcommand: [UInt8], of name: String) -> KeyValueError {
        let quoted = String(decoding: subcommand.prefix(128), as: UTF8.self)
        return KeyValueError(.invalidRequest, "ERR unknown subcommand '\(quoted)'. Try \(name.uppercased()) HELP.")
    }
}
