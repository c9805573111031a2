import SynodRuntime

/// The clients blocked on lists (BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH), sorted sets
/// (BZPOPMIN, BZPOPMAX, BZMPOP) and streams (XREAD, XREADGROUP with BLOCK), as replicated
/// state: every replica holds the same lines, serves the same waiter from the same push, and
/// ends the same waits at the same entry, so a client blocked through any node is woken by a
/// push through any other, and a snapshot carries the lines to a follower that catches up.
///
/// Each key has a line, first blocked first served (Redis's order). A waiter on several keys
/// stands in each of their lines and is served by the first of them that a push makes ready.
/// A line may hold waiters for a list and for a sorted set: a key serves those of its kind,
/// the others keep their places, as in Redis.
///
/// What a blocking pop takes (BLPOP, BRPOP, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, at once or
/// after waiting) is held here too (`held`) until the node of the command's session says
/// whether the reply reached its client (`settleHeldPops`): delivered, it is let go; not
/// (the client's connection closed first), it goes back where it was taken from; never (the
/// node died), it goes back when the session is forgotten. So a popped element is either
/// delivered or still there. BLMOVE's element is in its destination, and a group read's entry
/// in the group's pending entries, so neither is held.
public struct BlockedPops: Hashable, Sendable {
    public struct Waiter: Hashable, Sendable {
        /// The request id of the blocked command: the node that proposed it answers its
        /// client when the wait ends.
        public let ticket: UInt64
        /// The index of the entry that blocked it (one entry blocks at most one command):
        /// waiters in this order stand in every line in this order.
        public let blockedAt: UInt64
        /// The session that proposed it: when the session is forgotten (its node is gone),
        /// its waits end.
        public let session: UInt64
        public let pop: BlockingPop
        /// Log time when the wait ends; nil for none.
        public let deadlineMilliseconds: Int64?
    }

    /// What a served blocking pop took, until its delivery is settled.
    public struct HeldPop: Hashable, Sendable {
        public enum Items: Hashable, Sendable {
            /// List elements in the order popped, from `end`.
            case elements([[UInt8]], end: ListValue.End)
            /// Sorted set members with their scores.
            case members([ScoredMember])
        }

        public let key: [UInt8]
        public let items: Items
    }

    public private(set) var waiters: [UInt64: Waiter] = [:]
    /// The pops held until their delivery is settled, by the session and request id of the
    /// command that popped.
    public internal(set) var held: [RequestKey: HeldPop] = [:]
    /// The tickets waiting on each key, first blocked first.
    private var lines: [[UInt8]: [UInt64]] = [:]

    /// Nobody waits (pops may still be held).
    public var isEmpty: Bool { waiters.isEmpty }

    func isWaiting(on key: [UInt8]) -> Bool { lines[key] != nil }

    /// The first waiter in `key`'s line that pops from a value of `kind`.
    func first(on key: [UInt8], popping kind: KeyValueStore.Record.Kind) -> Waiter? {
        lines[key]?.lazy.compactMap { waiters[$0] }.first { $0.pop.kind == kind }
    }

    /// The waiters in `key`'s line, first blocked first.
    func waiters(on key: [UInt8]) -> [Waiter] { lines[key]?.compactMap { waiters[$0] } ?? [] }

    /// Every waiter, in the order they blocked: added again in this order, they stand in
    /// every line as they stood.
    var inBlockingOrder: [Waiter] { waiters.values.sorted { $0.blockedAt < $1.blockedAt } }

    /// Adds a waiter at the end of each of its keys' lines.
    mutating func add(_ waiter: Waiter) {
        precondition(waiters.updateValue(waiter, forKey: waiter.ticket) == nil, "ticket \(waiter.ticket) blocked twice")
        for key in waiter.pop.keys { lines[key, default: []].append(waiter.ticket) }
    }

    /// Takes the waiter out of every line it stands in.
    mutating func remove(_ ticket: UInt64) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: ticket) else { return nil }
        for key in waiter.pop.keys {
            lines[key]!.removeAll { $0 == ticket }
            if lines[key]!.isEmpty { lines[key] = nil }
        }
        return waiter
    }
}

