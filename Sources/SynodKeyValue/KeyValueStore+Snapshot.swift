import SynodCore
import SynodRuntime

/// The store as snapshot bytes: every field, keys in walk order, so equal stores give equal
/// bytes. Versions 1 (strings only), 2 (no hashes), 3 (no memory settings), 4 (no token
/// counter), 5 (no client sessions), 6 (no blocked list commands), 7 (no held pops) and 8 (no
/// stream node bytes) are still read.
///
/// A snapshot comes from a disk or a peer: decoding never traps, and refuses (with a typed
/// error) any state the store could not have reached, so applying entries after a restore
/// can rely on the store's invariants (the clock is not negative, revisions and tokens are
/// below `countersMax`, every deadline belongs to a lease, holder or waiter).
extension KeyValueStore {
    static let snapshotVersion: UInt8 = 9

    /// The whole snapshot in one array (small states and tests; a node streams it with
    /// `writeSnapshot`).
    public var snapshotBytes: [UInt8] {
        var bytes: [UInt8] = []
        writeSnapshot { piece in bytes += piece }
        return bytes
    }

    /// Writes the snapshot in pieces of about `pieceBytes`, each handed to `emit` as it fills,
    /// so that a large state is never held twice in memory. Keys come in walk order (bucket by
    /// bucket, each bucket's in key order), so equal stores give equal bytes.
    public func writeSnapshot<Failure: Error>(
        pieceBytes: Int = 1 << 20,
        to emit: (_ piece: [UInt8]) throws(Failure) -> Void
    ) throws(Failure) {
        var writer = ByteWriter(reservingCapacity: pieceBytes + 1024)
        writer.write(Self.snapshotVersion)
        writer.write(appliedIndex)
        writer.write(revision)
        writer.write(UInt64(bitPattern: clockMilliseconds))
        writer.write(UInt64(records.count))
        try records.forEachInWalkOrder { (key, record) throws(Failure) in
            Self.write(key: key, record: record, to: &writer)
            guard writer.bytes.count >= pieceBytes else { return }
            try emit(writer.bytes)
            writer = ByteWriter(reservingCapacity: pieceBytes + 1024)
        }
        writeCoordination(to: &writer)
        try emit(writer.bytes)
    }

    private static func write(key: [UInt8], record: Record, to writer: inout ByteWriter) {
        writer.writeLengthPrefixed(key)
        writer.writeLengthPrefixed(record.value)
        writer.write(UInt8(record.expiresAtMilliseconds == nil ? 0 : 1))
        writer.write(UInt64(bitPattern: record.expiresAtMilliseconds ?? 0))
        writer.write(record.createRevision)
        writer.write(record.modifyRevision)
        KeyValueEntry.writeOptional(record.lease, to: &writer)
        switch record.kind {
        case .string:
            writer.write(UInt8(0))
        case .hash:
            let hash = record.hash!
            writer.write(UInt8(1))
            writer.write(UInt64(hash.count))
            for (field, value) in sortedFields(hash) {
                writer.writeLengthPrefixed(field)
                writer.writeLengthPrefixed(value)
            }
        case .list:
            let list = record.list!
            writer.write(UInt8(2))
            writer.write(UInt64(list.count))
            for element in list.elements { writer.writeLengthPrefixed(element) }
        case .set:
            let set = record.set!
            writer.write(UInt8(3))
            writer.write(UInt64(set.count))
            for member in set.members { writer.writeLengthPrefixed(member) }
        case .sortedSet:
            let sortedSet = record.sortedSet!
            writer.write(UInt8(4))
            writer.write(UInt64(sortedSet.count))
            for member in sortedSet.ordered {
                writer.writeLengthPrefixed(member.member)
                writer.write(member.score.bitPattern)
            }
        case .stream:
            writer.write(UInt8(5))
            record.stream!.write(to: &writer)
        }
    }

