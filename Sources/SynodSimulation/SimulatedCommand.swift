import SynodKeyValue

/// A client operation as the simulated clients issue it, and how it maps onto the real
/// key-value state machine: a one-byte key, and values that are decimal strings.
struct SimulatedCommand: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        case put(key: UInt8, value: UInt64)
        case compareAndSet(key: UInt8, expected: UInt64?, new: UInt64)
        case delete(key: UInt8)
        /// LOCK.ACQUIRE without a wait and with a TTL longer than any run: its outcome does
        /// not depend on time, so the linearizability model can check it.
        case acquire(lock: UInt8, owner: Int)
        case release(lock: UInt8, owner: Int)
        /// SET on the lock's resource key, fenced by `token`.
        case fencedPut(lock: UInt8, token: UInt64, value: UInt64)
        /// Time-dependent lock use, checked by `LockWaitChecker` rather than the
        /// linearizability model: leases that end, lock TTLs, waits in line.
        case leaseGrant(ttlMilliseconds: Int64)
        case leaseKeepAlive(id: UInt64)
        case waitAcquire(lock: UInt8, owner: Int, ttlMilliseconds: Int64, waitMilliseconds: Int64, lease: UInt64?)
        case waitRelease(lock: UInt8, owner: Int)
    }

    /// Longer than any simulated run: simulated locks never expire.
    static let lockTTLMilliseconds: Int64 = 24 * 3_600_000

    /// What a write answered, as the history and the linearizability model see it.
    enum Outcome: Hashable, Sendable {
        case stored
        case compareAndSet(succeeded: Bool)
        case deleted(existed: Bool)
        /// The fencing token, or nil if the lock was held by another client.
        case acquired(token: UInt64?)
        case released(Bool)
        case fenced(stored: Bool)
        case leaseGranted(id: UInt64)
        /// LEASE.KEEPALIVE: false when the lease had already ended.
        case keptAlive(Bool)
    }

    /// The client's request id, unique in a run, the same in every attempt of one operation.
    let requestID: UInt64
    let operation: Operation
    /// The client's session (`KeyValueEntry.session`): its id plus one.
    let session: UInt64
    /// The lowest request id the client still waits for.
    let acknowledgedBelow: UInt64
    /// `SimulationOptions.bigValueBytes`.
    let bigValueBytes: Int

    init(
        requestID: UInt64,
        operation: Operation,
        session: UInt64 = 0,
        acknowledgedBelow: UInt64 = 0,
        bigValueBytes: Int = 0
    ) {
        self.requestID = requestID
        self.operation = operation
        self.session = session
        self.acknowledgedBelow = acknowledgedBelow
        self.bigValueBytes = bigValueBytes
    }

    static func key(_ key: UInt8) -> [UInt8] { [key] }
    /// Lock names and their resource keys: two bytes, apart from the one-byte keys.
    static func lockName(_ lock: UInt8) -> [UInt8] { [0xFD, lock] }
    static func resourceKey(_ lock: UInt8) -> [UInt8] { [0xFE, lock] }
    static func waitLockName(_ lock: UInt8) -> [UInt8] { [0xFC, lock] }
    static func owner(_ client: Int) -> [UInt8] { Array("client\(client)".utf8) }
    /// A value's bytes: its number in decimal, then, for a quarter of the numbers when the run
    /// has big values, padding. A function of the number alone within a run, so that a
    /// compare-and-set's expected value is the bytes stored.
    func bytes(of value: UInt64) -> [UInt8] {
        let digits = Array(String(value).utf8)
        guard bigValueBytes > 0, value % 4 == 0 else { return digits }
        return digits + [UInt8](repeating: UInt8(ascii: "."), count: bigValueBytes)
    }

    /// A stored value read back: the simulation only ever stores decimal numbers, some padded.
    static func number(_ bytes: [UInt8]?) -> UInt64? {
        guard let bytes else { return nil }
        let digits = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard digits.count == bytes.count || bytes[digits.count...].allSatisfy({ $0 == UInt8(ascii: ".") }),
            let number = UInt64(String(decoding: digits, as: UTF8.self))
        else {
            preconditionFailure("the simulation stored a value that is not a number: \(bytes)")
        }
        return number
    }

    /// The log entry a leader proposes for this operation at its clock's `timeMilliseconds`.
    func entry(timeMilliseconds: Int64) -> KeyValueEntry {
        KeyValueEntry(
            requestID: requestID,
            timeMilliseconds: timeMilliseconds,
            command: command,
            session: session,
            acknowledgedBelow: acknowledgedBelow
        )
    }

    /// The state machine's command for this operation.
    var command: KeyValueCommand {
        let command: KeyValueCommand
        switch operation {
        case .put(let key, let value):
            command = .set(
                key: Self.key(key),
                value: bytes(of: value),
                condition: .always,
                expiry: .none,
                returnPrevious: false
            )
        case .compareAndSet(let key, let expected, let new):
            command = .compareAndSet(
                key: Self.key(key),
                expected: expected.map(bytes(of:)),
                new: bytes(of: new),
                expiry: .none
            )
        case .delete(let key):
            command = .delete(keys: [Self.key(key)])
        case .acquire(let lock, let owner):
            command = .acquire(
                kind: .lock,
                name: Self.lockName(lock),
                owner: Self.owner(owner),
                ttlMilliseconds: Self.lockTTLMilliseconds,
                waitMilliseconds: 0,
                lease: nil
            )
        case .release(let lock, let owner):
            command = .release(kind: .lock, name: Self.lockName(lock), owner: Self.owner(owner))
        case .leaseGrant(let ttl):
            command = .leaseGrant(ttlMilliseconds: ttl)
        case .leaseKeepAlive(let id):
            command = .leaseKeepAlive(id: id)
        case .waitAcquire(let lock, let owner, let ttl, let wait, let lease):
            command = .acquire(
                kind: .lock,
                name: Self.waitLockName(lock),
                owner: Self.owner(owner),
                ttlMilliseconds: ttl,
                waitMilliseconds: wait,
                lease: lease
            )
        case .waitRelease(let lock, let owner):
            command = .release(kind: .lock, name: Self.waitLockName(lock), owner: Self.owner(owner))
        case .fencedPut(let lock, let token, let value):
            command = .fenced(
                lock: Self.lockName(lock),
                token: token,
                command: .set(
                    key: Self.resourceKey(lock),
                    value: bytes(of: value),
                    condition: .always,
                    expiry: .none,
                    returnPrevious: false
                )
            )
        }
        return command
    }

    /// What the state machine's result means for a command this simulation proposed.
    static func outcome(of command: KeyValueCommand, _ result: KeyValueResult) -> Outcome {
        switch (command, result) {
        case (.set, .ok): return .stored
        case (.compareAndSet, .integer(let changed)): return .compareAndSet(succeeded: changed == 1)
        case (.delete, .integer(let removed)): return .deleted(existed: removed == 1)
        case (.acquire, .integer(let token)): return .acquired(token: UInt64(token))
        case (.acquire, .null): return .acquired(token: nil)
        case (.release, .integer(let released)): return .released(released == 1)
        case (.leaseGrant, .integer(let id)): return .leaseGranted(id: UInt64(id))
        case (.leaseKeepAlive, .integer): return .keptAlive(true)
        case (.leaseKeepAlive, .error): return .keptAlive(false)
        case (.acquire, .error): return .acquired(token: nil)  // Its lease had ended.
        case (.fenced, .ok): return .fenced(stored: true)
        case (.fenced, .error(let error)) where error.kind == .fenced: return .fenced(stored: false)
        default: preconditionFailure("unexpected result \(result) of \(command)")
        }
    }
}