extension KeyValueStore {
    /// A blocking list command: served at once from the first of its keys that holds a list;
    /// otherwise it waits (`.waiting`), or answers its timeout reply inside a transaction.
    mutating func block(_ pop: BlockingPop, timeoutMilliseconds: Int64, change: inout Change) -> KeyValueResult {
        var pop = pop
        if pop.kind == .stream {
            switch readStreams(pop, change: &change) {
            case .answered(let answer): return answer
            case .waits(let resolved): pop = resolved
            }
        } else {
            for key in pop.keys {
                guard let kind = live(key, change: &change)?.kind else { continue }
                guard kind == pop.kind else { return .error(Self.wrongType) }
                // Inside a transaction a blocking pop is a plain pop, as in Redis: not held.
                let holder =
                    change.session != 0 && change.mayBlock
                    ? RequestKey(session: change.session, requestID: change.ticket) : nil
                return serve(pop, from: key, holdingFor: holder, change: &change)
            }
        }
        guard change.mayBlock else { return pop.timeoutReply }
        // Request ids are unique: a second waiter under one ticket comes from a buggy proposer.
        guard blockedPops.waiters[change.ticket] == nil else {
            return .error(KeyValueError(.duplicateRequest, "ERR request \(change.ticket) is already blocked"))
        }
        let deadline = timeoutMilliseconds == 0 ? nil : later(timeoutMilliseconds)
        blockedPops.add(
            BlockedPops.Waiter(
                ticket: change.ticket,
                blockedAt: appliedIndex,
                session: change.session,
                pop: pop,
                deadlineMilliseconds: deadline
            )
        )
        if let deadline { deadlines.insert(deadline, .blockedPop(ticket: change.ticket)) }
        change.happened = true
        return .waiting
    }

    /// Serves `pop` from `key` (`serve`), holding what it took for `holder` until its delivery
    /// is settled.
    private mutating func serve(
        _ pop: BlockingPop,
        from key: [UInt8],
        holdingFor holder: RequestKey?,
        change: inout Change
    ) -> KeyValueResult {
        let reply = serve(pop, from: key, change: &change)
        if let holder, let items = Self.heldItems(of: pop, reply: reply) {
            blockedPops.held[holder] = BlockedPops.HeldPop(key: key, items: items)
            change.heldReplies.append(holder)
        }
        return reply
    }

    /// What a served pop's reply took, as it is held: nil for a reply that took nothing it
    /// must give back (an error, a move, a stream read).
    static func heldItems(of pop: BlockingPop, reply: KeyValueResult) -> BlockedPops.HeldPop.Items? {
        guard case .array(let parts) = reply, parts.count >= 2 else { return nil }
        func member(_ pair: ArraySlice<KeyValueResult>) -> ScoredMember? {
            guard pair.count == 2, case .value(let member) = pair.first!, case .double(let score) = pair.last!
            else { return nil }
            return ScoredMember(member: member, score: score)
        }
        switch (pop, parts[1]) {
        case (.element(_, let end), .value(let element)):
            return .elements([element], end: end)
        case (.elements(_, let end, _), .array(let popped)):
            let elements = popped.compactMap { if case .value(let element) = $0 { element } else { nil } }
            return elements.isEmpty ? nil : .elements(elements, end: end)
        case (.sortedSetMember, _):
            return member(parts[1...]).map { .members([$0]) }
        case (.sortedSetMembers, .array(let pairs)):
            let members = pairs.compactMap { if case .array(let pair) = $0 { member(pair[...]) } else { nil } }
            return members.isEmpty ? nil : .members(members)
        default:
            return nil
        }
    }

    /// The node of each held pop's session says how its reply went: the delivered ones are
    /// let go, the others go back to their keys. Answers how many went back.
    mutating func settleHeldPops(
        delivered: [RequestKey],
        returned: [RequestKey],
        change: inout Change
    ) -> KeyValueResult {
        for key in delivered { blockedPops.held[key] = nil }
        var restored = 0
        for key in returned {
            guard let hold = blockedPops.held.removeValue(forKey: key) else { continue }
            if giveBack(hold, change: &change) { restored += 1 }
        }
        return .integer(Int64(restored))
    }

