import SynodCore
import SynodRuntime

/// The effect of each command, with Redis semantics.
extension KeyValueStore {
    public static let notAnInteger = KeyValueError(.notANumber, "ERR value is not an integer or out of range")
    static let overflow = KeyValueError(.outOfRange, "ERR increment or decrement would overflow")
    static let invalidMaxMemory = KeyValueError(
        .invalidRequest,
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
    )

    mutating func execute(_ command: KeyValueCommand, change: inout Change) -> KeyValueResult {
        change.keyEvent = Self.keyEvent(of: command)
        if refusesWrites && Self.mayGrow(command) { return .error(Self.outOfMemory) }
        switch command {
        case .evict(let keys):
            change.keyEvent = .evicted
            let removed = keys.filter { records[$0] != nil && remove($0, change: &change) }.count
            let (total, overflow) = evictedKeys.addingReportingOverflow(UInt64(removed))
            evictedKeys = overflow ? UInt64.max : total  // A statistic: it stops at the top.
            return .integer(Int64(removed))
        case .configure(let maxBytes, let policy):
            if let maxBytes, maxBytes < 0 { return .error(Self.invalidMaxMemory) }
            if let maxBytes { memoryLimit.maxBytes = maxBytes }
            if let policy { memoryLimit.policy = policy }
            change.happened = true
            return .ok
        case .set(let key, let value, let condition, let expiry, let returnPrevious):
            guard representable(expiry) else { return .error(Self.invalidExpireTime("set")) }
            let previous = live(key, change: &change)
            if returnPrevious, previous?.isString == false { return .error(Self.wrongType) }
            let allowed =
                switch condition {
                case .always: true
                case .ifAbsent: previous == nil
                case .ifPresent: previous != nil
                }
            if allowed { write(key, value, expiresAt: resolve(expiry, previous: previous), change: &change) }
            if returnPrevious { return previous.map { .value($0.value) } ?? .null }
            return allowed ? .ok : .null
        case .delete(let keys):
            return .integer(Int64(keys.filter { remove($0, change: &change) }.count))
        case .expire(let key, let expiry, let condition):
            return .integer(expire(key, expiry: expiry, condition: condition, change: &change) ? 1 : 0)
        case .persist(let key):
            guard var record = live(key, change: &change), record.expiresAtMilliseconds != nil else {
                return .integer(0)
            }
            record.expiresAtMilliseconds = nil
            store(key, record, change: &change)
            return .integer(1)
        case .increment(let key, let amount):
            return increment(key, by: amount, change: &change)
        case .multiSet(let pairs):
            for pair in pairs {
                _ = live(pair.key, change: &change)
                write(pair.key, pair.value, expiresAt: nil, change: &change)
            }
            return .ok
        case .compareAndSet(let key, let expected, let new, let expiry):
            guard representable(expiry) else { return .error(Self.invalidExpireTime("cas")) }
            let previous = live(key, change: &change)
            if previous?.isString == false { return .error(Self.wrongType) }
            guard previous?.value == expected else { return .integer(0) }
            write(key, new, expiresAt: resolve(expiry, previous: previous), change: &change)
            return .integer(1)
        case .compareAndDelete(let key, let expected):
            let current = live(key, change: &change)
            if current?.isString == false { return .error(Self.wrongType) }
            guard current?.value == expected else { return .integer(0) }
            _ = remove(key, change: &change)
            return .integer(1)
        case .removeExpired(let keys):
            let removed = keys.filter { key in
                guard let expiry = records[key]?.expiresAtMilliseconds, expiry <= clockMilliseconds else {
                    return false
                }
                _ = remove(key, change: &change)  // False for an expired key: it was not live.
                return true
            }
            return .integer(Int64(removed.count))
        case .leaseGrant(let ttl):
            if let refusal = Self.refusal(ofMilliseconds: ttl, what: "lease TTL") { return .error(refusal) }
            return grantLease(ttlMilliseconds: ttl, change: &change)
        case .leaseKeepAlive(let id):
            return keepLeaseAlive(id, change: &change)
        case .leaseRevoke(let id):
            guard leases[id] != nil else { return .integer(0) }
            endLease(id, change: &change)
            return .integer(1)
        case .extendLeases:
            return .ok  // Done before the deadlines due were settled (see `applyReporting`).
        case .sweep:
            return .ok  // The deadlines due were settled before the command ran.
        case .acquire(let kind, let name, let owner, let ttl, let wait, let lease):
            if let ttl, let refusal = Self.refusal(ofMilliseconds: ttl, what: "lock TTL") { return .error(refusal) }
            if let refusal = Self.refusal(ofMilliseconds: wait, what: "wait", zeroAllowed: true) {
                return .error(refusal)
            }
            return acquire(
                Self.reference(kind, name),
                owner: owner,
                ttlMilliseconds: ttl,
                waitMilliseconds: wait,
                lease: lease,
                ticket: change.ticket,
                change: &change
            )
        case .release(let kind, let name, let owner):
            return release(Self.reference(kind, name), owner: owner, change: &change)
        case .refreshLock(let name, let owner, let ttl):
            if let refusal = Self.refusal(ofMilliseconds: ttl, what: "lock TTL") { return .error(refusal) }
            return refresh(Self.reference(.lock, name), owner: owner, ttlMilliseconds: ttl, change: &change)
        case .fenced(let lock, let token, let command):
            return fenced(lock: lock, token: token, command: command, change: &change)
        case .string(let write):
            return execute(write, change: &change)
        case .hash(let write):
            return execute(write, change: &change)
        case .list(let write):
            return execute(write, change: &change)
        case .redisSet(let write):
            return execute(write, change: &change)
        case .sortedSet(let write):
            return execute(write, change: &change)
        case .stream(let write):
            return execute(write, change: &change)
        case .rename(let source, let destination, let onlyIfAbsent):
            return rename(source, to: destination, onlyIfAbsent: onlyIfAbsent, change: &change)
        case .copy(let source, let destination, let replace):
            return copy(source, to: destination, replace: replace, change: &change)
        case .flushAll:
            return flushAll(change: &change)
        case .unblock(let tickets):
            return .integer(Int64(tickets.filter { unblock($0, change: &change) }.count))
        case .settleHeldPops(let delivered, let returned):
            return settleHeldPops(delivered: delivered, returned: returned, change: &change)
        case .redis(let words):
            return executeWords(words, change: &change)
        case .transaction(let versions, let steps):
            for version in versions where (live(version.key, change: &change)?.modifyRevision ?? 0) != version.revision
            {
                return .nullArray
            }
            var results: [KeyValueResult] = []
            change.mayBlock = false
            defer { change.mayBlock = true }
            for step in steps {
                switch step {
                case .write(.acquire(let kind, let name, let owner, let ttl, _, let lease)):
                    // Inside a transaction nothing blocks (as in Redis): no waiting in line.
                    let command = KeyValueCommand.acquire(
                        kind: kind,
                        name: name,
                        owner: owner,
                        ttlMilliseconds: ttl,
                        waitMilliseconds: 0,
                        lease: lease
                    )
                    results.append(execute(command, change: &change))
                case .write(let command):
                    results.append(execute(command, change: &change))
                case .read(let read):
                    results.append(self.read(read, at: clockMilliseconds))
                }
            }
            return .array(results)
        case .withLease(let lease, let command):
            guard leases[lease] != nil else { return .error(Self.leaseNotFound(lease)) }
            change.lease = lease
            defer { change.lease = nil }
            return execute(command, change: &change)
        }
    }

