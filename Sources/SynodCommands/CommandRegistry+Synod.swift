extension CommandRegistry {
    /// Synod's own: compare-and-swap, leases, locks, elections, watches and the service registry.
    static let synodCommands: [CommandSpec] = [
        CommandSpec(
            "cad",
            arity: 3,
            [.write, .fast],
            also: [.keyspace],
            keys: .first,
            access: .readWrite,
            group: .synod,
            summary: "Deletes a key if its value is the expected one."
        ),
        CommandSpec(
            "cas",
            arity: -4,
            [.write, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .synod,
            summary: "Sets a key if its value is the expected one."
        ),
        CommandSpec(
            "elect.campaign",
            arity: -3,
            [.write, .blocking],
            group: .synod,
            summary: "Campaigns to lead an election, optionally waiting in line."
        ),
        CommandSpec("elect.leader", arity: 2, [.readonly, .fast], group: .synod, summary: "An election's leader."),
        CommandSpec(
            "elect.resign",
            arity: 3,
            [.write, .fast],
            group: .synod,
            summary: "Gives up leading an election."
        ),
        CommandSpec(
            "lease.grant",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Grants a lease with a time to live."
        ),
        CommandSpec(
            "lease.keepalive",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Renews a lease for its time to live."
        ),
        CommandSpec(
            "lease.revoke",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Ends a lease, deleting its keys and releasing its locks."
        ),
        CommandSpec(
            "lease.ttl",
            arity: 2,
            [.readonly, .fast],
            group: .synod,
            summary: "A lease's remaining time to live."
        ),
        CommandSpec(
            "lock.acquire",
            arity: -4,
            [.write, .blocking],
            group: .synod,
            summary: "Acquires a lock, optionally waiting in line; answers a fencing token."
        ),
        CommandSpec(
            "lock.info",
            arity: 2,
            [.readonly, .fast],
            group: .synod,
            summary: "A lock's holder, token, time to live and waiters."
        ),
        CommandSpec(
            "lock.refresh",
            arity: 4,
            [.write, .fast],
            group: .synod,
            summary: "Restarts a held lock's time to live."
        ),
        CommandSpec("lock.release", arity: 3, [.write, .fast], group: .synod, summary: "Releases a lock."),
        CommandSpec(
            "service.deregister",
            arity: 3,
            [.write, .fast],
            group: .synod,
            summary: "Removes a service instance."
        ),
        CommandSpec("service.list", arity: 2, [.readonly], group: .synod, summary: "The instances of a service."),
        CommandSpec(
            "service.register",
            arity: -6,
            [.write],
            group: .synod,
            summary: "Registers a service instance under a lease."
        ),
        CommandSpec(
            "service.watch",
            arity: -2,
            [.readonly],
            group: .synod,
            summary: "Streams the changes of a service's instances."
        ),
        CommandSpec(
            "watch.cancel",
            arity: 1,
            [.fast],
            also: [.connection],
            group: .synod,
            summary: "Ends the connection's watch."
        ),
        CommandSpec(
            "watch.key",
            arity: -2,
            [.readonly],
            keys: .first,
            group: .synod,
            summary: "Streams the changes of a key."
        ),
        CommandSpec(
            "watch.prefix",
            arity: -2,
            [.readonly],
            group: .synod,
            summary: "Streams the changes of every key under a prefix."
        ),
    ]
}
