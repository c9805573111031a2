extension CommandRegistry {
    /// The connection, the server, transactions, publish/subscribe and the cluster, with the subcommands ACL rules name.
    static let serverCommands: [CommandSpec] = [
        CommandSpec("acl", arity: -2, [], group: .server, summary: "Manages users and permissions.") {
            arguments throws(CommandRejection) in .connection(try CommandParser.parseACL(arguments))
        },
        CommandSpec("acl|cat", arity: -2, []),
        CommandSpec("acl|deluser", arity: -3, [.admin]),
        CommandSpec("acl|dryrun", arity: -4, [.admin]),
        CommandSpec("acl|genpass", arity: -2, []),
        CommandSpec("acl|getuser", arity: 3, [.admin]),
        CommandSpec("acl|help", arity: 2, []),
        CommandSpec("acl|list", arity: 2, [.admin]),
        CommandSpec("acl|load", arity: 2, [.admin]),
        CommandSpec("acl|save", arity: 2, [.admin]),
        CommandSpec("acl|setuser", arity: -3, [.admin]),
        CommandSpec("acl|users", arity: 2, [.admin]),
        CommandSpec("acl|whoami", arity: 2, []),
        CommandSpec(
            "auth",
            arity: -2,
            [.fast, .noAuth],
            also: [.connection],
            group: .connection,
            summary: "Authenticates the connection."
        ) { arguments throws(CommandRejection) in try CommandParser.parseAuth(arguments) },
        CommandSpec("client", arity: -2, [], group: .connection, summary: "Inspects and manages client connections.") {
            arguments throws(CommandRejection) in .connection(try CommandParser.parseClient(arguments))
        },
        CommandSpec("client|caching", arity: 3, [], also: [.connection]),
        CommandSpec("client|capa", arity: -3, [], also: [.connection]),
        CommandSpec("client|getname", arity: 2, [], also: [.connection]),
        CommandSpec("client|getredir", arity: 2, [], also: [.connection]),
        CommandSpec("client|id", arity: 2, [], also: [.connection]),
        CommandSpec("client|info", arity: 2, [], also: [.connection]),
        CommandSpec("client|kill", arity: -3, [.admin], also: [.connection]),
        CommandSpec("client|list", arity: -2, [.admin], also: [.connection]),
        CommandSpec("client|reply", arity: 3, [], also: [.connection]),
        CommandSpec("client|setname", arity: 3, [], also: [.connection]),
        CommandSpec("client|tracking", arity: -3, [], also: [.connection]),
        CommandSpec("cluster", arity: -2, [], group: .cluster, summary: "Describes the cluster.") {
            arguments throws(CommandRejection) in .connection(try CommandParser.parseCluster(arguments))
        },
        CommandSpec("cluster|info", arity: 2, []),
        CommandSpec("cluster|keyslot", arity: 3, []),
        CommandSpec("cluster|myid", arity: 2, []),
        CommandSpec("cluster|nodes", arity: 2, []),
        CommandSpec("cluster|shards", arity: 2, []),
        CommandSpec("cluster|slots", arity: 2, []),
        CommandSpec("command", arity: -1, [], also: [.connection], group: .server, summary: "Describes the commands.") {
            arguments throws(CommandRejection) in try CommandParser.parseCommand(arguments)
        },
        CommandSpec("command|count", arity: 2, [], also: [.connection]),
        CommandSpec("command|docs", arity: -2, [], also: [.connection]),
        CommandSpec("command|info", arity: -2, [], also: [.connection]),
        CommandSpec("config", arity: -2, [], group: .server, summary: "Reads and changes settings.") {
            arguments throws(CommandRejection) in try CommandParser.parseConfig(arguments)
        },
        CommandSpec("config|get", arity: -3, [.admin]),
        CommandSpec("config|set", arity: -4, [.admin]),
        CommandSpec(
            "dbsize",
            arity: 1,
            [.readonly, .fast],
            also: [.keyspace],
            group: .server,
            summary: "How many keys there are."
        ) { _ in .read(.keyCount) },
        CommandSpec(
            "discard",
            arity: 1,
            [.fast],
            also: [.transaction],
            group: .transactions,
            summary: "Drops the transaction."
        ) { _ in .connection(.discard) },
        CommandSpec(
            "echo",
            arity: 2,
            [.fast],
            also: [.connection],
            group: .connection,
            summary: "Answers the message."
        ) { .connection(.echo(message: $0[0])) },
        CommandSpec("exec", arity: 1, [], also: [.transaction], group: .transactions, summary: "Runs the transaction.")
        { _ in .connection(.exec) },
        CommandSpec(
            "debug",
            arity: -2,
            [.admin],
            group: .server,
            summary: "Refused, as Redis refuses it by default (enable-debug-command no)."
        ) { _ throws(CommandRejection) in
            throw CommandRejection(
                lookup:
                    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
            )
        },
        CommandSpec.word(
            "flushdb",
            [.write],
            also: [.keyspace, .dangerous],
            group: .server,
            summary: "Deletes every key (Synod has one database)."
        ),
        CommandSpec.word(
            "flushall",
            [.write],
            also: [.keyspace, .dangerous],
            group: .server,
            summary: "Deletes every key."
        ),
        CommandSpec(
            "hello",
            arity: -1,
            [.fast, .noAuth],
            also: [.connection],
            group: .connection,
            summary: "Chooses the protocol version, authenticates, names the connection."
        ) { arguments throws(CommandRejection) in .connection(try CommandParser.parseHello(arguments)) },
        CommandSpec("info", arity: -1, [], also: [.dangerous], group: .server, summary: "Reports on the server.") {
            .connection(.info(sections: $0))
        },
        CommandSpec(
            "multi",
            arity: 1,
            [.fast],
            also: [.transaction],
            group: .transactions,
            summary: "Starts a transaction."
        ) { _ in .connection(.multi) },
        CommandSpec(
            "ping",
            arity: -1,
            [.fast],
            also: [.connection],
            group: .connection,
            summary: "Answers PONG or the message."
        ) { arguments throws(CommandRejection) in try CommandParser.parsePing(arguments) },
        CommandSpec(
            "psubscribe",
            arity: -2,
            [.pubsub],
            group: .pubsub,
            summary: "Listens to channels matching patterns."
        ) { .connection(.psubscribe(patterns: $0)) },
        CommandSpec("publish", arity: 3, [.pubsub, .fast], group: .pubsub, summary: "Sends a message to a channel.") {
            .connection(.publish(channel: $0[0], message: $0[1]))
        },
        CommandSpec("pubsub", arity: -2, [], group: .pubsub, summary: "Inspects channels and patterns.") {
            arguments throws(CommandRejection) in try CommandParser.parsePubsub(arguments)
        },
        CommandSpec("pubsub|channels", arity: -2, [.pubsub]),
        CommandSpec("pubsub|numpat", arity: 2, [.pubsub]),
        CommandSpec("pubsub|numsub", arity: -2, [.pubsub]),
        CommandSpec("punsubscribe", arity: -1, [.pubsub], group: .pubsub, summary: "Stops listening to patterns.") {
            .connection(.punsubscribe(patterns: $0))
        },
        CommandSpec(
            "quit",
            arity: -1,
            [.fast, .noAuth],
            also: [.connection],
            group: .connection,
            summary: "Closes the connection."
        ) { _ in .connection(.quit) },
        CommandSpec(
            "readonly",
            arity: 1,
            [.fast],
            also: [.connection],
            group: .cluster,
            summary: "Lets a cluster client read from this node."
        ) { _ in .connection(.readOnly) },
        CommandSpec("readwrite", arity: 1, [.fast], also: [.connection], group: .cluster, summary: "Ends READONLY.") {
            _ in .connection(.readWrite)
        },
        CommandSpec(
            "select",
            arity: 2,
            [.fast],
            also: [.connection],
            group: .connection,
            summary: "Selects database 0, the only one."
        ) { arguments throws(CommandRejection) in try CommandParser.parseSelect(arguments) },
        CommandSpec("subscribe", arity: -2, [.pubsub], group: .pubsub, summary: "Listens to channels.") {
            .connection(.subscribe(channels: $0))
        },
        CommandSpec("time", arity: 1, [.fast], group: .server, summary: "The server's time.") { _ in .connection(.time)
        },
        CommandSpec("unsubscribe", arity: -1, [.pubsub], group: .pubsub, summary: "Stops listening to channels.") {
            .connection(.unsubscribe(channels: $0))
        },
        CommandSpec(
            "unwatch",
            arity: 1,
            [.fast],
            also: [.transaction],
            group: .transactions,
            summary: "Forgets the watched keys."
        ) { _ in .connection(.unwatch) },
        CommandSpec(
            "watch",
            arity: -2,
            [.fast],
            also: [.transaction],
            keys: .range(first: 1, last: -1, step: 1),
            group: .transactions,
            summary: "Makes the transaction depend on keys staying unchanged."
        ) { .connection(.watchKeys($0)) },
    ]
}
