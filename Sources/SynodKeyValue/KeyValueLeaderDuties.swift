import SynodConsensus
import SynodCore
import SynodRuntime

/// What the key-value store's leader proposes of its own accord: removal of keys whose TTL
/// passed, a `sweep` when a lease, lock TTL or wait falls due, and eviction over maxmemory.
/// One entry of each kind at a time, so that each choice sees the last one applied.
public struct KeyValueLeaderDuties: LeaderDuties {
    /// Key use, for choosing what to evict over maxmemory.
    public private(set) var evictions = EvictionTracker()
    /// The log index of the last `sweep` proposed, while not yet applied.
    var sweepProposedAt: LogIndex?
    /// The index of the last `evict` entry proposed, while not yet applied.
    var evictionProposedAt: LogIndex?
    /// The index of the last `removeExpired` entry proposed, while not yet applied.
    var expiryRemovalProposedAt: LogIndex?
    /// Where the walk for expired keys goes on (`KeyValueStore.expiredKeys`).
    var expiryWalkPosition: UInt64 = 0
    /// Where the walk goes on once the `removeExpired` entry chosen last is proposed.
    var expiryWalkPending: UInt64?

    public init() {}

    public mutating func proposals(
        _ moment: HousekeepingMoment,
        state: KeyValueStore,
        time: GroupTime,
        settings: GroupSettings,
        random: inout SeededGenerator
    ) -> [KeyValueEntry] {
        switch moment {
        case .tick:
            return [
                expiredKeyRemoval(state, time: time, visits: settings.expiryChecksPerRound),
                sweepIfDue(state, time: time),
            ].compactMap { $0 }
        case .entriesApplied:
            return [eviction(state, time: time, random: &random)].compactMap { $0 }
        }
    }

    public mutating func proposed(_ entry: KeyValueEntry, at index: LogIndex) {
        switch entry.command {
        case .sweep: sweepProposedAt = index
        case .evict: evictionProposedAt = index
        case .removeExpired:
            expiryRemovalProposedAt = index
            expiryWalkPosition = expiryWalkPending ?? 0
            expiryWalkPending = nil
        default: break
        }
    }

    /// A sweep proposed in an earlier term may never commit: the next one is not held back.
    public mutating func newTerm() {
        sweepProposedAt = nil
    }

    public mutating func applied(
        _ report: KeyValueStore.Applied,
        state: KeyValueStore,
        time: GroupTime,
        random: inout SeededGenerator
    ) {
        guard !report.keyChanges.isEmpty else { return }
        evictions.applied(report.keyChanges, in: state, at: time.monotonicMilliseconds, random: &random)
    }

    /// Counts the read's use of its keys; answers OBJECT FREQ from that use,
    /// when the policy keeps it.
    public mutating func served(
        _ read: ReadCommand,
        state: KeyValueStore,
        time: GroupTime,
        random: inout SeededGenerator
    ) -> KeyValueResult? {
        if case .keyspace(.use(let key, let use)) = read {
            guard state.record(of: key, at: time.wallMilliseconds) != nil else { return nil }
            return evictions.answer(use, of: key, in: state, at: time.monotonicMilliseconds)
        }
        evictions.read(read, in: state, at: time.monotonicMilliseconds, random: &random)
        return nil
    }

    /// Use seen before belongs to another state.
    public mutating func restored() {
        evictions = EvictionTracker()
    }

    /// Keys whose TTL has passed by the leader's clock, found by a walk that checks a bounded
    /// number of keys per tick (Redis samples instead); the entry's own time decides on every
    /// replica. If the entry is refused (the leader is busy, or no longer leads), the walk
    /// stays where it was and the same keys are found at the next tick.
    mutating func expiredKeyRemoval(_ state: KeyValueStore, time: GroupTime, visits: Int) -> KeyValueEntry? {
        if let proposed = expiryRemovalProposedAt, proposed.rawValue > state.appliedIndex { return nil }
        let (expired, next) = state.expiredKeys(at: time.wallMilliseconds, from: expiryWalkPosition, visits: visits)
        guard !expired.isEmpty else {
            expiryWalkPosition = next ?? 0
            return nil
        }
        expiryWalkPending = next
        return KeyValueEntry(
            requestID: 0,
            timeMilliseconds: time.wallMilliseconds,
            command: .removeExpired(keys: expired)
        )
    }

    /// A `sweep` when a lease, lock TTL or wait is due by the leader's clock, so that it ends
    /// even when nothing else is written.
    func sweepIfDue(_ state: KeyValueStore, time: GroupTime) -> KeyValueEntry? {
        guard let due = state.nextDeadlineMilliseconds, due <= time.wallMilliseconds else { return nil }
        if let proposed = sweepProposedAt, proposed.rawValue > state.appliedIndex { return nil }
        return KeyValueEntry(requestID: 0, timeMilliseconds: time.wallMilliseconds, command: .sweep)
    }

    /// Over maxmemory, keys chosen by the policy.
    func eviction(_ state: KeyValueStore, time: GroupTime, random: inout SeededGenerator) -> KeyValueEntry? {
        guard state.needsEviction else { return nil }
        if let proposed = evictionProposedAt, proposed.rawValue > state.appliedIndex { return nil }
        let victims = evictions.victims(in: state, at: time.monotonicMilliseconds, random: &random)
        guard !victims.isEmpty else { return nil }
        return KeyValueEntry(requestID: 0, timeMilliseconds: time.wallMilliseconds, command: .evict(keys: victims))
    }
}