    /// What follows the keys: leases, memory settings, locks and client sessions.
    private func writeCoordination(to writer: inout ByteWriter) {
        writer.write(UInt64(leases.count))
        for id in leases.keys.sorted() {
            let lease = leases[id]!
            writer.write(id)
            writer.write(UInt64(bitPattern: lease.ttlMilliseconds))
            writer.write(UInt64(bitPattern: lease.expiresAtMilliseconds))
        }
        writer.write(UInt64(memoryLimit.maxBytes))
        writer.writeLengthPrefixed(Array(memoryLimit.policy.rawValue.utf8))
        writer.write(evictedKeys)
        writer.write(lastIdentifierIssued)
        writer.write(UInt64(mutexes.count))
        for reference in mutexes.keys.sorted() {
            let mutex = mutexes[reference]!
            writer.write(reference.kind.rawValue)
            writer.writeLengthPrefixed(reference.name)
            writer.write(mutex.newestToken)
            writer.write(UInt8(mutex.holder == nil ? 0 : 1))
            if let holder = mutex.holder {
                writer.writeLengthPrefixed(holder.owner)
                writer.write(holder.ticket)
                writer.write(holder.token)
                KeyValueEntry.writeOptional(holder.ttlMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
                KeyValueEntry.writeOptional(holder.expiresAtMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
                KeyValueEntry.writeOptional(holder.lease, to: &writer)
            }
            writer.write(UInt64(mutex.waiters.count))
            for waiter in mutex.waiters {
                writer.writeLengthPrefixed(waiter.owner)
                writer.write(waiter.ticket)
                writer.write(UInt64(bitPattern: waiter.deadlineMilliseconds))
                KeyValueEntry.writeOptional(waiter.ttlMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
                KeyValueEntry.writeOptional(waiter.lease, to: &writer)
            }
        }
        sessions.write(to: &writer)
        writer.write(UInt64(blockedPops.waiters.count))
        for waiter in blockedPops.inBlockingOrder {
            writer.write(waiter.ticket)
            writer.write(waiter.blockedAt)
            writer.write(waiter.session)
            KeyValueEntry.writeOptional(waiter.deadlineMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
            ListWrite.blocking(waiter.pop, timeoutMilliseconds: 0).write(to: &writer)
        }
        writer.write(UInt64(blockedPops.held.count))
        for holder in blockedPops.held.keys.sorted() {
            let hold = blockedPops.held[holder]!
            writer.write(holder.session)
            writer.write(holder.requestID)
            writer.writeLengthPrefixed(hold.key)
            switch hold.items {
            case .elements(let elements, let end):
                writer.write(UInt8(end == .left ? 0 : 1))
                KeyValueEntry.write(elements, to: &writer)
            case .members(let members):
                writer.write(UInt8(2))
                writer.write(UInt64(members.count))
                for member in members {
                    writer.writeLengthPrefixed(member.member)
                    writer.write(member.score.bitPattern)
                }
            }
        }
    }

    /// Restores a store from `snapshotBytes`; an empty snapshot is the empty store.
    public init(snapshotBytes bytes: [UInt8]) throws(ByteReader.Failure) {
        var decoder = SnapshotDecoder()
        try decoder.feed(bytes)
        self = try decoder.finish()
    }

    /// Rebuilds a store from its snapshot bytes as they arrive, in pieces of any size (a file
    /// read a piece at a time, a leader's chunks): the keys are decoded as soon as each is
    /// complete, so only the state being built and an unfinished key are in memory.
    public struct SnapshotDecoder: Sendable {
        private var store = KeyValueStore()
        /// Received bytes from `decoded` on are not decoded yet.
        private var buffer: [UInt8] = []
        private var decoded = 0
        private var version: UInt8?
        private var recordsLeft: UInt64 = 0
        /// The keys decoded so far that name a lease, attached to their leases once those are
        /// read (after the keys): walking every key for them held the loop 200 ms at 1M keys.
        private var keysOnLeases: [KeyOnLease] = []
        /// How many undecoded bytes to wait for before trying again, after a key came up short:
        /// double what was there, so that a key spread over many pieces is parsed a few times,
        /// not once per piece.
        private var undecodedBytesWanted = 0
        public private(set) var bytesReceived = 0

        public init() {}

        /// The state as decoded so far: the keys of the pieces fed, without what follows the
        /// keys. Only a planted bug installs it; a real install waits for `finish`.
        public var stateSoFar: KeyValueStore { store }

        /// The bytes held: the undecoded ones, and decoded ones not yet dropped.
        var bufferedBytes: Int { buffer.count }

        /// Takes the next bytes of the snapshot. Throws as soon as they cannot be part of one.
        public mutating func feed(_ bytes: some Collection<UInt8>) throws(ByteReader.Failure) {
            buffer.append(contentsOf: bytes)
            bytesReceived += bytes.count
            guard buffer.count - decoded >= undecodedBytesWanted else { return }
            try decodeAvailable()
        }

        /// The store, once every byte was fed. Throws when the snapshot is incomplete or
        /// describes a state the store could not have reached.
        public mutating func finish() throws(ByteReader.Failure) -> KeyValueStore {
            guard bytesReceived > 0 else { return KeyValueStore() }
            try decodeAvailable()
            guard let version else { throw .truncated(missingBytes: 1) }
            guard recordsLeft == 0 else { throw .truncated(missingBytes: Int(clamping: recordsLeft)) }
            var reader = ByteReader(buffer[decoded...])
            try store.readCoordination(from: &reader, version: version, keysOnLeases: keysOnLeases)
            guard reader.isAtEnd else { throw .invalid("\(reader.remainingCount) bytes after the state") }
            return store
        }

        private mutating func decodeAvailable() throws(ByteReader.Failure) {
            defer { dropDecodedBytes() }
            while version == nil || recordsLeft > 0 {
                var reader = ByteReader(buffer[decoded...])
                do {
                    if let version {
                        if let onLease = try store.readRecord(from: &reader, version: version) {
                            keysOnLeases.append(onLease)
                        }
                        recordsLeft -= 1
                    } else {
                        try readHeader(from: &reader)
                    }
                } catch .truncated(let missing) {
                    let undecoded = buffer.count - decoded
                    // `missing` comes from the bytes (a length): it may be anything.
                    let (needed, overflow) = undecoded.addingReportingOverflow(missing)
                    undecodedBytesWanted = max(2 * undecoded, overflow ? .max : needed)
                    return
                }
                decoded = reader.position
                undecodedBytesWanted = 0
            }
        }

        private mutating func readHeader(from reader: inout ByteReader) throws(ByteReader.Failure) {
            let version = try reader.readUInt8()
            guard (1...KeyValueStore.snapshotVersion).contains(version) else {
                throw .invalid("unknown snapshot version")
            }
            let appliedIndex = try reader.readUInt64()
            let revision = try reader.readUInt64()
            let clockMilliseconds = Int64(bitPattern: try reader.readUInt64())
            let records = try reader.readUInt64()
            guard appliedIndex <= KeyValueStore.countersMax, revision <= appliedIndex, clockMilliseconds >= 0 else {
                throw .invalid("applied index \(appliedIndex), revision \(revision), clock \(clockMilliseconds)")
            }
            store.appliedIndex = appliedIndex
            store.revision = revision
            store.clockMilliseconds = clockMilliseconds
            self.version = version
            recordsLeft = records
        }

        /// Keeps the buffer from growing with the whole snapshot: decoded bytes go once they
        /// are most of it.
        private mutating func dropDecodedBytes() {
            guard decoded >= 1 << 16, decoded * 2 >= buffer.count else { return }
            buffer.removeFirst(decoded)
            decoded = 0
        }
    }

    /// Reads a count of items that take at least a byte each: a count beyond the bytes left is
    /// a buffer that ends too soon (or lies).
    static func readCount(from reader: inout ByteReader, what: String) throws(ByteReader.Failure) -> UInt64 {
        let count = try reader.readUInt64()
        guard count <= UInt64(reader.remainingCount) else {
            throw .truncated(missingBytes: Int(clamping: count - UInt64(reader.remainingCount)))
        }
        return count
    }

    /// A key read from a snapshot and the lease it names, attached once the leases are read.
    typealias KeyOnLease = (key: [UInt8], lease: UInt64)

    /// Reads one key and adds it; changes nothing when the bytes end before the key does.
    /// Returns the key and its lease when it has one.
    fileprivate mutating func readRecord(
        from reader: inout ByteReader,
        version: UInt8
    ) throws(ByteReader.Failure) -> KeyOnLease? {
        let key = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
        let value = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
        let hasExpiry = try KeyValueEntry.readFlag(from: &reader)
        let expiry = Int64(bitPattern: try reader.readUInt64())
        let createRevision = try reader.readUInt64()
        let modifyRevision = try reader.readUInt64()
        let lease = version >= 2 ? try KeyValueEntry.readOptional(from: &reader) : nil
        // No store writes these (expiries are later than its clock, lease ids start at 1);
        // the record keeps them as its "none".
        guard !(hasExpiry && expiry == .min), lease != 0 else { throw .invalid("an impossible expiry or lease") }
        var record = Record(
            value: value,
            expiresAtMilliseconds: hasExpiry ? expiry : nil,
            createRevision: createRevision,
            modifyRevision: modifyRevision,
            lease: lease
        )
        record.accessedSeconds = accessClockSeconds
        let kind = version >= 3 ? try reader.readUInt8() : 0
        switch kind {
        case 0:
            break
        case 1:
            var hash: [[UInt8]: [UInt8]] = [:]
            for _ in 0..<(try Self.readCount(from: &reader, what: "fields")) {
                let field = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                let value = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                guard hash.updateValue(value, forKey: field) == nil else { throw .invalid("a field twice") }
            }
            guard !hash.isEmpty, record.valueCount == 0 else { throw .invalid("an empty hash or one with a value") }
            record.hash = hash
        case 2:
            var elements: [[UInt8]] = []
            for _ in 0..<(try Self.readCount(from: &reader, what: "elements")) {
                elements.append(try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax))
            }
            guard !elements.isEmpty, record.valueCount == 0 else { throw .invalid("an empty list or one with a value") }
            record.putList(ListValue(elements))
        case 3:
            var set = SetValue([])
            for _ in 0..<(try Self.readCount(from: &reader, what: "members")) {
                let member = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                guard set.insert(member) else { throw .invalid("a member twice") }
            }
            guard !set.isEmpty, record.valueCount == 0 else { throw .invalid("an empty set or one with a value") }
            record.putSet(set)
        case 4:
            var scores: [[UInt8]: Double] = [:]
            for _ in 0..<(try Self.readCount(from: &reader, what: "members")) {
                let member = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                let score = try reader.readScore()
                guard scores.updateValue(score, forKey: member) == nil else { throw .invalid("a member twice") }
            }
            guard !scores.isEmpty, record.valueCount == 0 else {
                throw .invalid("an empty sorted set or one with a value")
            }
            record.putSortedSet(SortedSetValue(scores: scores))
        case 5:
            guard record.valueCount == 0 else { throw .invalid("a stream with a value") }
            record.putStream(try StreamValue(reading: &reader, version: version))
        default:
            throw .invalid("a record of kind \(kind)")
        }
        guard record.createRevision <= record.modifyRevision, record.modifyRevision <= revision,
            records.updateValue(record, forKey: key) == nil
        else {
            throw .invalid("a duplicate or impossible record")
        }
        datasetBytes += Self.footprint(key: key, record: record)
        if hasExpiry { keysWithExpiry.updateValue(expiry, forKey: key) }
        if key.starts(with: Self.serviceRegistryRoot) { serviceKeys.insert(key) }
        return lease.map { (key, $0) }
    }

    /// Reads what follows the keys (`writeCoordination`), as each version wrote it.
    fileprivate mutating func readCoordination(
        from reader: inout ByteReader,
        version: UInt8,
        keysOnLeases: [KeyOnLease]
    ) throws(ByteReader.Failure) {
        guard version >= 2 else { return }
        try readLeases(from: &reader)
        if version >= 4 {
            let maxBytes = try reader.readUInt64()
            let policy = String(decoding: try reader.readLengthPrefixed(maximumCount: 64), as: UTF8.self)
            guard maxBytes <= UInt64(Int.max), let parsed = EvictionPolicy(rawValue: policy) else {
                throw .invalid("memory settings")
            }
            memoryLimit.maxBytes = Int(maxBytes)
            memoryLimit.policy = parsed
            evictedKeys = try reader.readUInt64()
        }
        if version >= 5 { lastIdentifierIssued = try reader.readUInt64() }
        try readMutexes(from: &reader)
        lastIdentifierIssued = max(
            lastIdentifierIssued,
            mutexes.values.map(\.newestToken).max() ?? 0,
            leases.keys.max() ?? 0
        )
        guard lastIdentifierIssued <= Self.countersMax else { throw .invalid("identifier \(lastIdentifierIssued)") }
        try attachToLeases(keysOnLeases)
        if version >= 6 { sessions = try ClientSessions(reading: &reader) }
        if version >= 7 { try readBlockedPops(from: &reader) }
        if version >= 8 { try readHeldPops(from: &reader) }
    }

    /// Reads the held pops: each of a session, with something to give back.
    private mutating func readHeldPops(from reader: inout ByteReader) throws(ByteReader.Failure) {
        for _ in 0..<(try Self.readCount(from: &reader, what: "held pops")) {
            let holder = RequestKey(session: try reader.readUInt64(), requestID: try reader.readUInt64())
            let key = try reader.readLengthPrefixedBytes()
            let items: BlockedPops.HeldPop.Items
            switch try reader.readUInt8() {
            case let end where end <= 1:
                items = .elements(try KeyValueEntry.readKeys(from: &reader), end: end == 0 ? .left : .right)
            case 2:
                var members: [ScoredMember] = []
                for _ in 0..<(try Self.readCount(from: &reader, what: "held members")) {
                    let member = try reader.readLengthPrefixedBytes()
                    let score = Double(bitPattern: try reader.readUInt64())
                    guard !score.isNaN else { throw .invalid("a held member scored NaN") }
                    members.append(ScoredMember(member: member, score: score))
                }
                items = .members(members)
            case let kind: throw .invalid("held items of kind \(kind)")
            }
            let empty: Bool =
                switch items {
                case .elements(let elements, _): elements.isEmpty
                case .members(let members): members.isEmpty
                }
            guard holder.session != 0, !empty,
                blockedPops.held.updateValue(.init(key: key, items: items), forKey: holder) == nil
            else { throw .invalid("held pop \(holder.requestID) of session \(holder.session) empty or twice") }
        }
    }

    /// Reads the blocked list commands, in the order they blocked.
    private mutating func readBlockedPops(from reader: inout ByteReader) throws(ByteReader.Failure) {
        var previous: UInt64 = 0
        for _ in 0..<(try Self.readCount(from: &reader, what: "blocked commands")) {
            let ticket = try reader.readUInt64()
            let blockedAt = try reader.readUInt64()
            let session = try reader.readUInt64()
            let deadline = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            guard case .blocking(let pop, _) = try ListWrite(reading: &reader), !pop.keys.isEmpty,
                (pop.count ?? 1) >= 1
            else { throw .invalid("a blocked command that is not one") }
            // One waiter per entry, in the order they blocked, none after the snapshot's index.
            guard blockedAt > previous, blockedAt <= appliedIndex, blockedPops.waiters[ticket] == nil else {
                throw .invalid("blocked command \(ticket) out of order or twice")
            }
            previous = blockedAt
            blockedPops.add(
                BlockedPops.Waiter(
                    ticket: ticket,
                    blockedAt: blockedAt,
                    session: session,
                    pop: pop,
                    deadlineMilliseconds: deadline
                )
            )
            if let deadline { deadlines.insert(deadline, .blockedPop(ticket: ticket)) }
        }
    }

    private mutating func readLeases(from reader: inout ByteReader) throws(ByteReader.Failure) {
        for _ in 0..<(try Self.readCount(from: &reader, what: "leases")) {
            let id = try reader.readUInt64()
            let lease = Lease(
                ttlMilliseconds: Int64(bitPattern: try reader.readUInt64()),
                expiresAtMilliseconds: Int64(bitPattern: try reader.readUInt64())
            )
            // A lease's id is at least the revision that granted it (more when one entry granted
            // several); `lastIdentifierIssued`, checked below, covers every id.
            guard leases.updateValue(lease, forKey: id) == nil else {
                throw .invalid("lease \(id) twice")
            }
            deadlines.insert(lease.expiresAtMilliseconds, .lease(id))
        }
    }

    private mutating func readMutexes(from reader: inout ByteReader) throws(ByteReader.Failure) {
        for _ in 0..<(try Self.readCount(from: &reader, what: "mutexes")) {
            let reference = MutexReference(
                kind: try KeyValueEntry.readMutexKind(from: &reader),
                name: try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
            )
            var mutex = Mutex()
            mutex.newestToken = try reader.readUInt64()
            if try KeyValueEntry.readFlag(from: &reader) {
                let holder = Mutex.Holder(
                    owner: try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax),
                    ticket: try reader.readUInt64(),
                    token: try reader.readUInt64(),
                    ttlMilliseconds: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) },
                    expiresAtMilliseconds: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) },
                    lease: try KeyValueEntry.readOptional(from: &reader)
                )
                guard holder.token <= mutex.newestToken else { throw .invalid("a holder's token after the newest") }
                if let expiry = holder.expiresAtMilliseconds { deadlines.insert(expiry, .holder(reference)) }
                mutex.holder = holder
            }
            var tickets: Set<UInt64> = []
            var owners: Set<[UInt8]> = []
            for _ in 0..<(try Self.readCount(from: &reader, what: "waiters")) {
                let waiter = Mutex.Waiter(
                    owner: try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax),
                    ticket: try reader.readUInt64(),
                    deadlineMilliseconds: Int64(bitPattern: try reader.readUInt64()),
                    ttlMilliseconds: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) },
                    lease: try KeyValueEntry.readOptional(from: &reader)
                )
                // A line holds each ticket and each owner once (a retry takes the older one's
                // place): a deadline must belong to exactly one waiter.
                guard tickets.insert(waiter.ticket).inserted, owners.insert(waiter.owner).inserted else {
                    throw .invalid("a ticket or an owner twice in one line")
                }
                deadlines.insert(waiter.deadlineMilliseconds, .waiter(reference, ticket: waiter.ticket))
                mutex.waiters.append(waiter)
            }
            guard mutexes.updateValue(mutex, forKey: reference) == nil else { throw .invalid("a mutex twice") }
        }
    }

    /// Rebuilds each lease's sets of keys and mutexes from what names it.
    private mutating func attachToLeases(
        _ keysOnLeases: [KeyOnLease]
    ) throws(ByteReader.Failure) {
        for (key, id) in keysOnLeases {
            guard leases[id] != nil else { throw .invalid("a key on a lease that does not exist") }
            leases[id]!.keys.insert(key)
        }
        for (reference, mutex) in mutexes {
            for id in [mutex.holder?.lease].compactMap({ $0 }) + mutex.waiters.compactMap(\.lease) {
                guard leases[id] != nil else { throw .invalid("a lock on a lease that does not exist") }
                leases[id]!.mutexes.insert(reference)
            }
        }
    }
}
