import SynodKeyValue

/// An independent model of lock lines and lease ends, fed with every entry a node applies, that
/// checks what the state machine decides about waiting: a lock goes to the first live waiter
/// in line (FIFO, only the next one woken), and never to a waiter whose lease has ended by
/// the entry's time. One per node; rebuilt from the store when a node restores a snapshot.
struct LockWaitChecker: Sendable {
    struct Waiter: Sendable {
        let ticket: UInt64
        let owner: [UInt8]
        let lease: UInt64?
        let deadline: Int64
    }

    /// Lines by (kind, name).
    private var lines: [[UInt8]: [Waiter]] = [:]
    /// Lease ends by the log's clock, as the model computes them.
    private var leaseEnds: [UInt64: (ttl: Int64, end: Int64)] = [:]
    private var clock: Int64

    init(store: KeyValueStore) {
        clock = store.clockMilliseconds
        for (kind, name, mutex) in store.allMutexes {
            lines[Self.line(kind, name)] = mutex.waiters.map {
                Waiter(ticket: $0.ticket, owner: $0.owner, lease: $0.lease, deadline: $0.deadlineMilliseconds)
            }
        }
        for (id, lease) in store.leases { leaseEnds[id] = (lease.ttlMilliseconds, lease.expiresAtMilliseconds) }
    }

    static func line(_ kind: MutexKind, _ name: [UInt8]) -> [UInt8] { [kind.rawValue] + name }

    private func later(_ milliseconds: Int64) -> Int64 {
        let (sum, overflow) = clock.addingReportingOverflow(milliseconds)
        return overflow ? Int64.max : sum
    }

    /// Checks one applied entry; returns a description of what went wrong, or nil.
    mutating func observe(
        _ entry: KeyValueEntry,
        _ applied: KeyValueStore.Applied,
        store: KeyValueStore
    ) -> String? {
        let before = lines
        clock = max(clock, entry.timeMilliseconds)
        // A new leader's `extendLeases` gives every lease its full TTL before anything ends at
        // its time: no lease ends because the leader changed.
        if entry.command == .extendLeases {
            for (id, lease) in leaseEnds { leaseEnds[id] = (lease.ttl, max(lease.end, later(lease.ttl))) }
        }
        // Leases end before the entry's command runs (and before anything it grants).
        leaseEnds = leaseEnds.filter { $0.value.end > clock }
        for event in applied.events {
            switch event {
            case .gaveUp(let ticket):
                for key in lines.keys { lines[key]!.removeAll { $0.ticket == ticket } }
            case .granted(let ticket, _):
                guard let key = lines.first(where: { $0.value.contains { $0.ticket == ticket } })?.key else {
                    return "waiter #\(ticket) was granted a lock it was not waiting for"
                }
                let first = lines[key]!.removeFirst()
                if first.ticket != ticket {
                    return "waiter #\(ticket) was granted the lock ahead of #\(first.ticket) (not FIFO)"
                }
                if let lease = first.lease, leaseEnds[lease] == nil {
                    return "waiter #\(ticket) was granted the lock after its lease \(lease) ended"
                }
            case .answered:
                // A blocked list command, not a lock.
                continue
            }
        }
        // A copy of a write already applied changes nothing.
        if !applied.isCopy { apply(entry.command, applied, before: before) }
        // The model's lines must be the store's, waiter for waiter.
        for (kind, name, mutex) in store.allMutexes {
            let modeled = lines[Self.line(kind, name)]?.map(\.ticket) ?? []
            if modeled != mutex.waiters.map(\.ticket) {
                return
                    "the line of \(String(decoding: name, as: UTF8.self)) is \(mutex.waiters.map(\.ticket)), expected \(modeled)"
            }
        }
        return nil
    }

    private mutating func apply(
        _ command: KeyValueCommand,
        _ applied: KeyValueStore.Applied,
        before: [[UInt8]: [Waiter]]
    ) {
        switch command {
        case .leaseGrant(let ttl):
            if case .integer(let id) = applied.result { leaseEnds[UInt64(id)] = (ttl, later(ttl)) }
        case .leaseKeepAlive(let id):
            if let lease = leaseEnds[id], case .integer = applied.result {
                leaseEnds[id] = (lease.ttl, later(lease.ttl))
            }
        case .leaseRevoke(let id):
            leaseEnds[id] = nil
        case .acquire(let kind, let name, let owner, _, let wait, let lease):
            guard applied.result == .waiting else { return }
            let key = Self.line(kind, name)
            let waiter = Waiter(ticket: applied.requestID ?? 0, owner: owner, lease: lease, deadline: later(wait))
            // A retry by an owner still waiting takes its place in line (its old ticket gave
            // up above); one whose wait or lease had ended joins at the end.
            if let old = before[key], let index = old.firstIndex(where: { $0.owner == owner }),
                old[index].deadline > clock, old[index].lease.map({ leaseEnds[$0] != nil }) ?? true
            {
                let ahead = Set(old[..<index].map(\.ticket))
                let position = (lines[key] ?? []).filter { ahead.contains($0.ticket) }.count
                lines[key, default: []].insert(waiter, at: position)
            } else {
                lines[key, default: []].append(waiter)
            }
        case .fenced(_, _, let inner), .withLease(_, let inner):
            apply(inner, applied, before: before)
        default:
            break
        }
    }
}
