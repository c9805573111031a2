/// Leases, locks and elections, applied deterministically from the log like everything else.
///
/// Rules:
/// - Time is the log's clock: a lease ends, a lock's TTL runs out and a wait times out when an
///   applied entry's time reaches the deadline. Every apply first settles all deadlines due at
///   its time (`settleDeadlines`); the leader proposes `sweep` when one is due and nothing else
///   is being written.
/// - A new leader first proposes `extendLeases`, which gives every lease its full TTL from
///   that entry's time: clients could not reach any leader during the election, so no lease
///   ends early because of it (etcd's rule). Lock TTLs are not extended.
/// - A fencing token is the revision of the entry that granted it (or, for a second grant in
///   the same entry, the next number above every token issued), so tokens of one lock
///   strictly increase across leader changes and restarts.
/// - A waiter is granted only while its wait and its lease are both still running.
extension KeyValueStore {
    static func reference(_ kind: MutexKind, _ name: [UInt8]) -> MutexReference {
        MutexReference(kind: kind, name: name)
    }

    public func mutex(_ kind: MutexKind, _ name: [UInt8]) -> Mutex? { mutexes[Self.reference(kind, name)] }

    /// Every lock and election, in name order.
    public var allMutexes: [(kind: MutexKind, name: [UInt8], mutex: Mutex)] {
        mutexes.keys.sorted().map { ($0.kind, $0.name, mutexes[$0]!) }
    }

    /// The earliest deadline not yet settled: a leader proposes `sweep` once its clock passes it.
    public var nextDeadlineMilliseconds: Int64? { deadlines.earliest }

    /// The longest TTL or wait a coordination command takes: 30 days, as milliseconds. The
    /// parser refuses longer ones, and applying refuses them again (an entry may come from an
    /// older or buggier node), so every deadline is a sum that fits.
    public static let coordinationMillisecondsMax: Int64 = 30 * 24 * 3_600_000

    /// Why a TTL (at least 1 ms) or a wait (0 allowed) is refused, or nil if it is in range.
    public static func refusal(ofMilliseconds value: Int64, what: String, zeroAllowed: Bool = false) -> KeyValueError? {
        guard value < (zeroAllowed ? 0 : 1) || value > coordinationMillisecondsMax else { return nil }
        return KeyValueError(.outOfRange, "ERR invalid \(what): milliseconds, 1 to \(coordinationMillisecondsMax)")
    }

    /// The store's clock plus `milliseconds`, saturated at Int64.max (or Int64.min).
    func later(_ milliseconds: Int64) -> Int64 {
        let (sum, overflow) = clockMilliseconds.addingReportingOverflow(milliseconds)
        return overflow ? (milliseconds > 0 ? Int64.max : Int64.min) : sum
    }

    /// `time - now`, or 0 when `time` is not after `now` (a deadline not yet settled).
    static func millisecondsLeft(until time: Int64, from now: Int64) -> Int64 {
        guard time > now else { return 0 }
        let (difference, overflow) = time.subtractingReportingOverflow(now)
        return overflow ? Int64.max : difference
    }

    // MARK: - Leases

    mutating func grantLease(ttlMilliseconds: Int64, change: inout Change) -> KeyValueResult {
        // Two grants in one transaction share its revision; each lease still needs its own id.
        let id = max(change.revision, lastIdentifierIssued + 1)
        lastIdentifierIssued = id
        let lease = Lease(ttlMilliseconds: ttlMilliseconds, expiresAtMilliseconds: later(ttlMilliseconds))
        leases[id] = lease
        deadlines.insert(lease.expiresAtMilliseconds, .lease(id))
        change.happened = true
        return .integer(Int64(id))
    }

    mutating func keepLeaseAlive(_ id: UInt64, change: inout Change) -> KeyValueResult {
        guard let lease = leases[id] else { return .error(Self.leaseNotFound(id)) }
        moveLeaseDeadline(id, to: later(lease.ttlMilliseconds), change: &change)
        return .integer(lease.ttlMilliseconds)
    }

    mutating func moveLeaseDeadline(_ id: UInt64, to expiry: Int64, change: inout Change) {
        guard var lease = leases[id], lease.expiresAtMilliseconds != expiry else { return }
        deadlines.remove(lease.expiresAtMilliseconds, .lease(id))
        lease.expiresAtMilliseconds = expiry
        deadlines.insert(expiry, .lease(id))
        leases[id] = lease
        change.happened = true
    }

    /// After a leader change: every lease gets at least its full TTL from now.
    mutating func extendLeases(change: inout Change) {
        for id in leases.keys.sorted() {
            let lease = leases[id]!
            moveLeaseDeadline(id, to: max(lease.expiresAtMilliseconds, later(lease.ttlMilliseconds)), change: &change)
        }
    }

