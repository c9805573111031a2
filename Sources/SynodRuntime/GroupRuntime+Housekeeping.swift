import SynodConsensus
import SynodCore
import SynodKeyValue

/// What the leader proposes of its own accord: lease extension in a new term, sweeps of due
/// deadlines, removal of expired keys, and eviction over maxmemory. Each is refused while the
/// leader is busy (flow control, a transfer) and tried again later.
extension GroupRuntime {
    /// On a tick: in a new term, first give every lease its full TTL again; then remove
    /// expired keys and sweep due deadlines.
    mutating func leaderHousekeeping() {
        // Every entry's time settles the deadlines due by it: none comes before the new
        // leader's `extendLeases`, or a lease that fell due during the election would end.
        extendLeasesIfNewLeader()
        guard isLeader, leasesExtendedInTerm == replica.term else { return }
        proposeExpiredKeyRemoval()
        proposeSweepIfDue()
    }

    /// Clients could not keep their leases alive while there was no leader: before it expires
    /// any, a new leader gives every lease its full TTL again (once per term; no client write
    /// or sweep comes before it).
    mutating func extendLeasesIfNewLeader() {
        guard isLeader, leasesExtendedInTerm != replica.term else { return }
        let entry = KeyValueEntry(requestID: 0, timeMilliseconds: now().wallMilliseconds, command: .extendLeases)
        if (try? replica.propose(entry.encoded)) != nil {
            leasesExtendedInTerm = replica.term
            sweepProposedAt = nil
        }
    }

    /// The leader proposes a `sweep` when a lease, lock TTL or wait is due by its clock, so
    /// that it ends even when nothing else is written.
    mutating func proposeSweepIfDue() {
        extendLeasesIfNewLeader()
        let time = now().wallMilliseconds
        guard isLeader, leasesExtendedInTerm == replica.term, let due = store.nextDeadlineMilliseconds, due <= time
        else { return }
        if let proposed = sweepProposedAt, proposed.rawValue > store.appliedIndex { return }
        let entry = KeyValueEntry(requestID: 0, timeMilliseconds: time, command: .sweep)
        if (try? replica.propose(entry.encoded)) != nil { sweepProposedAt = replica.lastIndex }
    }

    /// The leader proposes removing keys whose TTL has passed by its clock, found by a walk
    /// that checks a bounded number of keys per tick (Redis samples instead); the entry's own
    /// time decides on every replica. One entry at a time, so no key is proposed twice.
    mutating func proposeExpiredKeyRemoval() {
        if let proposed = expiryRemovalProposedAt, proposed.rawValue > store.appliedIndex { return }
        let time = now().wallMilliseconds
        let (expired, next) = store.expiredKeys(
            at: time,
            from: expiryWalkPosition,
            visits: settings.expiryChecksPerRound
        )
        guard !expired.isEmpty else {
            expiryWalkPosition = next ?? 0
            return
        }
        let entry = KeyValueEntry(requestID: 0, timeMilliseconds: time, command: .removeExpired(keys: expired))
        // Refused while the leader is busy (flow control, a transfer) or no longer leads: the
        // walk stays where it was and the same keys are found at the next tick.
        guard (try? replica.propose(entry.encoded)) != nil else { return }
        expiryRemovalProposedAt = replica.lastIndex
        expiryWalkPosition = next ?? 0
    }

    /// Over maxmemory, the leader proposes removing keys chosen by the policy (one entry at a
    /// time, so that each choice sees the last one applied).
    mutating func proposeEvictionIfNeeded() {
        guard isLeader, leasesExtendedInTerm == replica.term, store.needsEviction else { return }
        if let proposed = evictionProposedAt, proposed.rawValue > store.appliedIndex { return }
        let victims = evictions.victims(in: store, at: now().monotonicMilliseconds, random: &random)
        guard !victims.isEmpty else { return }
        let entry = KeyValueEntry(
            requestID: 0,
            timeMilliseconds: now().wallMilliseconds,
            command: .evict(keys: victims)
        )
        if (try? replica.propose(entry.encoded)) != nil { evictionProposedAt = replica.lastIndex }
    }
}