    /// Puts what a pop took back where it was: elements at the end they left from, in their
    /// order; members with their scores, unless the member was added again since. A key that
    /// now holds another kind of value keeps it, and the items are dropped (false). Never
    /// refused for memory: this only returns what was there.
    private mutating func giveBack(_ hold: BlockedPops.HeldPop, change: inout Change) -> Bool {
        let result: KeyValueResult
        switch hold.items {
        case .elements(let elements, let end):
            let push = ListWrite.push(key: hold.key, elements: elements.reversed(), end: end, onlyIfExists: false)
            change.keyEvent = Self.keyEvent(of: .list(push))
            result = execute(push, change: &change)
        case .members(let members):
            let add = SortedSetWrite.add(key: hold.key, options: .onlyNew, members: members)
            change.keyEvent = Self.keyEvent(of: .sortedSet(add))
            result = execute(add, change: &change)
        }
        if case .error = result { return false }
        return true
    }

    /// Gives back what was held for sessions no longer remembered: their node died before it
    /// could say whether the replies reached their clients.
    mutating func returnHeldPopsOfForgottenSessions(change: inout Change) {
        guard !blockedPops.held.isEmpty else { return }
        let orphaned = blockedPops.held.keys.filter { sessions.sessions[$0.session] == nil }.sorted()
        guard !orphaned.isEmpty else { return }
        _ = settleHeldPops(delivered: [], returned: orphaned, change: &change)
    }

    /// Runs `pop` on the list at `key`, which exists: [key, element], [key, [elements]] or
    /// the moved element (a destination of another kind answers WRONGTYPE and moves nothing).
    private mutating func serve(_ pop: BlockingPop, from key: [UInt8], change: inout Change) -> KeyValueResult {
        switch pop {
        case .element(_, let end):
            let popped = execute(.pop(key: key, end: end, count: nil), change: &change)
            if case .error = popped { return popped }
            return .array([.value(key), popped])
        case .elements(_, let end, let count):
            let popped = execute(.pop(key: key, end: end, count: count), change: &change)
            if case .error = popped { return popped }
            return .array([.value(key), popped])
        case .move(_, let destination, let from, let to):
            return move(from: key, at: from, to: destination, at: to, change: &change)
        case .sortedSetMember(_, let end):
            let popped = execute(.pop(key: key, end: end, count: nil), change: &change)
            guard case .array(let memberAndScore) = popped else { return popped }
            return .array([.value(key)] + memberAndScore)
        case .sortedSetMembers(_, let end, let count):
            return execute(.popFromFirst(keys: [key], end: end, count: count), change: &change)
        case .streamEntries, .groupEntries:
            return serveStream(pop, from: key, change: &change) ?? pop.timeoutReply
        }
    }

    /// What XREAD or XREADGROUP with BLOCK does when it arrives.
    private enum StreamWait {
        /// Served at once (or refused).
        case answered(KeyValueResult)
        /// Nothing to read: waits as this (XREAD's `$` resolved to each stream's last id).
        case waits(BlockingPop)
    }

    private mutating func readStreams(_ pop: BlockingPop, change: inout Change) -> StreamWait {
        switch pop {
        case .streamEntries(let keys, let after, let count):
            var resolved: [StreamID?] = []
            for (key, start) in zip(keys, after) {
                guard let record = live(key, change: &change) else {
                    resolved.append(start ?? .zero)
                    continue
                }
                guard let stream = record.stream else { return .answered(.error(Self.wrongType)) }
                resolved.append(start ?? stream.lastID)
            }
            let answer = read(.stream(.read(keys: keys, after: resolved, count: count)), at: clockMilliseconds)
            if answer != .nullArray { return .answered(answer) }
            return .waits(.streamEntries(keys: keys, after: resolved, count: count))
        case .groupEntries(let group, let consumer, let keys, let after, let count, let noAcknowledge):
            let read = StreamWrite.readGroup(
                group: group,
                consumer: consumer,
                keys: keys,
                after: after,
                count: count,
                noAcknowledge: noAcknowledge
            )
            let answer = execute(read, change: &change)
            return answer == .nullArray ? .waits(pop) : .answered(answer)
        case .element, .elements, .move, .sortedSetMember, .sortedSetMembers:
            preconditionFailure("\(pop) reads no stream")
        }
    }

