extension CommandRegistry {
    /// Sets (`RedisWordCommands+Sets`).
    static let setCommands: [CommandSpec] = [
        CommandSpec.word(
            "sadd",
            [.write, .denyOOM, .fast],
            also: [.set],
            keys: .first,
            access: .write,
            group: .set,
            summary: "Adds members to a set."
        ),
        CommandSpec.word(
            "scard",
            [.readonly, .fast],
            also: [.set],
            keys: .first,
            group: .set,
            summary: "How many members a set has."
        ),
        CommandSpec.word(
            "sdiff",
            [.readonly],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            access: .read,
            group: .set,
            summary: "The members of a set that no other set has."
        ),
        CommandSpec.word(
            "sdiffstore",
            [.write, .denyOOM],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            group: .set,
            summary: "Stores SDIFF's answer."
        ),
        CommandSpec.word(
            "sinter",
            [.readonly],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            access: .read,
            group: .set,
            summary: "The members every set has."
        ),
        CommandSpec.word(
            "sintercard",
            [.readonly],
            also: [.set],
            keys: .counted(at: 1),
            access: .read,
            group: .set,
            summary: "How many members every set has."
        ),
        CommandSpec.word(
            "sinterstore",
            [.write, .denyOOM],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            group: .set,
            summary: "Stores SINTER's answer."
        ),
        CommandSpec.word(
            "sismember",
            [.readonly, .fast],
            also: [.set],
            keys: .first,
            group: .set,
            summary: "Whether a member is in a set."
        ),
        CommandSpec.word(
            "smembers",
            [.readonly],
            also: [.set],
            keys: .first,
            access: .read,
            group: .set,
            summary: "Every member of a set."
        ),
        CommandSpec.word(
            "smismember",
            [.readonly, .fast],
            also: [.set],
            keys: .first,
            access: .read,
            group: .set,
            summary: "Whether each member is in a set."
        ),
        CommandSpec.word(
            "smove",
            [.write, .fast],
            also: [.set],
            keys: .range(first: 1, last: 2, step: 1),
            group: .set,
            summary: "Moves a member from one set to another."
        ),
        CommandSpec.word(
            "spop",
            [.write, .fast],
            also: [.set],
            keys: .first,
            access: .readWrite,
            group: .set,
            summary: "Removes and answers random members of a set."
        ),
        CommandSpec.word(
            "srandmember",
            [.readonly],
            also: [.set],
            keys: .first,
            access: .read,
            group: .set,
            summary: "Random members of a set."
        ),
        CommandSpec.word(
            "srem",
            [.write, .fast],
            also: [.set],
            keys: .first,
            access: .write,
            group: .set,
            summary: "Removes members from a set."
        ),
        CommandSpec.word(
            "sscan",
            [.readonly],
            also: [.set],
            keys: .first,
            access: .read,
            group: .set,
            summary: "Iterates over a set's members."
        ),
        CommandSpec.word(
            "sunion",
            [.readonly],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            access: .read,
            group: .set,
            summary: "The members any set has."
        ),
        CommandSpec.word(
            "sunionstore",
            [.write, .denyOOM],
            also: [.set],
            keys: .range(first: 1, last: -1, step: 1),
            group: .set,
            summary: "Stores SUNION's answer."
        ),
    ]
}
