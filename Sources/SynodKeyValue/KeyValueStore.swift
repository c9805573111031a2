import HashTreeCollections
import SynodCore
import SynodRuntime

/// The replicated key-value state machine: strings with TTLs, a revision per write, applied
/// deterministically from log entries.
///
/// Rules that keep replicas identical:
/// - The store's clock is the newest entry time applied, and never goes back (a new leader
///   whose clock is behind cannot un-expire a key). Relative TTLs count from it.
/// - A key whose TTL has passed at that clock is absent to every command, and is removed when
///   a command touches it or when the leader proposes `removeExpired`.
/// - Each entry that changes anything gets the next revision; every key it writes records it as
///   its modify revision, and as its create revision when the key is new.
public struct KeyValueStore: Hashable, Sendable {
    /// A key's value and metadata, compact: a short string's bytes are inline
    /// (`CompactBytes`), "no expiry" is a value of its field rather than an optional, and a
    /// lease is boxed with the value only when there is one, so a key with a 32-byte value
    /// costs its trie slot (64 bytes of record) and no allocation.
    public struct Record: Hashable, Sendable {
        /// The value. Every case is at most as big as a string's inline bytes, so that a
        /// record of any kind takes the trie slot a short string needs: a stream (72 bytes of
        /// fields) is boxed, which made every record 40 bytes larger while it was inline.
        private enum Content: Hashable, Sendable {
            case string(CompactBytes)
            case hash(HashValue)
            case list(ListValue)
            case set(SetValue)
            case sortedSet(SortedSetValue)
            indirect case stream(StreamValue)
        }

        /// The value, and the lease's id when the key is on one, boxed with it: few keys are
        /// attached to leases, and a lease field of its own made every record 8 bytes larger
        /// (72, not 64). As big as `Content` (its spare tag values tell the cases apart).
        private enum StoredContent: Hashable, Sendable {
            case plain(Content)
            indirect case leased(Content, lease: UInt64)
        }

        /// The value and the lease, as `content` and `lease` read and write them.
        private var storedContent: StoredContent
        /// When this key was last read or written on this node, in Unix seconds: OBJECT
        /// IDLETIME counts from it. Like Redis's LRU clock it belongs to the node: a read
        /// touches it only where it is served (and not while a snapshot shares the state, as
        /// Redis does not while a child process does), so it is not part of a record's
        /// equality and is not in snapshots (a record read from one starts at the snapshot's
        /// clock). It fits in the padding after `storedContent`: it costs no memory.
        public internal(set) var accessedSeconds: UInt32 = 0
        /// Unix milliseconds; `Int64.min` for no expiry (a stored expiry is always later than
        /// the store's clock, which is at least 0).
        private var expiry: Int64
        public var createRevision: UInt64
        public var modifyRevision: UInt64

        /// The value, without its lease; setting it keeps the lease.
        private var content: Content {
            get {
                switch storedContent {
                case .plain(let content), .leased(let content, _): content
                }
            }
            set {
                storedContent = lease.map { .leased(newValue, lease: $0) } ?? .plain(newValue)
            }
        }

        public init(
            value: [UInt8],
            hash: [[UInt8]: [UInt8]]? = nil,
            expiresAtMilliseconds: Int64?,
            createRevision: UInt64,
            modifyRevision: UInt64,
            lease: UInt64?
        ) {
            precondition(hash == nil || value.isEmpty, "a hash with a string value")
            precondition(expiresAtMilliseconds != .min, "the no-expiry sentinel as an expiry")
            precondition(lease != 0, "lease ids start at 1")
            let content = hash.map { .hash(HashValue($0)) } ?? Content.string(CompactBytes(value))
            storedContent = lease.map { .leased(content, lease: $0) } ?? .plain(content)
            expiry = expiresAtMilliseconds ?? .min
            self.createRevision = createRevision
            self.modifyRevision = modifyRevision
        }

        /// The kinds of value a key holds, named as TYPE names them.
        public enum Kind: String, Hashable, Sendable {
            case string, hash, list, set
            case sortedSet = "zset"
            case stream
        }

        public var kind: Kind {
            switch content {
            case .string: .string
            case .hash: .hash
            case .list: .list
            case .set: .set
            case .sortedSet: .sortedSet
            case .stream: .stream
            }
        }

        public var isString: Bool { kind == .string }

        /// A string's bytes (empty for any other kind).
        public var value: [UInt8] { compactValue.array }

        /// `value` as the record keeps it (no copy when it is short).
        public var compactValue: CompactBytes {
            switch content {
            case .string(let bytes): bytes
            case .hash, .list, .set, .sortedSet, .stream: CompactBytes([])
            }
        }