    /// A waiting XREAD or XREADGROUP served by the stream at `key`, as Redis serves it: the
    /// entries of that key alone; nil when it has nothing for this waiter yet (it goes on
    /// waiting). A group destroyed since it blocked ends the wait with NOGROUP.
    private mutating func serveStream(_ pop: BlockingPop, from key: [UInt8], change: inout Change) -> KeyValueResult? {
        guard let stream = live(key, change: &change)?.stream else { return nil }
        switch pop {
        case .streamEntries(let keys, let after, let count):
            guard let start = keys.firstIndex(of: key).map({ after[$0] }) ?? nil else { return nil }
            let answer = read(.stream(.read(keys: [key], after: [start], count: count)), at: clockMilliseconds)
            return answer == .nullArray ? nil : answer
        case .groupEntries(let group, let consumer, _, _, let count, let noAcknowledge):
            guard let state = stream.groups[group] else {
                return .error(
                    KeyValueError(.notFound, "NOGROUP the consumer group this client was blocked on no longer exists")
                )
            }
            guard let top = stream.lastEntry, top.id > state.lastDeliveredID else { return nil }
            let read = StreamWrite.readGroup(
                group: group,
                consumer: consumer,
                keys: [key],
                after: [nil],
                count: count,
                noAcknowledge: noAcknowledge
            )
            return execute(read, change: &change)
        case .element, .elements, .move, .sortedSetMember, .sortedSetMembers:
            return nil
        }
    }

    /// After a command wrote lists that clients wait on: each such list serves its line, first
    /// blocked first, while it has elements. A BLMOVE served here may push to a list others
    /// wait on; that list is served next, in the same entry, as Redis does.
    mutating func serveBlockedPops(change: inout Change) {
        var next = 0
        while next < change.readyKeys.count {
            let key = change.readyKeys[next]
            next += 1
            if live(key, change: &change)?.kind == .stream {
                // Each waiter in line takes what is there for it; one with nothing yet
                // (a group read after another took the new entries) keeps its place.
                for waiter in blockedPops.waiters(on: key) where waiter.pop.kind == .stream {
                    guard let answer = serveStream(waiter.pop, from: key, change: &change) else { continue }
                    end(waiter.ticket)
                    change.events.append(.answered(ticket: waiter.ticket, result: answer))
                }
                continue
            }
            while let kind = live(key, change: &change)?.kind, let waiter = blockedPops.first(on: key, popping: kind) {
                end(waiter.ticket)
                let holder = waiter.session != 0 ? RequestKey(session: waiter.session, requestID: waiter.ticket) : nil
                let reply = serve(waiter.pop, from: key, holdingFor: holder, change: &change)
                change.events.append(.answered(ticket: waiter.ticket, result: reply))
            }
        }
        change.readyKeys = []
    }

    /// Takes a waiter out of its lines and its timeout out of the deadlines.
    @discardableResult
    private mutating func end(_ ticket: UInt64) -> BlockedPops.Waiter? {
        guard let waiter = blockedPops.remove(ticket) else { return nil }
        if let deadline = waiter.deadlineMilliseconds { deadlines.remove(deadline, .blockedPop(ticket: ticket)) }
        return waiter
    }

    /// Ends the wait of `ticket` with its timeout reply, if it still waits.
    mutating func unblock(_ ticket: UInt64, change: inout Change) -> Bool {
        guard let waiter = end(ticket) else { return false }
        change.events.append(.answered(ticket: ticket, result: waiter.pop.timeoutReply))
        change.happened = true
        return true
    }

    /// Ends the waits of sessions no longer remembered: their node restarted or left, and
    /// nobody would read what they popped. (Entries without a session are the tests' own.)
    mutating func unblockForgottenSessions(change: inout Change) {
        guard !blockedPops.isEmpty else { return }
        for ticket in blockedPops.waiters.keys.sorted() {
            let session = blockedPops.waiters[ticket]!.session
            if session != 0, sessions.sessions[session] == nil { _ = unblock(ticket, change: &change) }
        }
    }
}