    /// The keyspace event a command's writes and removals are reported as.
    static func keyEvent(of command: KeyValueCommand) -> KeyEvent {
        switch command {
        case .delete, .compareAndDelete, .leaseRevoke, .flushAll: .del
        case .expire: .expire
        case .persist: .persist
        case .increment: .incrby
        case .removeExpired, .sweep, .extendLeases: .expired
        case .evict: .evicted
        case .configure, .unblock, .settleHeldPops: .set
        case .copy: .copyTo
        case .set, .multiSet, .compareAndSet, .leaseGrant, .leaseKeepAlive, .acquire, .release, .refreshLock, .redis,
            .transaction, .string, .hash, .list, .redisSet, .sortedSet, .stream, .rename:
            .set
        case .fenced(_, _, let inner), .withLease(_, let inner): keyEvent(of: inner)
        }
    }

    /// The key's record if it exists at the store's clock; an expired one is removed.
    mutating func live(_ key: [UInt8], change: inout Change) -> Record? {
        guard let record = records[key] else { return nil }
        if let expiry = record.expiresAtMilliseconds, expiry <= clockMilliseconds {
            _ = remove(key, change: &change)
            return nil
        }
        return record
    }

    /// Whether a relative expiry counted from the store's clock fits in 64 bits (Redis refuses
    /// the write with "invalid expire time" when it does not).
    func representable(_ expiry: KeyExpiry) -> Bool {
        guard case .afterMilliseconds(let milliseconds) = expiry else { return true }
        return laterIfRepresentable(milliseconds) != nil
    }

    /// The store's clock plus `milliseconds`, or nil when the sum does not fit in 64 bits.
    func laterIfRepresentable(_ milliseconds: Int64) -> Int64? {
        let (sum, overflow) = clockMilliseconds.addingReportingOverflow(milliseconds)
        return overflow ? nil : sum
    }

    /// The absolute expiry an entry asks for, given the key's current one.
    func resolve(_ expiry: KeyExpiry, previous: Record?) -> Int64? {
        switch expiry {
        case .none: nil
        case .keep: previous?.expiresAtMilliseconds
        case .afterMilliseconds(let milliseconds):
            clockMilliseconds.addingReportingOverflow(milliseconds).overflow
                ? (milliseconds > 0 ? Int64.max : Int64.min) : clockMilliseconds + milliseconds
        case .atMilliseconds(let milliseconds): milliseconds
        }
    }