        /// A hash's fields; nil for any other kind. Setting nil makes the record an empty string.
        public var hash: [[UInt8]: [UInt8]]? {
            get {
                switch content {
                case .hash(let hash): hash.fields
                case .string, .list, .set, .sortedSet, .stream: nil
                }
            }
            set { content = newValue.map { .hash(HashValue($0)) } ?? .string(CompactBytes([])) }
        }

        /// A hash's fields with their byte count; nil for any other kind.
        public var hashFields: HashValue? {
            if case .hash(let hash) = content { hash } else { nil }
        }

        /// A list's elements; nil for any other kind.
        public var list: ListValue? {
            if case .list(let list) = content { list } else { nil }
        }

        /// A set's members; nil for any other kind.
        public var set: SetValue? {
            if case .set(let set) = content { set } else { nil }
        }

        /// A sorted set's members and scores; nil for any other kind.
        public var sortedSet: SortedSetValue? {
            if case .sortedSet(let sortedSet) = content { sortedSet } else { nil }
        }

        /// A stream's entries and groups; nil for any other kind.
        public var stream: StreamValue? {
            if case .stream(let stream) = content { stream } else { nil }
        }

        /// Takes the list out of the record, leaving an empty string in its place, so that
        /// the caller holds the only reference and changes it without a copy; nil (and the
        /// record unchanged) for any other kind.
        mutating func takeList() -> ListValue? {
            take { if case .list(let list) = $0 { list } else { nil } }
        }

        /// As `takeList`, for a hash.
        mutating func takeHash() -> HashValue? {
            take { if case .hash(let hash) = $0 { hash } else { nil } }
        }

        /// As `takeList`, for a set.
        mutating func takeSet() -> SetValue? {
            take { if case .set(let set) = $0 { set } else { nil } }
        }

        /// As `takeList`, for a sorted set.
        mutating func takeSortedSet() -> SortedSetValue? {
            take { if case .sortedSet(let sortedSet) = $0 { sortedSet } else { nil } }
        }

        /// As `takeList`, for a stream.
        mutating func takeStream() -> StreamValue? {
            take { if case .stream(let stream) = $0 { stream } else { nil } }
        }

        private mutating func take<Value>(_ payload: (Content) -> Value?) -> Value? {
            guard let value = payload(content) else { return nil }
            content = .string(CompactBytes([]))
            return value
        }

        mutating func putList(_ list: ListValue) { content = .list(list) }
        mutating func putHash(_ hash: HashValue) { content = .hash(hash) }
        mutating func putSet(_ set: SetValue) { content = .set(set) }
        mutating func putSortedSet(_ sortedSet: SortedSetValue) { content = .sortedSet(sortedSet) }
        mutating func putStream(_ stream: StreamValue) { content = .stream(stream) }

        /// The string's length without copying it out (0 for any other kind).
        public var valueCount: Int {
            switch content {
            case .string(let bytes): bytes.count
            case .hash, .list, .set, .sortedSet, .stream: 0
            }
        }

        /// Unix time in milliseconds after which the key is absent; nil for never.
        public var expiresAtMilliseconds: Int64? {
            get { expiry == .min ? nil : expiry }
            set {
                precondition(newValue != .min, "the no-expiry sentinel as an expiry")
                expiry = newValue ?? .min
            }
        }

        /// The lease the key is attached to: it is deleted when the lease ends.
        public var lease: UInt64? {
            get {
                if case .leased(_, let lease) = storedContent { lease } else { nil }
            }
            set {
                let content = content
                storedContent = newValue.map { .leased(content, lease: $0) } ?? .plain(content)
            }
        }

        /// Equal replicas hold equal records whatever each node's reads touched.
        public static func == (left: Record, right: Record) -> Bool {
            left.storedContent == right.storedContent && left.expiry == right.expiry
                && left.createRevision == right.createRevision && left.modifyRevision == right.modifyRevision
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(storedContent)
            hasher.combine(expiry)
            hasher.combine(createRevision)
            hasher.combine(modifyRevision)
        }
    }

