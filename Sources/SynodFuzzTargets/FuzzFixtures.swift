import SynodCore
import SynodKeyValue

/// The state the targets apply commands to: a store that holds one of each kind of thing
/// (strings with and without a TTL, a hash, a list, a set, a sorted set, a lease with a key on it, a held lock with a
/// waiter, an election), so that a command meets existing state, not only an empty store.
enum FuzzFixtures {
    /// The time of the fixture's entries (Unix milliseconds); commands run a second later.
    static let startMilliseconds: Int64 = 1_700_000_000_000
    static let commandMilliseconds = startMilliseconds + 1_000

    static let store: KeyValueStore = makeStore()

    /// The commands that fill `store`, in order. The lease is the first one granted, so its id
    /// is known before it is granted.
    static let commands: [KeyValueCommand] = [
        .set(key: word("string"), value: word("value"), condition: .always, expiry: .none, returnPrevious: false),
        .set(
            key: word("expiring"),
            value: word("soon"),
            condition: .always,
            expiry: .afterMilliseconds(60_000),
            returnPrevious: false
        ),
        .set(key: word("counter"), value: word("41"), condition: .always, expiry: .none, returnPrevious: false),
        .hash(
            .set(
                key: word("hash"),
                fields: [
                    KeyValuePair(key: word("field-1"), value: word("value-1")),
                    KeyValuePair(key: word("field-2"), value: word("value-2")),
                ],
                answersCount: true
            )
        ),
        .list(.push(key: word("list"), elements: words("a b c a"), end: .right, onlyIfExists: false)),
        .redisSet(.add(key: word("set"), members: words("a b 1 2"))),
        .sortedSet(
            .add(
                key: word("zset"),
                options: [],
                members: [ScoredMember(member: word("a"), score: 1), ScoredMember(member: word("b"), score: 2.5)]
            )
        ),
        .stream(.add(key: word("stream"), id: .automatic, fields: words("f 1 g 2"), trim: nil, makeStream: true)),
        .stream(.add(key: word("stream"), id: .automatic, fields: words("f 3"), trim: nil, makeStream: true)),
        .stream(
            .createGroup(key: word("stream"), group: word("group"), start: .zero, makeStream: false, entriesRead: -1)
        ),
        .stream(
            .readGroup(
                group: word("group"),
                consumer: word("consumer"),
                keys: [word("stream")],
                after: [nil],
                count: 1,
                noAcknowledge: false
            )
        ),
        .leaseGrant(ttlMilliseconds: 30_000),
        .acquire(
            kind: .lock,
            name: word("lock"),
            owner: word("owner-a"),
            ttlMilliseconds: 10_000,
            waitMilliseconds: 0,
            lease: nil
        ),
        .acquire(
            kind: .lock,
            name: word("lock"),
            owner: word("owner-b"),
            ttlMilliseconds: 10_000,
            waitMilliseconds: 5_000,
            lease: nil
        ),
        .acquire(
            kind: .election,
            name: word("election"),
            owner: word("candidate-a"),
            ttlMilliseconds: nil,
            waitMilliseconds: 0,
            lease: nil
        ),
        .configure(maxMemoryBytes: 1 << 20, policy: .volatileLRU),
    ]

    private static func makeStore() -> KeyValueStore {
        var store = KeyValueStore()
        var leaseID: UInt64?
        for (offset, command) in commands.enumerated() {
            let applied = store.applyReporting(
                entry(command, requestID: UInt64(offset + 1)),
                at: store.appliedIndex + 1
            )
            if case .leaseGrant = command, case .integer(let id) = applied.result { leaseID = UInt64(id) }
        }
        guard let leaseID else { preconditionFailure("the fixture's lease was not granted") }
        let leased = KeyValueCommand.withLease(
            lease: leaseID,
            command: .set(
                key: word("leased"),
                value: word("v"),
                condition: .always,
                expiry: .none,
                returnPrevious: false
            )
        )
        _ = store.applyReporting(entry(leased, requestID: 100), at: store.appliedIndex + 1)
        // A blocking pop of a node's session: its element is held until settled, so
        // snapshots of the fixture carry a held pop.
        let blockingPop = KeyValueEntry(
            requestID: 101,
            timeMilliseconds: startMilliseconds,
            command: .list(.blocking(.element(keys: [word("list")], end: .right), timeoutMilliseconds: 0)),
            session: 9,
            acknowledgedBelow: 101
        )
        _ = store.applyReporting(blockingPop, at: store.appliedIndex + 1)
        precondition(!store.blockedPops.held.isEmpty, "the fixture's pop was not held")
        return store
    }

    static func entry(_ command: KeyValueCommand, requestID: UInt64, time: Int64 = startMilliseconds) -> KeyValueEntry {
        KeyValueEntry(requestID: requestID, timeMilliseconds: time, command: command)
    }

    static func word(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func words(_ text: String) -> [[UInt8]] { text.split(separator: " ").map { Array($0.utf8) } }

    /// Applies an entry at the store's next index, as a replica applies a committed entry.
    static func apply(_ entry: KeyValueEntry, to store: inout KeyValueStore) {
        _ = store.applyReporting(entry, at: store.appliedIndex + 1)
    }

    /// Checks that a snapshot of `store` restores to an equal store, as a follower that
    /// installs it must end up with the same state.
    static func checkSnapshotRoundTrip(_ store: KeyValueStore) {
        let bytes = store.snapshotBytes
        do {
            let restored = try KeyValueStore(snapshotBytes: bytes)
            precondition(restored == store, "a snapshot restored to a different store")
        } catch {
            preconditionFailure("a store's own snapshot does not decode: \(error)")
        }
    }
}
