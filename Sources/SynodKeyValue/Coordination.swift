/// A lease: a TTL that keys, locks and election candidacies hang on (ZooKeeper's session,
/// etcd's lease). It ends when it expires by the log's clock or is revoked, and everything
/// attached to it goes with it.
public struct Lease: Hashable, Sendable {
    public var ttlMilliseconds: Int64
    public var expiresAtMilliseconds: Int64
    /// Keys written with `SET ... LEASE id` (a later write without it detaches the key).
    public var keys: Set<[UInt8]> = []
    /// Locks and elections this lease holds or waits for. May name ones it has since left;
    /// each is checked when the lease ends.
    var mutexes: Set<MutexReference> = []
}

/// Locks (`LOCK.*`) and application elections (`ELECT.*`) are the same mechanism in two
/// namespaces.
public enum MutexKind: UInt8, Hashable, Sendable, Comparable {
    case lock = 1
    case election = 2

    public static func < (left: MutexKind, right: MutexKind) -> Bool { left.rawValue < right.rawValue }
}

struct MutexReference: Hashable, Sendable, Comparable {
    let kind: MutexKind
    let name: [UInt8]

    static func < (left: MutexReference, right: MutexReference) -> Bool {
        left.kind != right.kind ? left.kind < right.kind : left.name.lexicographicallyPrecedes(right.name)
    }
}

/// A lock or an election: at most one holder, waiters served first come first served (only
/// the next one is woken), and every grant carries a fencing token larger than all earlier
/// ones of the same name: the revision of the entry that granted it (above every token issued
/// before, when one entry grants twice).
public struct Mutex: Hashable, Sendable {
    public struct Holder: Hashable, Sendable {
        public var owner: [UInt8]
        /// The request that was granted it (a node that caught up from a snapshot learns
        /// from it that its waiting client got the lock).
        public var ticket: UInt64
        public var token: UInt64
        /// Nil for no TTL (an election held until resigned or its lease ends).
        public var ttlMilliseconds: Int64?
        public var expiresAtMilliseconds: Int64?
        public var lease: UInt64?
    }

    public struct Waiter: Hashable, Sendable {
        public var owner: [UInt8]
        /// The request id of the LOCK.ACQUIRE or ELECT.CAMPAIGN that waits: the node that
        /// proposed it answers its client when the wait ends.
        public var ticket: UInt64
        public var deadlineMilliseconds: Int64
        public var ttlMilliseconds: Int64?
        public var lease: UInt64?
    }

    public var holder: Holder?
    public var waiters: [Waiter] = []
    /// The newest token granted, 0 before the first grant: a fenced write with an older
    /// token is refused. Kept when the mutex is free, so tokens never go back.
    public var newestToken: UInt64 = 0
}

/// What applying an entry did for requests that wait beyond the entry that carried them.
public enum CoordinationEvent: Hashable, Sendable {
    /// The waiter `ticket` now holds its lock or leads its election, with `token`.
    case granted(ticket: UInt64, token: UInt64)
    /// The waiter `ticket` gave up: its wait ran out, its lease ended, or the same owner
    /// asked again under a newer request.
    case gaveUp(ticket: UInt64)
    /// The blocked list command `ticket` ended with `result`: served by a push, timed out, or
    /// unblocked.
    case answered(ticket: UInt64, result: KeyValueResult)

    /// The request whose wait ended.
    public var ticket: UInt64 {
        switch self {
        case .granted(let ticket, _), .gaveUp(let ticket), .answered(let ticket, _): ticket
        }
    }

    /// What the waiting request answers now: a lock's token, nil for a wait given up (as Redis
    /// answers a lock not taken), or the blocked command's reply.
    public var result: KeyValueResult {
        switch self {
        case .granted(_, let token): .integer(Int64(token))
        case .gaveUp: .null
        case .answered(_, let result): result
        }
    }
}

/// Every pending deadline (lease ends, lock TTLs, waits), in time order; a function of the
/// store's state, so replicas and restored snapshots hold the same queue.
struct DeadlineQueue: Hashable, Sendable {
    enum Item: Hashable, Sendable, Comparable {
        case lease(UInt64)
        case holder(MutexReference)
        case waiter(MutexReference, ticket: UInt64)
        /// A blocked list command's timeout.
        case blockedPop(ticket: UInt64)

        private var rank: Int {
            switch self {
            case .lease: 0
            case .holder: 1
            case .waiter: 2
            case .blockedPop: 3
            }
        }

        static func < (left: Item, right: Item) -> Bool {
            switch (left, right) {
            case (.lease(let a), .lease(let b)): a < b
            case (.holder(let a), .holder(let b)): a < b
            case (.waiter(let a, let x), .waiter(let b, let y)): a != b ? a < b : x < y
            case (.blockedPop(let a), .blockedPop(let b)): a < b
            default: left.rank < right.rank
            }
        }
    }

    struct Deadline: Hashable, Sendable, Comparable {
        let time: Int64
        let item: Item

        static func < (left: Deadline, right: Deadline) -> Bool {
            left.time != right.time ? left.time < right.time : left.item < right.item
        }
    }

    private(set) var deadlines: [Deadline] = []

    var earliest: Int64? { deadlines.first?.time }

    private func position(of deadline: Deadline) -> Int {
        var low = 0
        var high = deadlines.count
        while low < high {
            let middle = (low + high) / 2
            if deadlines[middle] < deadline { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ time: Int64, _ item: Item) {
        let deadline = Deadline(time: time, item: item)
        deadlines.insert(deadline, at: position(of: deadline))
    }

    mutating func remove(_ time: Int64, _ item: Item) {
        let deadline = Deadline(time: time, item: item)
        let index = position(of: deadline)
        precondition(index < deadlines.count && deadlines[index] == deadline, "no deadline \(deadline) to remove")
        deadlines.remove(at: index)
    }

    /// The first deadline at or before `now`, removed.
    mutating func popDue(at now: Int64) -> Deadline? {
        guard let first = deadlines.first, first.time <= now else { return nil }
        deadlines.removeFirst()
        return first
    }
}