    /// Invariant: a key is in `keysWithExpiry` exactly when its record has an expiry, with
    /// that expiry.
    ///
    /// Both are buckets of persistent hash tries (`KeyBuckets`): a copy of the store shares
    /// every trie until either side changes a key, and then only the path to that key is
    /// copied. A snapshot freezes the store this way while the group goes on applying.
    public internal(set) var records = KeyBuckets<Record>()
    var keysWithExpiry = KeyBuckets<Int64>()
    /// Invariant: the keys of `records` under `serviceRegistryRoot`, so that listing a
    /// service looks at the registry's keys only, never at every key.
    var serviceKeys: TreeSet<[UInt8]> = []
    /// The revision of the newest change.
    /// Invariant: `revision <= appliedIndex` (an entry makes at most one revision).
    public internal(set) var revision: UInt64 = 0
    /// The newest entry time applied (Unix milliseconds).
    /// Invariant: at least 0 (it starts there and never goes back), so `clock + ttl` for any
    /// negative TTL fits.
    public internal(set) var clockMilliseconds: Int64 = 0
    /// The store's clock in seconds, as a write (or a restore) sets `Record.accessedSeconds`.
    var accessClockSeconds: UInt32 { UInt32(clamping: clockMilliseconds / 1_000) }
    /// The last applied log index; entries are applied in order, once.
    public internal(set) var appliedIndex: UInt64 = 0
    public internal(set) var leases: [UInt64: Lease] = [:]
    /// The dataset's size as `footprint` counts it, kept as keys change.
    public internal(set) var datasetBytes = 0
    public internal(set) var memoryLimit = MemoryLimit()
    /// The newest fencing token or lease id issued. Both start from the entry's revision, and
    /// go above it when one entry (a transaction) issues several, so each is unique and tokens
    /// only increase.
    public internal(set) var lastIdentifierIssued: UInt64 = 0
    /// Keys removed by eviction since the store began (INFO evicted_keys).
    public internal(set) var evictedKeys: UInt64 = 0
    var mutexes: [MutexReference: Mutex] = [:]
    /// Clients waiting in BLPOP, BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH.
    public internal(set) var blockedPops = BlockedPops()
    var deadlines = DeadlineQueue()
    /// The results each client session may still ask for again (exactly-once writes).
    public internal(set) var sessions = ClientSessions()

    public init() {}

    /// Where the service registry keeps its instances: `__service/<service>/<instance>`.
    public static let serviceRegistryRoot = Array("__service/".utf8)

    /// The prefix of the keys of `service`'s instances.
    public static func serviceRegistryPrefix(of service: [UInt8]) -> [UInt8] {
        serviceRegistryRoot + service + [UInt8(ascii: "/")]
    }

    /// The largest applied index, revision or fencing token a restored snapshot may hold.
    /// Revisions, lease ids and tokens are answered as 64-bit signed integers; each entry
    /// raises them by at most the grants it makes, so from below 2^62 they cannot reach
    /// Int64.max in any log that exists (2^62 entries at a billion a second take 146 years).
    static let countersMax: UInt64 = 1 << 62

    // MARK: - Reads (at a time the caller gives; reads change nothing)

    /// The record of a key that exists at `now`.
    public func record(of key: [UInt8], at now: Int64) -> Record? {
        guard let record = records[key] else { return nil }
        if let expiry = record.expiresAtMilliseconds, expiry <= max(now, clockMilliseconds) { return nil }
        return record
    }

    /// A string key's value (nil for a missing key, and for any other kind).
    public func value(of key: [UInt8], at now: Int64) -> [UInt8]? {
        guard let record = record(of: key, at: now), record.isString else { return nil }
        return record.value
    }

    static let wrongType = KeyValueError(
        .wrongType,
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    )

    /// Milliseconds until the key expires; -1 without an expiry, -2 if it does not exist (PTTL).
    public func remainingMilliseconds(of key: [UInt8], at now: Int64) -> Int64 {
        guard let record = record(of: key, at: now) else { return -2 }
        guard let expiry = record.expiresAtMilliseconds else { return -1 }
        return Self.millisecondsLeft(until: expiry, from: max(now, clockMilliseconds))
    }

    /// Keys stored, including expired ones not yet removed (as Redis's DBSIZE counts them).
    public var keyCount: Int { records.count }

    /// Keys whose TTL has passed at `now`, found walking the keys with a TTL from `position`
    /// (see `KeyBuckets.walk`) until at least `visits` were looked at: what a leader proposes
    /// to remove. Also where the next walk begins: nil after the last key, to start again at 0.
    /// A key that expired is found within one pass of walks, and no walk looks at every key.
    public func expiredKeys(at now: Int64, from position: UInt64, visits: Int) -> (keys: [[UInt8]], next: UInt64?) {
        let (expired, next) = keysWithExpiry.walk(from: position, visits: visits) { _, expiry in expiry <= now }
        return (expired.map(\.key), next)
    }

    // MARK: - Applying entries

    /// Applies an entry's encoded bytes; an undecodable entry answers an error on every
    /// replica alike. Returns the proposer's request id (nil if undecodable) and the result.
    public mutating func apply(encoded bytes: [UInt8], at index: UInt64) -> Applied {
        do {
            return applyReporting(try KeyValueEntry(decoding: bytes), at: index)
        } catch {
            skip(index: index)
            return Applied(
                requestID: nil,
                result: .error(KeyValueError(.undecodableEntry, "ERR undecodable log entry: \(error)")),
                events: [],
                revision: revision,
                keyChanges: [],
                origin: 0,
                session: 0,
                isCopy: false,
                heldReplies: []
            )
        }
    }

