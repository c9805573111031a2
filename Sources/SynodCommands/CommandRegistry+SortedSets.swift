extension CommandRegistry {
    /// Sorted sets (`RedisWordCommands+SortedSets`).
    static let sortedSetCommands: [CommandSpec] = [
        CommandSpec.word(
            "bzmpop",
            [.write, .blocking],
            also: [.sortedset],
            keys: .counted(at: 2),
            access: .readWrite,
            group: .sortedSet,
            summary: "Pops members from the first non-empty sorted set of several, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "bzpopmax",
            [.write, .fast, .blocking],
            also: [.sortedset],
            keys: .range(first: 1, last: -2, step: 1),
            access: .readWrite,
            group: .sortedSet,
            summary:
                "Removes the highest-scored member of the first non-empty sorted set, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "bzpopmin",
            [.write, .fast, .blocking],
            also: [.sortedset],
            keys: .range(first: 1, last: -2, step: 1),
            access: .readWrite,
            group: .sortedSet,
            summary:
                "Removes the lowest-scored member of the first non-empty sorted set, waiting for one if all are empty."
        ),
        CommandSpec.word(
            "zadd",
            [.write, .denyOOM, .fast],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Adds members to a sorted set, or changes their scores."
        ),
        CommandSpec.word(
            "zcard",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            group: .sortedSet,
            summary: "How many members a sorted set has."
        ),
        CommandSpec.word(
            "zcount",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "How many members have a score in a range."
        ),
        CommandSpec.word(
            "zdiff",
            [.readonly],
            also: [.sortedset],
            keys: .counted(at: 1),
            access: .read,
            group: .sortedSet,
            summary: "The members of a sorted set that no other set has."
        ),
        CommandSpec.word(
            "zdiffstore",
            [.write, .denyOOM],
            also: [.sortedset],
            keys: .counted(at: 2, fixedKey: 1),
            group: .sortedSet,
            summary: "Stores ZDIFF's answer."
        ),
        CommandSpec.word(
            "zincrby",
            [.write, .denyOOM, .fast],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Adds to a member's score."
        ),
        CommandSpec.word(
            "zinter",
            [.readonly],
            also: [.sortedset],
            keys: .counted(at: 1),
            access: .read,
            group: .sortedSet,
            summary: "The members every set has, their scores combined."
        ),
        CommandSpec.word(
            "zintercard",
            [.readonly],
            also: [.sortedset],
            keys: .counted(at: 1),
            access: .read,
            group: .sortedSet,
            summary: "How many members every set has."
        ),
        CommandSpec.word(
            "zinterstore",
            [.write, .denyOOM],
            also: [.sortedset],
            keys: .counted(at: 2, fixedKey: 1),
            group: .sortedSet,
            summary: "Stores ZINTER's answer."
        ),
        CommandSpec.word(
            "zlexcount",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "How many members are in a range of members."
        ),
        CommandSpec.word(
            "zmpop",
            [.write],
            also: [.sortedset],
            keys: .counted(at: 1),
            access: .readWrite,
            group: .sortedSet,
            summary: "Removes and answers the lowest or highest members of the first non-empty sorted set."
        ),
        CommandSpec.word(
            "zmscore",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "The scores of several members."
        ),
        CommandSpec.word(
            "zpopmax",
            [.write, .fast],
            also: [.sortedset],
            keys: .first,
            access: .readWrite,
            group: .sortedSet,
            summary: "Removes and answers the highest-scored members."
        ),
        CommandSpec.word(
            "zpopmin",
            [.write, .fast],
            also: [.sortedset],
            keys: .first,
            access: .readWrite,
            group: .sortedSet,
            summary: "Removes and answers the lowest-scored members."
        ),
        CommandSpec.word(
            "zrandmember",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Random members of a sorted set."
        ),
        CommandSpec.word(
            "zrange",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of ranks, scores or members."
        ),
        CommandSpec.word(
            "zrangebylex",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of members."
        ),
        CommandSpec.word(
            "zrangebyscore",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of scores."
        ),
        CommandSpec.word(
            "zrangestore",
            [.write, .denyOOM],
            also: [.sortedset],
            keys: .range(first: 1, last: 2, step: 1),
            group: .sortedSet,
            summary: "Stores ZRANGE's answer."
        ),
        CommandSpec.word(
            "zrank",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "A member's rank, lowest score first."
        ),
        CommandSpec.word(
            "zrem",
            [.write, .fast],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Removes members from a sorted set."
        ),
        CommandSpec.word(
            "zremrangebylex",
            [.write],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Removes the members in a range of members."
        ),
        CommandSpec.word(
            "zremrangebyrank",
            [.write],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Removes the members in a range of ranks."
        ),
        CommandSpec.word(
            "zremrangebyscore",
            [.write],
            also: [.sortedset],
            keys: .first,
            access: .write,
            group: .sortedSet,
            summary: "Removes the members in a range of scores."
        ),
        CommandSpec.word(
            "zrevrange",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of ranks, highest score first."
        ),
        CommandSpec.word(
            "zrevrangebylex",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of members, highest first."
        ),
        CommandSpec.word(
            "zrevrangebyscore",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Members in a range of scores, highest first."
        ),
        CommandSpec.word(
            "zrevrank",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "A member's rank, highest score first."
        ),
        CommandSpec.word(
            "zscan",
            [.readonly],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "Iterates over a sorted set's members and scores."
        ),
        CommandSpec.word(
            "zscore",
            [.readonly, .fast],
            also: [.sortedset],
            keys: .first,
            access: .read,
            group: .sortedSet,
            summary: "A member's score."
        ),
        CommandSpec.word(
            "zunion",
            [.readonly],
            also: [.sortedset],
            keys: .counted(at: 1),
            access: .read,
            group: .sortedSet,
            summary: "The members of any of the sets, their scores combined."
        ),
        CommandSpec.word(
            "zunionstore",
            [.write, .denyOOM],
            also: [.sortedset],
            keys: .counted(at: 2, fixedKey: 1),
            group: .sortedSet,
            summary: "Stores ZUNION's answer."
        ),
    ]
}
