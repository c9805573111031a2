import SynodKeyValue

/// A client operation as the simulated clients issue it, and how it maps onto the real
/// key-value state machine: a one-byte key, and values that are decimal strings.
struct SimulatedCommand: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        case put(key: UInt8, value: UInt64)
        case compareAndSet(key: UInt8, expected: UInt64?, new: UInt64)
        case delete(key: UInt8)
    }

    /// What a write answered, as the history and the linearizability model see it.
    enum Outcome: Hashable, Sendable {
        case stored
        case compareAndSet(succeeded: Bool)
        case deleted(existed: Bool)
    }

    /// The client's request id, unique in a run.
    let requestID: UInt64
    let operation: Operation

    init(requestID: UInt64, operation: Operation) {
        self.requestID = requestID
        self.operation = operation
    }

    static func key(_ key: UInt8) -> [UInt8] { [key] }
    static func value(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }

    /// A stored value read back; the simulation only ever stores decimal numbers.
    static func number(_ bytes: [UInt8]?) -> UInt64? {
        guard let bytes else { return nil }
        guard let number = UInt64(String(decoding: bytes, as: UTF8.self)) else {
            preconditionFailure("the simulation stored a value that is not a number: \(bytes)")
        }
        return number
    }

    /// The log entry a leader proposes for this operation at its clock's `timeMilliseconds`.
    func entry(timeMilliseconds: Int64) -> KeyValueEntry {
        let command: KeyValueCommand
        switch operation {
        case .put(let key, let value):
            command = .set(
                key: Self.key(key),
                value: Self.value(value),
                condition: .always,
                expiry: .none,
                returnPrevious: false
            )
        case .compareAndSet(let key, let expected, let new):
            command = .compareAndSet(
                key: Self.key(key),
                expected: expected.map(Self.value),
                new: Self.value(new),
                expiry: .none
            )
        case .delete(let key):
            command = .delete(keys: [Self.key(key)])
        }
        return KeyValueEntry(requestID: requestID, timeMilliseconds: timeMilliseconds, command: command)
    }

    /// What the state machine's result means for a command this simulation proposed.
    static func outcome(of command: KeyValueCommand, _ result: KeyValueResult) -> Outcome {
        switch (command, result) {
        case (.set, .ok): return .stored
        case (.compareAndSet, .integer(let changed)): return .compareAndSet(succeeded: changed == 1)
        case (.delete, .integer(let removed)): return .deleted(existed: removed == 1)
        default: preconditionFailure("unexpected result \(result) of \(command)")
        }
    }
}