    /// What applying one entry gave: the proposer's request id (nil if undecodable), its
    /// result, what it did for requests waiting from earlier entries, and the keys it changed
    /// (all at `revision`, for watches and keyspace notifications).
    public struct Applied: Sendable {
        public let requestID: UInt64?
        public let result: KeyValueResult
        public let events: [CoordinationEvent]
        public let revision: UInt64
        public let keyChanges: [KeyChange]
        /// The entry's `origin`.
        public let origin: UInt64
        /// The entry's client session (0 for none): with `requestID`, who waits for `result`.
        public let session: UInt64
        /// A copy of a write already applied (or given up): its command did not run, and
        /// `result` is the first copy's.
        public let isCopy: Bool
        /// The requests whose replies this entry gave and whose pops are held until their
        /// session's node settles them (`BlockedPops.held`).
        public let heldReplies: [RequestKey]
    }

    /// Entries that carry no command (no-ops, membership changes) still advance the index.
    public mutating func skip(index: UInt64) {
        precondition(index == appliedIndex + 1, "applied \(index) after \(appliedIndex)")
        appliedIndex = index
    }

    public mutating func apply(_ entry: KeyValueEntry, at index: UInt64) -> KeyValueResult {
        applyReporting(entry, at: index).result
    }

    /// Applies an entry: the deadlines due at its time are settled first, then its command runs.
    public mutating func applyReporting(_ entry: KeyValueEntry, at index: UInt64) -> Applied {
        skip(index: index)
        let clockBefore = clockMilliseconds
        clockMilliseconds = max(clockMilliseconds, entry.timeMilliseconds)
        // Idle sessions are forgotten when the log's clock enters a new minute: a rule of the
        // entries alone, so every replica forgets the same ones at the same index.
        var change = Change(revision: revision + 1, ticket: entry.requestID, session: entry.session)
        if clockMilliseconds / 60_000 != clockBefore / 60_000 {
            sessions.expire(at: clockMilliseconds)
            unblockForgottenSessions(change: &change)
            returnHeldPopsOfForgottenSessions(change: &change)
        }
        // A new leader's first entry of its own gives every lease its full TTL before anything
        // is settled at its time: a lease that fell due during the election, when no client
        // could keep it alive, does not end because the leader changed (etcd's rule).
        if entry.command == .extendLeases { extendLeases(change: &change) }
        settleDeadlines(change: &change)
        let result: KeyValueResult
        var isCopy = false
        if entry.session != 0 {
            sessions.touch(
                session: entry.session,
                acknowledgedBelow: entry.acknowledgedBelow,
                at: clockMilliseconds
            )
            if let earlier = sessions.duplicateResult(session: entry.session, requestID: entry.requestID) {
                // A copy of a write already applied: answered again, not applied again.
                result = earlier
                isCopy = true
            } else {
                result = execute(entry.command, change: &change)
                sessions.record(result, session: entry.session, requestID: entry.requestID)
            }
        } else {
            result = execute(entry.command, change: &change)
        }
        if !change.readyKeys.isEmpty { serveBlockedPops(change: &change) }
        for event in change.events { sessions.settle(ticket: event.ticket, with: event.result) }
        if change.happened { revision = change.revision }
        return Applied(
            requestID: entry.requestID,
            result: result,
            events: change.events,
            revision: revision,
            keyChanges: change.keyChanges,
            origin: entry.origin,
            session: entry.session,
            isCopy: isCopy,
            heldReplies: change.heldReplies
        )
    }

    /// The revision an entry's writes get, whether it wrote anything, and what it did for
    /// waiting requests.
    struct Change {
        let revision: UInt64
        /// The entry's request id: a wait it starts is known by it.
        let ticket: UInt64
        /// The entry's client session: a blocked command waits for as long as it is remembered.
        var session: UInt64 = 0
        var happened = false
        /// False while a transaction's steps run: nothing blocks there (as in Redis).
        var mayBlock = true
        /// Lists written while clients wait on their keys: served once the command has run.
        var readyKeys: [[UInt8]] = []
        var events: [CoordinationEvent] = []
        /// The served blocking pops held from now on (`BlockedPops.held`).
        var heldReplies: [RequestKey] = []
        /// The lease the keys written now are attached to (`withLease`).
        var lease: UInt64?
        /// What the command running now does to the keys it writes or removes.
        var keyEvent = KeyEvent.set
        var keyChanges: [KeyChange] = []
    }
}