    static func leaseNotFound(_ id: UInt64) -> KeyValueError { KeyValueError(.notFound, "ERR lease \(id) not found") }

    func leaseIsLive(_ id: UInt64?) -> Bool {
        guard let id else { return true }
        guard let lease = leases[id] else { return false }
        return lease.expiresAtMilliseconds > clockMilliseconds
    }

    /// Revokes or expires a lease: its keys are deleted, the locks and elections it holds are
    /// released (to their next waiters), and its waits end.
    mutating func endLease(_ id: UInt64, change: inout Change) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        deadlines.remove(lease.expiresAtMilliseconds, .lease(id))
        change.happened = true
        for key in lease.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) where records[key]?.lease == id {
            _ = remove(key, change: &change)
        }
        for reference in lease.mutexes.sorted() {
            guard var mutex = mutexes[reference] else { continue }
            for waiter in mutex.waiters where waiter.lease == id {
                deadlines.remove(waiter.deadlineMilliseconds, .waiter(reference, ticket: waiter.ticket))
                change.events.append(.gaveUp(ticket: waiter.ticket))
            }
            mutex.waiters.removeAll { $0.lease == id }
            mutexes[reference] = mutex
            if mutex.holder?.lease == id { releaseHolder(reference, change: &change) }
        }
    }

    /// Keeps each lease's set of mutexes exact (replicas and restored snapshots must be equal):
    /// called after a holder or waiter under `lease` left `reference`.
    mutating func forget(_ reference: MutexReference, ofLease lease: UInt64?) {
        guard let lease, leases[lease] != nil else { return }
        let mutex = mutexes[reference]
        let stillUsed = mutex?.holder?.lease == lease || mutex?.waiters.contains { $0.lease == lease } == true
        if !stillUsed { leases[lease]!.mutexes.remove(reference) }
    }

    // MARK: - Locks and elections

    /// LOCK.ACQUIRE and ELECT.CAMPAIGN: the token if granted now, `.waiting` if queued (the
    /// proposer answers when a later entry grants it or the wait ends), nil if not granted.
    mutating func acquire(
        _ reference: MutexReference,
        owner: [UInt8],
        ttlMilliseconds: Int64?,
        waitMilliseconds: Int64,
        lease: UInt64?,
        ticket: UInt64,
        change: inout Change
    ) -> KeyValueResult {
        if let lease, leases[lease] == nil { return .error(Self.leaseNotFound(lease)) }
        var mutex = mutexes[reference] ?? Mutex()
        // Request ids are unique, so a ticket already in this line can only come from a buggy
        // proposer; taking it would leave two waiters under one deadline.
        if mutex.waiters.contains(where: { $0.ticket == ticket }) {
            return .error(KeyValueError(.duplicateRequest, "ERR request \(ticket) already waits in this line"))
        }
        guard let holder = mutex.holder else {
            let token = grant(
                reference,
                owner: owner,
                ticket: ticket,
                ttlMilliseconds: ttlMilliseconds,
                lease: lease,
                change: &change
            )
            return .integer(Int64(token))
        }
        if holder.owner == owner {
            // The holder asks again (a retry after a lost reply): it keeps its token, with the
            // TTL counted from now.
            _ = refresh(reference, owner: owner, ttlMilliseconds: ttlMilliseconds, change: &change)
            return .integer(Int64(holder.token))
        }
        var replacedLease: UInt64?
        if let position = mutex.waiters.firstIndex(where: { $0.owner == owner }) {
            // A retry of a wait: the newer request takes the older one's place in the line.
            let old = mutex.waiters.remove(at: position)
            replacedLease = old.lease
            deadlines.remove(old.deadlineMilliseconds, .waiter(reference, ticket: old.ticket))
            change.events.append(.gaveUp(ticket: old.ticket))
            change.happened = true
            guard waitMilliseconds > 0 else {
                mutexes[reference] = mutex
                forget(reference, ofLease: old.lease)
                return .null
            }
            mutex.waiters.insert(
                Mutex.Waiter(
                    owner: owner,
                    ticket: ticket,
                    deadlineMilliseconds: later(waitMilliseconds),
                    ttlMilliseconds: ttlMilliseconds,
                    lease: lease
                ),
                at: position
            )
        } else {
            guard waitMilliseconds > 0 else { return .null }
            mutex.waiters.append(
                Mutex.Waiter(
                    owner: owner,
                    ticket: ticket,
                    deadlineMilliseconds: later(waitMilliseconds),
                    ttlMilliseconds: ttlMilliseconds,
                    lease: lease
                )
            )
        }
        deadlines.insert(later(waitMilliseconds), .waiter(reference, ticket: ticket))
        mutexes[reference] = mutex
        if let lease { leases[lease]!.mutexes.insert(reference) }
        forget(reference, ofLease: replacedLease)
        change.happened = true
        return .waiting
    }

    /// Makes `owner` the holder, with the next fencing token.
    mutating func grant(
        _ reference: MutexReference,
        owner: [UInt8],
        ticket: UInt64,
        ttlMilliseconds: Int64?,
        lease: UInt64?,
        change: inout Change
    ) -> UInt64 {
        var mutex = mutexes[reference] ?? Mutex()
        precondition(mutex.holder == nil, "granted a held mutex")
        // The entry's revision, unless this entry already granted one (a release and a grant of
        // the next waiter, a transaction): every token is above every one issued before.
        let token = max(change.revision, lastIdentifierIssued + 1)
        lastIdentifierIssued = token
        precondition(token > mutex.newestToken, "fencing tokens must increase")
        let expiry = ttlMilliseconds.map { later($0) }
        mutex.holder = Mutex.Holder(
            owner: owner,
            ticket: ticket,
            token: token,
            ttlMilliseconds: ttlMilliseconds,
            expiresAtMilliseconds: expiry,
            lease: lease
        )
        mutex.newestToken = token
        mutexes[reference] = mutex
        if let expiry { deadlines.insert(expiry, .holder(reference)) }
        if let lease { leases[lease]!.mutexes.insert(reference) }
        change.happened = true
        return token
    }

    /// LOCK.REFRESH: the holder's TTL counts again from now.
    mutating func refresh(
        _ reference: MutexReference,
        owner: [UInt8],
        ttlMilliseconds: Int64?,
        change: inout Change
    ) -> KeyValueResult {
        guard var mutex = mutexes[reference], var holder = mutex.holder, holder.owner == owner else {
            return .integer(0)
        }
        if let expiry = holder.expiresAtMilliseconds { deadlines.remove(expiry, .holder(reference)) }
        holder.ttlMilliseconds = ttlMilliseconds
        holder.expiresAtMilliseconds = ttlMilliseconds.map { later($0) }
        if let expiry = holder.expiresAtMilliseconds { deadlines.insert(expiry, .holder(reference)) }
        mutex.holder = holder
        mutexes[reference] = mutex
        change.happened = true
        return .integer(1)
    }

    /// LOCK.RELEASE and ELECT.RESIGN: 1 if `owner` held it; a wait of `owner` is withdrawn too.
    mutating func release(_ reference: MutexReference, owner: [UInt8], change: inout Change) -> KeyValueResult {
        guard var mutex = mutexes[reference] else { return .integer(0) }
        if let position = mutex.waiters.firstIndex(where: { $0.owner == owner }) {
            let waiter = mutex.waiters.remove(at: position)
            deadlines.remove(waiter.deadlineMilliseconds, .waiter(reference, ticket: waiter.ticket))
            change.events.append(.gaveUp(ticket: waiter.ticket))
            mutexes[reference] = mutex
            forget(reference, ofLease: waiter.lease)
            change.happened = true
        }
        guard mutex.holder?.owner == owner else { return .integer(0) }
        releaseHolder(reference, change: &change)
        return .integer(1)
    }

    /// Frees the mutex and grants it to the first waiter whose wait and lease still run; the
    /// others in front of it give up.
    mutating func releaseHolder(_ reference: MutexReference, change: inout Change) {
        guard var mutex = mutexes[reference], let holder = mutex.holder else { return }
        if let expiry = holder.expiresAtMilliseconds { deadlines.remove(expiry, .holder(reference)) }
        mutex.holder = nil
        change.happened = true
        mutexes[reference] = mutex
        forget(reference, ofLease: holder.lease)
        while !mutex.waiters.isEmpty {
            let next = mutex.waiters.removeFirst()
            mutexes[reference] = mutex
            deadlines.remove(next.deadlineMilliseconds, .waiter(reference, ticket: next.ticket))
            guard next.deadlineMilliseconds > clockMilliseconds, leaseIsLive(next.lease) else {
                forget(reference, ofLease: next.lease)
                change.events.append(.gaveUp(ticket: next.ticket))
                continue
            }
            let token = grant(
                reference,
                owner: next.owner,
                ticket: next.ticket,
                ttlMilliseconds: next.ttlMilliseconds,
                lease: next.lease,
                change: &change
            )
            change.events.append(.granted(ticket: next.ticket, token: token))
            return
        }
    }

    /// A fenced write: runs `command` only if `token` is the newest token granted for `lock`,
    /// the one token a protected resource may accept.
    mutating func fenced(lock: [UInt8], token: UInt64, command: KeyValueCommand, change: inout Change) -> KeyValueResult
    {
        let newest = mutexes[Self.reference(.lock, lock)]?.newestToken ?? 0
        guard token == newest, newest > 0 else {
            let name = String(decoding: lock.prefix(128), as: UTF8.self)
            if token > newest {
                return .error(KeyValueError(.fenced, "FENCED token \(token) was never granted for lock '\(name)'"))
            }
            return .error(
                KeyValueError(
                    .fenced,
                    "FENCED token \(token) is older than \(newest), the newest token of lock '\(name)'"
                )
            )
        }
        return execute(command, change: &change)
    }

    // MARK: - Deadlines

    /// Settles every deadline due at the store's clock, oldest first.
    mutating func settleDeadlines(change: inout Change) {
        while let first = deadlines.deadlines.first, first.time <= clockMilliseconds {
            let count = deadlines.deadlines.count
            switch first.item {
            case .lease(let id):
                let event = change.keyEvent
                change.keyEvent = .expired
                endLease(id, change: &change)
                change.keyEvent = event
            case .holder(let reference):
                releaseHolder(reference, change: &change)
            case .waiter(let reference, let ticket):
                var mutex = mutexes[reference]!
                let lease = mutex.waiters.first { $0.ticket == ticket }?.lease
                mutex.waiters.removeAll { $0.ticket == ticket }
                mutexes[reference] = mutex
                forget(reference, ofLease: lease)
                deadlines.remove(first.time, first.item)
                change.events.append(.gaveUp(ticket: ticket))
                change.happened = true
            case .blockedPop(let ticket):
                _ = unblock(ticket, change: &change)
            }
            precondition(
                deadlines.deadlines.count < count || deadlines.deadlines.first != first,
                "a deadline was not settled"
            )
        }
    }

    // MARK: - Reads

    /// LOCK.INFO: holder, token (the newest granted), remaining TTL in ms (-1 for none) and
    /// waiters in line; nil for a lock never granted.
    public func lockInfo(_ kind: MutexKind, _ name: [UInt8], at now: Int64) -> KeyValueResult {
        guard let mutex = mutexes[Self.reference(kind, name)] else { return .null }
        let live = mutex.holder.flatMap { holder -> Mutex.Holder? in
            guard let expiry = holder.expiresAtMilliseconds else { return holder }
            return expiry > max(now, clockMilliseconds) ? holder : nil
        }
        let remaining =
            live?.expiresAtMilliseconds.map { Self.millisecondsLeft(until: $0, from: max(now, clockMilliseconds)) }
            ?? -1
        return .map([
            .value(Array("holder".utf8)), live.map { .value($0.owner) } ?? .null,
            .value(Array("token".utf8)), .integer(Int64(mutex.newestToken)),
            .value(Array("ttl".utf8)), .integer(live == nil ? -2 : remaining),
            .value(Array("waiters".utf8)), .array(mutex.waiters.map { .value($0.owner) }),
        ])
    }

    /// Where the request `ticket` stands: granted (with its token), still waiting, or neither
    /// (it gave up, or its grant has ended). For a node that caught up from a snapshot. A
    /// blocked list command that was served or ended answers what its session recorded.
    public func standing(ofTicket ticket: UInt64) -> KeyValueResult {
        if blockedPops.waiters[ticket] != nil { return .waiting }
        for mutex in mutexes.values {
            if let holder = mutex.holder, holder.ticket == ticket { return .integer(Int64(holder.token)) }
            if mutex.waiters.contains(where: { $0.ticket == ticket }) { return .waiting }
        }
        // A lock's recorded token is not an answer once its grant has ended (nil above).
        switch sessions.recordedResult(ofTicket: ticket) {
        case nil, .integer?, .waiting?: return .null
        case let recorded?: return recorded
        }
    }

    /// ELECT.LEADER: the leader and its token, or nil.
    public func electionLeader(_ name: [UInt8]) -> KeyValueResult {
        guard let holder = mutexes[Self.reference(.election, name)]?.holder else { return .null }
        return .array([.value(holder.owner), .integer(Int64(holder.token))])
    }

    /// LEASE.TTL: milliseconds left, -2 if there is no such lease.
    public func leaseRemainingMilliseconds(_ id: UInt64, at now: Int64) -> Int64 {
        guard let lease = leases[id] else { return -2 }
        return Self.millisecondsLeft(until: lease.expiresAtMilliseconds, from: max(now, clockMilliseconds))
    }
}
