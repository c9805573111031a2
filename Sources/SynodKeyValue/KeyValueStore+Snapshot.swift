import SynodCore

/// The store as snapshot bytes: every field, keys in byte order, so equal stores give equal
/// bytes. Versions 1 (strings only), 2 (no hashes), 3 (no memory settings), 4 (no token
/// counter) and 5 (no client sessions) are still read.
///
/// A snapshot comes from a disk or a peer: decoding never traps, and refuses (with a typed
/// error) any state the store could not have reached, so applying entries after a restore
/// can rely on the store's invariants (the clock is not negative, revisions and tokens are
/// below `countersMax`, every deadline belongs to a lease, holder or waiter).
extension KeyValueStore {
    static let snapshotVersion: UInt8 = 6

    public var snapshotBytes: [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + records.count * 56)
        writer.write(Self.snapshotVersion)
        writer.write(appliedIndex)
        writer.write(revision)
        writer.write(UInt64(bitPattern: clockMilliseconds))
        writer.write(UInt64(records.count))
        for key in records.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let record = records[key]!
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(record.value)
            writer.write(UInt8(record.expiresAtMilliseconds == nil ? 0 : 1))
            writer.write(UInt64(bitPattern: record.expiresAtMilliseconds ?? 0))
            writer.write(record.createRevision)
            writer.write(record.modifyRevision)
            KeyValueEntry.writeOptional(record.lease, to: &writer)
            writer.write(UInt8(record.hash == nil ? 0 : 1))
            if let hash = record.hash {
                writer.write(UInt64(hash.count))
                for (field, value) in Self.sortedFields(hash) {
                    writer.writeLengthPrefixed(field)
                    writer.writeLengthPrefixed(value)
                }
            }
        }
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
        return writer.bytes
    }

    /// Restores a store from `snapshotBytes`; an empty snapshot is the empty store.
    public init(snapshotBytes bytes: [UInt8]) throws(ByteReader.Failure) {
        self.init()
        guard !bytes.isEmpty else { return }
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8()
        guard (1...Self.snapshotVersion).contains(version) else { throw .invalid("unknown snapshot version") }
        appliedIndex = try reader.readUInt64()
        revision = try reader.readUInt64()
        clockMilliseconds = Int64(bitPattern: try reader.readUInt64())
        guard appliedIndex <= Self.countersMax, revision <= appliedIndex, clockMilliseconds >= 0 else {
            throw .invalid("applied index \(appliedIndex), revision \(revision), clock \(clockMilliseconds)")
        }
        try readRecords(from: &reader, version: version)
        datasetBytes = records.reduce(0) { $0 + Self.footprint(key: $1.key, record: $1.value) }
        if version >= 2 {
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
            try attachToLeases()
            if version >= 6 { sessions = try ClientSessions(reading: &reader) }
        }
        guard reader.isAtEnd else { throw .invalid("\(reader.remainingCount) bytes after the state") }
    }

    static func readCount(from reader: inout ByteReader, what: String) throws(ByteReader.Failure) -> UInt64 {
        let count = try reader.readUInt64()
        guard count <= UInt64(reader.remainingCount) else { throw .invalid("\(count) \(what)") }
        return count
    }

    private mutating func readRecords(from reader: inout ByteReader, version: UInt8) throws(ByteReader.Failure) {
        for _ in 0..<(try Self.readCount(from: &reader, what: "records")) {
            let key = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
            let value = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
            let hasExpiry = try KeyValueEntry.readFlag(from: &reader)
            let expiry = Int64(bitPattern: try reader.readUInt64())
            var record = Record(
                value: value,
                expiresAtMilliseconds: hasExpiry ? expiry : nil,
                createRevision: try reader.readUInt64(),
                modifyRevision: try reader.readUInt64(),
                lease: version >= 2 ? try KeyValueEntry.readOptional(from: &reader) : nil
            )
            if version >= 3, try KeyValueEntry.readFlag(from: &reader) {
                var hash: [[UInt8]: [UInt8]] = [:]
                for _ in 0..<(try Self.readCount(from: &reader, what: "fields")) {
                    let field = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                    let value = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
                    guard hash.updateValue(value, forKey: field) == nil else { throw .invalid("a field twice") }
                }
                guard !hash.isEmpty, record.value.isEmpty else { throw .invalid("an empty hash or one with a value") }
                record.hash = hash
            }
            guard record.createRevision <= record.modifyRevision, record.modifyRevision <= revision,
                records.updateValue(record, forKey: key) == nil
            else {
                throw .invalid("a duplicate or impossible record")
            }
            if hasExpiry { keysWithExpiry.updateValue(expiry, forKey: key) }
            if key.starts(with: Self.serviceRegistryRoot) { serviceKeys.insert(key) }
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
    private mutating func attachToLeases() throws(ByteReader.Failure) {
        for (key, record) in records {
            guard let id = record.lease else { continue }
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