    /// Writes a value; an expiry already past deletes the key instead (as Redis does). The key
    /// is attached to the entry's lease if it has one (`withLease`), else detached from any,
    /// unless `keepingLease` (INCR keeps both the TTL and the lease).
    mutating func write(
        _ key: [UInt8],
        _ value: [UInt8],
        expiresAt: Int64?,
        keepingLease: Bool = false,
        change: inout Change
    ) {
        if let expiresAt, expiresAt <= clockMilliseconds {
            _ = remove(key, change: &change)
            return
        }
        let previous = records[key]
        store(
            key,
            Record(
                value: value,
                expiresAtMilliseconds: expiresAt,
                createRevision: previous?.createRevision ?? change.revision,
                modifyRevision: change.revision,
                lease: keepingLease ? previous?.lease : change.lease
            ),
            change: &change
        )
    }

    mutating func store(_ key: [UInt8], _ record: Record, change: inout Change) {
        var record = record
        record.modifyRevision = change.revision
        record.accessedSeconds = accessClockSeconds
        // One walk down the trie to store it and learn what it replaced.
        let previous = records.updateValue(record, forKey: key)
        datasetBytes +=
            Self.footprint(key: key, record: record) - (previous.map { Self.footprint(key: key, record: $0) } ?? 0)
        if let previousLease = previous?.lease, previousLease != record.lease {
            leases.modifyValue(forKey: previousLease) { $0.keys.remove(key) }
        }
        if let lease = record.lease, lease != previous?.lease {
            leases.modifyValue(forKey: lease) { $0.keys.insert(key) }
        }
        if !blockedPops.isEmpty, [.list, .sortedSet, .stream].contains(record.kind),
            blockedPops.isWaiting(on: key)
        {
            change.readyKeys.append(key)
        }
        // Without an expiry before or after, `keysWithExpiry` has no entry to change.
        if previous?.expiresAtMilliseconds != nil || record.expiresAtMilliseconds != nil {
            keysWithExpiry[key] = record.expiresAtMilliseconds
        }
        if key.starts(with: Self.serviceRegistryRoot) { serviceKeys.insert(key) }
        change.happened = true
        change.keyChanges.append(KeyChange(key: key, compactValue: record.compactValue, event: change.keyEvent))
    }

    /// Removes a live key; false if there was none.
    mutating func remove(_ key: [UInt8], change: inout Change) -> Bool {
        guard let record = records.removeValue(forKey: key) else { return false }
        datasetBytes -= Self.footprint(key: key, record: record)
        keysWithExpiry.removeValue(forKey: key)
        if key.starts(with: Self.serviceRegistryRoot) { serviceKeys.remove(key) }
        if let lease = record.lease { leases.modifyValue(forKey: lease) { $0.keys.remove(key) } }
        change.happened = true
        let expired = record.expiresAtMilliseconds.map { $0 <= clockMilliseconds } ?? false
        change.keyChanges.append(KeyChange(key: key, value: nil, event: expired ? .expired : change.keyEvent))
        return !expired
    }

    mutating func expire(_ key: [UInt8], expiry: KeyExpiry, condition: ExpireCondition, change: inout Change) -> Bool {
        guard var record = live(key, change: &change) else { return false }
        guard let newExpiry = resolve(expiry, previous: record) else { return false }
        let current = record.expiresAtMilliseconds
        let allowed =
            switch condition {
            case .always: true
            case .ifNoExpiry: current == nil
            case .ifHasExpiry: current != nil
            case .ifLater: current.map { newExpiry > $0 } ?? false
            case .ifEarlier: current.map { newExpiry < $0 } ?? true
            case .ifEarlierAndHasExpiry: current.map { newExpiry < $0 } ?? false
            }
        guard allowed else { return false }
        if newExpiry <= clockMilliseconds {
            change.keyEvent = .del  // As Redis reports an EXPIRE into the past.
            return remove(key, change: &change)
        }
        record.expiresAtMilliseconds = newExpiry
        store(key, record, change: &change)
        return true
    }

    mutating func increment(_ key: [UInt8], by amount: Int64, change: inout Change) -> KeyValueResult {
        let previous = live(key, change: &change)
        if previous?.isString == false { return .error(Self.wrongType) }
        guard let current = previous.map({ Self.parseInteger($0.value) }) ?? 0 else { return .error(Self.notAnInteger) }
        let (sum, overflow) = current.addingReportingOverflow(amount)
        guard !overflow else { return .error(Self.overflow) }
        write(
            key,
            Array(String(sum).utf8),
            expiresAt: previous?.expiresAtMilliseconds,
            keepingLease: true,
            change: &change
        )
        return .integer(sum)
    }

    /// A decimal integer exactly as Redis accepts one: optional minus, digits, no leading zero,
    /// no sign on zero, no spaces, within 64 bits.
    public static func parseInteger(_ bytes: [UInt8]) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        let digits = negative ? bytes[1...] : bytes[...]
        guard let first = digits.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        if first == UInt8(ascii: "0") { return digits.count == 1 && !negative ? 0 : nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowShift, !overflowAdd else { return nil }
            value = next
        }
        return value
    }
}
