import SynodCore
import SynodKeyValue

/// A state machine snapshot from a leader (or a disk): restored or refused; once restored,
/// the store must take further entries and snapshot to itself, as it does on every replica
/// that installs it.
enum SnapshotFuzzTarget {
    /// `KeyValueStore.countersMax`.
    static let countersMax: UInt64 = 1 << 62

    static func run(_ input: [UInt8]) {
        var store: KeyValueStore
        do {
            store = try KeyValueStore(snapshotBytes: input)
        } catch {
            return  // refused: the node stops rather than apply to a state it cannot read
        }
        FuzzFixtures.checkSnapshotRoundTrip(store)
        // A snapshot may hold counters up to the limit its decoder takes (2^62, see
        // `KeyValueStore.countersMax`); the entries below would pass it, which no real log
        // does, and the store's next snapshot would then be refused.
        guard max(store.appliedIndex, store.lastIdentifierIssued) <= countersMax - 64 else { return }
        let time = max(store.clockMilliseconds, FuzzFixtures.startMilliseconds)
        // Entries that touch what a snapshot restores: every key, lease, lock and waiter.
        let commands: [KeyValueCommand] = [
            .extendLeases,
            .redis(words: FuzzFixtures.words("keys *")),
            .set(
                key: FuzzFixtures.word("string"),
                value: FuzzFixtures.word("new"),
                condition: .always,
                expiry: .keep,
                returnPrevious: true
            ),
            .acquire(
                kind: .lock,
                name: FuzzFixtures.word("lock"),
                owner: FuzzFixtures.word("owner-c"),
                ttlMilliseconds: 1_000,
                waitMilliseconds: 1_000,
                lease: nil
            ),
            .sweep,
            .evict(keys: Array(store.records.keys.sorted { $0.lexicographicallyPrecedes($1) }.prefix(4))),
        ]
        for (offset, command) in commands.enumerated() {
            let entryTime = time.addingReportingOverflow(Int64(offset) * 3_600_000)
            FuzzFixtures.apply(
                FuzzFixtures.entry(
                    command,
                    requestID: UInt64(offset + 1),
                    time: entryTime.overflow ? time : entryTime.partialValue
                ),
                to: &store
            )
        }
        for key in store.records.keys.prefix(8) {
            _ = store.read(.timeToLive(key: key, inMilliseconds: true), at: time)
            _ = store.read(.redis(words: [FuzzFixtures.word("hgetall"), key]), at: time)
        }
        FuzzFixtures.checkSnapshotRoundTrip(store)
    }

    static var seeds: [FuzzSeed] {
        [
            FuzzSeed("empty-store", KeyValueStore().snapshotBytes),
            FuzzSeed("fixture-store", FuzzFixtures.store.snapshotBytes),
        ]
    }
}
