extension CommandRegistry {
    /// Strings, generic key commands and hashes.
    static let dataCommands: [CommandSpec] = [
        CommandSpec.word(
            "append",
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .write,
            group: .string,
            summary: "Appends to a string."
        ),
        CommandSpec(
            "decr",
            arity: 2,
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Subtracts one from an integer."
        ) { .write(.increment(key: $0[0], by: -1)) },
        CommandSpec(
            "decrby",
            arity: 3,
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Subtracts from an integer."
        ) { arguments throws(CommandRejection) in try CommandParser.parseDecrementBy(arguments) },
        CommandSpec(
            "del",
            arity: -2,
            [.write],
            also: [.keyspace],
            keys: .range(first: 1, last: -1, step: 1),
            access: .write,
            group: .generic,
            summary: "Deletes keys."
        ) { .write(.delete(keys: $0)) },
        CommandSpec(
            "exists",
            arity: -2,
            [.readonly, .fast],
            also: [.keyspace],
            keys: .range(first: 1, last: -1, step: 1),
            group: .generic,
            summary: "How many of the keys exist."
        ) { .read(.exists(keys: $0)) },
        CommandSpec(
            "expire",
            arity: -3,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .write,
            group: .generic,
            summary: "Sets a key's time to live in seconds."
        ) { arguments throws(CommandRejection) in .write(try CommandParser.parseExpire("expire", arguments)) },
        CommandSpec(
            "expireat",
            arity: -3,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .write,
            group: .generic,
            summary: "Sets a key's expiry as a Unix time in seconds."
        ) { arguments throws(CommandRejection) in .write(try CommandParser.parseExpire("expireat", arguments)) },
        CommandSpec.word(
            "expiretime",
            [.readonly, .fast],
            also: [.keyspace],
            keys: .first,
            access: .read,
            group: .generic,
            summary: "A key's expiry as a Unix time in seconds."
        ),
        CommandSpec(
            "get",
            arity: 2,
            [.readonly, .fast],
            also: [.string],
            keys: .first,
            access: .read,
            group: .string,
            summary: "The value of a key."
        ) { .read(.get(key: $0[0])) },
        CommandSpec.word(
            "getdel",
            [.write, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Answers a key's value and deletes it."
        ),
        CommandSpec.word(
            "getex",
            [.write, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Answers a key's value and changes its expiry."
        ),
        CommandSpec.word(
            "getrange",
            [.readonly],
            also: [.string],
            keys: .first,
            access: .read,
            group: .string,
            summary: "Part of a string."
        ),
        CommandSpec.word(
            "getset",
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Sets a key and answers its old value."
        ),
        CommandSpec.word(
            "copy",
            [.write, .denyOOM],
            also: [.keyspace],
            keys: .range(first: 1, last: 2, step: 1),
            group: .generic,
            summary: "Copies a key's value and TTL to another key."
        ),
        CommandSpec.word(
            "hdel",
            [.write, .fast],
            also: [.hash],
            keys: .first,
            access: .write,
            group: .hash,
            summary: "Deletes hash fields."
        ),
        CommandSpec.word(
            "hexists",
            [.readonly, .fast],
            also: [.hash],
            keys: .first,
            group: .hash,
            summary: "Whether a hash field exists."
        ),
        CommandSpec.word(
            "hget",
            [.readonly, .fast],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "The value of a hash field."
        ),
        CommandSpec.word(
            "hgetall",
            [.readonly],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "Every field and value of a hash."
        ),
        CommandSpec.word(
            "hincrby",
            [.write, .denyOOM, .fast],
            also: [.hash],
            keys: .first,
            access: .readWrite,
            group: .hash,
            summary: "Adds to an integer hash field."
        ),
        CommandSpec.word(
            "hincrbyfloat",
            [.write, .denyOOM, .fast],
            also: [.hash],
            keys: .first,
            access: .readWrite,
            group: .hash,
            summary: "Adds a float to a hash field."
        ),
        CommandSpec.word(
            "hkeys",
            [.readonly],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "The fields of a hash."
        ),
        CommandSpec.word(
            "hlen",
            [.readonly, .fast],
            also: [.hash],
            keys: .first,
            group: .hash,
            summary: "How many fields a hash has."
        ),
        CommandSpec.word(
            "hmget",
            [.readonly, .fast],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "The values of hash fields."
        ),
        CommandSpec.word(
            "hmset",
            [.write, .denyOOM, .fast],
            also: [.hash],
            keys: .first,
            access: .write,
            group: .hash,
            summary: "Sets hash fields."
        ),
        CommandSpec.word(
            "hscan",
            [.readonly],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "Iterates over a hash's fields."
        ),
        CommandSpec.word(
            "hset",
            [.write, .denyOOM, .fast],
            also: [.hash],
            keys: .first,
            access: .write,
            group: .hash,
            summary: "Sets hash fields."
        ),
        CommandSpec.word(
            "hsetnx",
            [.write, .denyOOM, .fast],
            also: [.hash],
            keys: .first,
            access: .write,
            group: .hash,
            summary: "Sets a hash field if it does not exist."
        ),
        CommandSpec.word(
            "hrandfield",
            [.readonly],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "Random fields of a hash, with their values on request."
        ),
        CommandSpec.word(
            "hstrlen",
            [.readonly, .fast],
            also: [.hash],
            keys: .first,
            group: .hash,
            summary: "The length of a hash field's value."
        ),
        CommandSpec.word(
            "hvals",
            [.readonly],
            also: [.hash],
            keys: .first,
            access: .read,
            group: .hash,
            summary: "The values of a hash."
        ),
        CommandSpec(
            "incr",
            arity: 2,
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Adds one to an integer."
        ) { .write(.increment(key: $0[0], by: 1)) },
        CommandSpec(
            "incrby",
            arity: 3,
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Adds to an integer."
        ) { arguments throws(CommandRejection) in
            .write(.increment(key: arguments[0], by: try CommandParser.integer(arguments[1])))
        },
        CommandSpec.word(
            "incrbyfloat",
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .string,
            summary: "Adds a float to a number."
        ),
        CommandSpec.word(
            "keys",
            [.readonly],
            also: [.keyspace, .dangerous],
            group: .generic,
            summary: "The keys matching a pattern."
        ),
        CommandSpec(
            "mget",
            arity: -2,
            [.readonly, .fast],
            also: [.string],
            keys: .range(first: 1, last: -1, step: 1),
            access: .read,
            group: .string,
            summary: "The values of keys."
        ) { .read(.multiGet(keys: $0)) },
        CommandSpec(
            "mset",
            arity: -3,
            [.write, .denyOOM],
            also: [.string],
            keys: .range(first: 1, last: -1, step: 2),
            access: .write,
            group: .string,
            summary: "Sets keys."
        ) { arguments throws(CommandRejection) in try CommandParser.parseMultiSet(arguments) },
        CommandSpec.word(
            "msetnx",
            [.write, .denyOOM],
            also: [.string],
            keys: .range(first: 1, last: -1, step: 2),
            access: .write,
            group: .string,
            summary: "Sets keys if none of them exists."
        ),
        CommandSpec.word(
            "object",
            [],
            group: .generic,
            summary: "Inspects a key's encoding, references, idle time or use."
        ),
        CommandSpec(
            "object|encoding",
            arity: 3,
            [.readonly],
            also: [.keyspace],
            keys: .range(first: 2, last: 2, step: 1)
        ),
        CommandSpec("object|help", arity: 2, [], also: [.keyspace]),
        CommandSpec(
            "object|freq",
            arity: 3,
            [.readonly],
            also: [.keyspace],
            keys: .range(first: 2, last: 2, step: 1)
        ),
        CommandSpec(
            "object|idletime",
            arity: 3,
            [.readonly],
            also: [.keyspace],
            keys: .range(first: 2, last: 2, step: 1)
        ),
        CommandSpec(
            "object|refcount",
            arity: 3,
            [.readonly],
            also: [.keyspace],
            keys: .range(first: 2, last: 2, step: 1)
        ),
        CommandSpec(
            "persist",
            arity: 2,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .write,
            group: .generic,
            summary: "Removes a key's expiry."
        ) { .write(.persist(key: $0[0])) },
        CommandSpec(
            "pexpire",
            arity: -3,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .write,
            group: .generic,
            summary: "Sets a key's time to live in milliseconds."
        ) { arguments throws(CommandRejection) in .write(try CommandParser.parseExpire("pexpire", arguments)) },
        CommandSpec(
            "pexpireat",
            arity: -3,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .write,
            group: .generic,
            summary: "Sets a key's expiry as a Unix time in milliseconds."
        ) { arguments throws(CommandRejection) in .write(try CommandParser.parseExpire("pexpireat", arguments)) },
        CommandSpec.word(
            "pexpiretime",
            [.readonly, .fast],
            also: [.keyspace],
            keys: .first,
            access: .read,
            group: .generic,
            summary: "A key's expiry as a Unix time in milliseconds."
        ),
        CommandSpec.word(
            "psetex",
            [.write, .denyOOM],
            also: [.string],
            keys: .first,
            access: .write,
            group: .string,
            summary: "Sets a key with a time to live in milliseconds."
        ),
        CommandSpec(
            "pttl",
            arity: 2,
            [.readonly, .fast],
            also: [.keyspace],
            keys: .first,
            access: .read,
            group: .generic,
            summary: "A key's time to live in milliseconds."
        ) { .read(.timeToLive(key: $0[0], inMilliseconds: true)) },
        CommandSpec.word("randomkey", [.readonly], also: [.keyspace], group: .generic, summary: "A random key."),
        CommandSpec.word(
            "rename",
            [.write],
            also: [.keyspace],
            keys: .range(first: 1, last: 2, step: 1),
            group: .generic,
            summary: "Renames a key."
        ),
        CommandSpec.word(
            "renamenx",
            [.write, .fast],
            also: [.keyspace],
            keys: .range(first: 1, last: 2, step: 1),
            group: .generic,
            summary: "Renames a key if the new name does not exist."
        ),
        CommandSpec.word("scan", [.readonly], also: [.keyspace], group: .generic, summary: "Iterates over the keys."),
        CommandSpec(
            "set",
            arity: -3,
            [.write, .denyOOM],
            also: [.string],
            keys: .first,
            group: .string,
            summary: "Sets a key, with conditions, an expiry, a lease or a fencing token."
        ) { arguments throws(CommandRejection) in .write(try CommandParser.parseSet(arguments)) },
        CommandSpec.word(
            "setex",
            [.write, .denyOOM],
            also: [.string],
            keys: .first,
            access: .write,
            group: .string,
            summary: "Sets a key with a time to live in seconds."
        ),
        CommandSpec.word(
            "setnx",
            [.write, .denyOOM, .fast],
            also: [.string],
            keys: .first,
            access: .write,
            group: .string,
            summary: "Sets a key if it does not exist."
        ),
        CommandSpec.word(
            "setrange",
            [.write, .denyOOM],
            also: [.string],
            keys: .first,
            access: .write,
            group: .string,
            summary: "Overwrites part of a string."
        ),
        CommandSpec.word(
            "strlen",
            [.readonly, .fast],
            also: [.string],
            keys: .first,
            group: .string,
            summary: "The length of a string."
        ),
        CommandSpec.word(
            "substr",
            [.readonly],
            also: [.string],
            keys: .first,
            access: .read,
            group: .string,
            summary: "Part of a string."
        ),
        CommandSpec(
            "ttl",
            arity: 2,
            [.readonly, .fast],
            also: [.keyspace],
            keys: .first,
            access: .read,
            group: .generic,
            summary: "A key's time to live in seconds."
        ) { .read(.timeToLive(key: $0[0], inMilliseconds: false)) },
        CommandSpec.word(
            "type",
            [.readonly, .fast],
            also: [.keyspace],
            keys: .first,
            group: .generic,
            summary: "The type of a key."
        ),
        CommandSpec.word(
            "unlink",
            [.write, .fast],
            also: [.keyspace],
            keys: .range(first: 1, last: -1, step: 1),
            access: .write,
            group: .generic,
            summary: "Deletes keys."
        ),
    ]
}
