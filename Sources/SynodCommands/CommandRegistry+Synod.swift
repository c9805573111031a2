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
        ) { .write(.compareAndDelete(key: $0[0], expected: $0[1])) },
        CommandSpec(
            "cas",
            arity: -4,
            [.write, .fast],
            also: [.string],
            keys: .first,
            access: .readWrite,
            group: .synod,
            summary: "Sets a key if its value is the expected one."
        ) { arguments throws(CommandRejection) in try CommandParser.parseCompareAndSet(arguments) },
        CommandSpec(
            "elect.campaign",
            arity: -3,
            [.write, .blocking],
            group: .synod,
            summary: "Campaigns to lead an election, optionally waiting in line."
        ) { arguments throws(CommandRejection) in try CommandParser.parseCampaign(arguments) },
        CommandSpec("elect.leader", arity: 2, [.readonly, .fast], group: .synod, summary: "An election's leader.") {
            .read(.electionLeader(name: $0[0]))
        },
        CommandSpec(
            "elect.resign",
            arity: 3,
            [.write, .fast],
            group: .synod,
            summary: "Gives up leading an election."
        ) { .write(.release(kind: .election, name: $0[0], owner: $0[1])) },
        CommandSpec(
            "lease.grant",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Grants a lease with a time to live."
        ) { arguments throws(CommandRejection) in
            .write(.leaseGrant(ttlMilliseconds: try CommandParser.milliseconds(arguments[0], what: "lease TTL")))
        },
        CommandSpec(
            "lease.keepalive",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Renews a lease for its time to live."
        ) { arguments throws(CommandRejection) in
            .write(.leaseKeepAlive(id: try CommandParser.identifier(arguments[0], what: "lease id")))
        },
        CommandSpec(
            "lease.revoke",
            arity: 2,
            [.write, .fast],
            group: .synod,
            summary: "Ends a lease, deleting its keys and releasing its locks."
        ) { arguments throws(CommandRejection) in
            .write(.leaseRevoke(id: try CommandParser.identifier(arguments[0], what: "lease id")))
        },
        CommandSpec(
            "lease.ttl",
            arity: 2,
            [.readonly, .fast],
            group: .synod,
            summary: "A lease's remaining time to live."
        ) { arguments throws(CommandRejection) in
            .read(.leaseTimeToLive(id: try CommandParser.identifier(arguments[0], what: "lease id")))
        },
        CommandSpec(
            "lock.acquire",
            arity: -4,
            [.write, .blocking],
            group: .synod,
            summary: "Acquires a lock, optionally waiting in line; answers a fencing token."
        ) { arguments throws(CommandRejection) in try CommandParser.parseLockAcquire(arguments) },
        CommandSpec(
            "lock.info",
            arity: 2,
            [.readonly, .fast],
            group: .synod,
            summary: "A lock's holder, token, time to live and waiters."
        ) { .read(.lockInfo(name: $0[0])) },
        CommandSpec(
            "lock.refresh",
            arity: 4,
            [.write, .fast],
            group: .synod,
            summary: "Restarts a held lock's time to live."
        ) { arguments throws(CommandRejection) in
            .write(
                .refreshLock(
                    name: arguments[0],
                    owner: arguments[1],
                    ttlMilliseconds: try CommandParser.milliseconds(arguments[2], what: "lock TTL")
                )
            )
        },
        CommandSpec("lock.release", arity: 3, [.write, .fast], group: .synod, summary: "Releases a lock.") {
            .write(.release(kind: .lock, name: $0[0], owner: $0[1]))
        },
        CommandSpec(
            "service.deregister",
            arity: 3,
            [.write, .fast],
            group: .synod,
            summary: "Removes a service instance."
        ) { arguments throws(CommandRejection) in
            .write(.delete(keys: [try ServiceRegistry.key(service: arguments[0], instance: arguments[1])]))
        },
        CommandSpec("service.list", arity: 2, [.readonly], group: .synod, summary: "The instances of a service.") {
            arguments throws(CommandRejection) in
            .read(.serviceInstances(service: try ServiceRegistry.checkedName(arguments[0])))
        },
        CommandSpec(
            "service.register",
            arity: -6,
            [.write],
            group: .synod,
            summary: "Registers a service instance under a lease."
        ) { arguments throws(CommandRejection) in try CommandParser.parseServiceRegister(arguments) },
        CommandSpec(
            "service.watch",
            arity: -2,
            [.readonly],
            group: .synod,
            summary: "Streams the changes of a service's instances."
        ) { arguments throws(CommandRejection) in try CommandParser.parseServiceWatch(arguments) },
        CommandSpec(
            "watch.cancel",
            arity: 1,
            [.fast],
            also: [.connection],
            group: .synod,
            summary: "Ends the connection's watch."
        ) { _ in .connection(.watchCancel) },
        CommandSpec(
            "watch.key",
            arity: -2,
            [.readonly],
            keys: .first,
            group: .synod,
            summary: "Streams the changes of a key."
        ) { arguments throws(CommandRejection) in try CommandParser.parseWatch(arguments, isPrefix: false) },
        CommandSpec(
            "watch.prefix",
            arity: -2,
            [.readonly],
            group: .synod,
            summary: "Streams the changes of every key under a prefix."
        ) { arguments throws(CommandRejection) in try CommandParser.parseWatch(arguments, isPrefix: true) },
    ]
}
