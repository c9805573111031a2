extension CommandRegistry {
    /// Streams (`RedisWordCommands+Streams`).
    static let streamCommands: [CommandSpec] = [
        CommandSpec.word(
            "xack",
            [.write, .fast],
            also: [.stream],
            keys: .first,
            access: .readWrite,
            group: .stream,
            summary: "Acknowledges entries a consumer group read: they leave its pending entries."
        ),
        CommandSpec.word(
            "xadd",
            [.write, .denyOOM, .fast],
            also: [.stream],
            keys: .first,
            access: .write,
            group: .stream,
            summary: "Appends an entry to a stream, trimming it if asked."
        ),
        CommandSpec.word(
            "xautoclaim",
            [.write, .fast],
            also: [.stream],
            keys: .first,
            access: .readWrite,
            group: .stream,
            summary: "Gives a consumer the pending entries idle for long enough, scanning from a cursor."
        ),
        CommandSpec.word(
            "xclaim",
            [.write, .fast],
            also: [.stream],
            keys: .first,
            access: .readWrite,
            group: .stream,
            summary: "Gives a consumer pending entries idle for long enough."
        ),
        CommandSpec.word(
            "xdel",
            [.write, .fast],
            also: [.stream],
            keys: .first,
            access: .write,
            group: .stream,
            summary: "Removes entries from a stream."
        ),
        CommandSpec.word(
            "xgroup",
            [],
            group: .stream,
            summary: "Creates, moves, destroys consumer groups and their consumers."
        ),
        CommandSpec.word(
            "xinfo",
            [],
            group: .stream,
            summary: "Describes a stream, its consumer groups or a group's consumers."
        ),
        CommandSpec.word(
            "xlen",
            [.readonly, .fast],
            also: [.stream],
            keys: .first,
            access: .read,
            group: .stream,
            summary: "How many entries a stream has."
        ),
        CommandSpec.word(
            "xpending",
            [.readonly],
            also: [.stream],
            keys: .first,
            access: .read,
            group: .stream,
            summary: "A consumer group's pending entries: a summary, or the entries in a range."
        ),
        CommandSpec.word(
            "xrange",
            [.readonly],
            also: [.stream],
            keys: .first,
            access: .read,
            group: .stream,
            summary: "The entries of a stream in a range of ids."
        ),
        CommandSpec.word(
            "xread",
            [.readonly, .blocking],
            also: [.stream],
            keys: .afterStreams(searchingFrom: 1),
            access: .read,
            group: .stream,
            summary: "The entries after given ids in one or more streams, waiting for them if asked."
        ),
        CommandSpec.word(
            "xreadgroup",
            [.write, .blocking],
            also: [.stream],
            keys: .afterStreams(searchingFrom: 4),
            access: .readWrite,
            group: .stream,
            summary: "Reads new entries for a consumer of a group, or its pending ones, waiting if asked."
        ),
        CommandSpec.word(
            "xrevrange",
            [.readonly],
            also: [.stream],
            keys: .first,
            access: .read,
            group: .stream,
            summary: "The entries of a stream in a range of ids, newest first."
        ),
        CommandSpec.word(
            "xsetid",
            [.write, .denyOOM, .fast],
            also: [.stream],
            keys: .first,
            access: .write,
            group: .stream,
            summary: "Sets a stream's last id and counters."
        ),
        CommandSpec.word(
            "xtrim",
            [.write],
            also: [.stream],
            keys: .first,
            access: .write,
            group: .stream,
            summary: "Removes a stream's oldest entries down to a length or an id."
        ),
        CommandSpec(
            "xgroup|create",
            arity: -5,
            [.write, .denyOOM],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .write
        ),
        CommandSpec(
            "xgroup|createconsumer",
            arity: 5,
            [.write, .denyOOM],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .write
        ),
        CommandSpec(
            "xgroup|delconsumer",
            arity: 5,
            [.write],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .write
        ),
        CommandSpec(
            "xgroup|destroy",
            arity: 4,
            [.write],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .write
        ),
        CommandSpec("xgroup|help", arity: 2, [], also: [.stream]),
        CommandSpec(
            "xgroup|setid",
            arity: -5,
            [.write],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .write
        ),
        CommandSpec(
            "xinfo|consumers",
            arity: 4,
            [.readonly],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .read
        ),
        CommandSpec(
            "xinfo|groups",
            arity: 3,
            [.readonly],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .read
        ),
        CommandSpec("xinfo|help", arity: 2, [], also: [.stream]),
        CommandSpec(
            "xinfo|stream",
            arity: -3,
            [.readonly],
            also: [.stream],
            keys: .range(first: 2, last: 2, step: 1),
            access: .read
        ),
    ]
}
