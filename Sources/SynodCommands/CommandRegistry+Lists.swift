extension CommandRegistry {
    /// Lists (`RedisWordCommands+Lists`).
    static let listCommands: [CommandSpec] = [
        CommandSpec.word(
            "blmove",
            [.write, .denyOOM, .blocking],
            also: [.list],
            keys: .range(first: 1, last: 2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Moves an element from one list to another, waiting for one if there is none."
        ),
        CommandSpec.word(
            "blmpop",
            [.write, .blocking],
            also: [.list],
            keys: .counted(at: 2),
            access: .readWrite,
            group: .list,
            summary: "Pops elements from the first non-empty list of several, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "blpop",
            [.write, .blocking],
            also: [.list],
            keys: .range(first: 1, last: -2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Removes the first element of the first non-empty list, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "brpop",
            [.write, .blocking],
            also: [.list],
            keys: .range(first: 1, last: -2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Removes the last element of the first non-empty list, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "brpoplpush",
            [.write, .denyOOM, .blocking],
            also: [.list],
            keys: .range(first: 1, last: 2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Moves a list's last element to the head of another, waiting for one if there is none."
        ),
        CommandSpec.word(
            "lindex",
            [.readonly],
            also: [.list],
            keys: .first,
            access: .read,
            group: .list,
            summary: "An element of a list by its index."
        ),
        CommandSpec.word(
            "linsert",
            [.write, .denyOOM],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Inserts an element before or after another."
        ),
        CommandSpec.word(
            "llen",
            [.readonly, .fast],
            also: [.list],
            keys: .first,
            group: .list,
            summary: "How many elements a list has."
        ),
        CommandSpec.word(
            "lmove",
            [.write, .denyOOM],
            also: [.list],
            keys: .range(first: 1, last: 2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Moves an element from one end of a list to an end of another."
        ),
        CommandSpec.word(
            "lmpop",
            [.write],
            also: [.list],
            keys: .counted(at: 1),
            access: .readWrite,
            group: .list,
            summary: "Pops elements from the first non-empty list of several."
        ),
        CommandSpec.word(
            "lpop",
            [.write, .fast],
            also: [.list],
            keys: .first,
            access: .readWrite,
            group: .list,
            summary: "Removes and answers elements from a list's head."
        ),
        CommandSpec.word(
            "lpos",
            [.readonly],
            also: [.list],
            keys: .first,
            access: .read,
            group: .list,
            summary: "The indexes of the elements equal to one."
        ),
        CommandSpec.word(
            "lpush",
            [.write, .denyOOM, .fast],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Prepends elements to a list."
        ),
        CommandSpec.word(
            "lpushx",
            [.write, .denyOOM, .fast],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Prepends elements to a list that exists."
        ),
        CommandSpec.word(
            "lrange",
            [.readonly],
            also: [.list],
            keys: .first,
            access: .read,
            group: .list,
            summary: "A range of a list's elements."
        ),
        CommandSpec.word(
            "lrem",
            [.write],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Removes elements equal to one."
        ),
        CommandSpec.word(
            "lset",
            [.write, .denyOOM],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Sets an element of a list by its index."
        ),
        CommandSpec.word(
            "ltrim",
            [.write],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Keeps only a range of a list's elements."
        ),
        CommandSpec.word(
            "rpop",
            [.write, .fast],
            also: [.list],
            keys: .first,
            access: .readWrite,
            group: .list,
            summary: "Removes and answers elements from a list's tail."
        ),
        CommandSpec.word(
            "rpoplpush",
            [.write, .denyOOM],
            also: [.list],
            keys: .range(first: 1, last: 2, step: 1),
            access: .readWrite,
            group: .list,
            summary: "Moves a list's last element to the head of another."
        ),
        CommandSpec.word(
            "rpush",
            [.write, .denyOOM, .fast],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Appends elements to a list."
        ),
        CommandSpec.word(
            "rpushx",
            [.write, .denyOOM, .fast],
            also: [.list],
            keys: .first,
            access: .write,
            group: .list,
            summary: "Appends elements to a list that exists."
        ),
    ]
}
