/// A client operation as it travels through the log: who asked, and what.
struct SimulatedCommand: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        case put(key: UInt8, value: UInt64)
        case compareAndSet(key: UInt8, expected: UInt64?, new: UInt64)
        case delete(key: UInt8)
    }

    /// The client's request id, unique in a run.
    let requestID: UInt64
    let operation: Operation

    /// The log payload: tag, key, request id and values, little-endian.
    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(28)
        func append(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        switch operation {
        case .put(let key, let value):
            bytes += [1, key]
            append(requestID)
            append(value)
        case .compareAndSet(let key, let expected, let new):
            bytes += [expected == nil ? 3 : 2, key]
            append(requestID)
            append(expected ?? 0)
            append(new)
        case .delete(let key):
            bytes += [4, key]
            append(requestID)
        }
        return bytes
    }

    init(requestID: UInt64, operation: Operation) {
        self.requestID = requestID
        self.operation = operation
    }

    /// Decodes a payload written by `encoded`; a malformed one is a simulator bug.
    init(decoding bytes: [UInt8]) {
        precondition(bytes.count >= 10, "short command payload")
        func read(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
            return value
        }
        let key = bytes[1]
        requestID = read(2)
        switch bytes[0] {
        case 1: operation = .put(key: key, value: read(10))
        case 2: operation = .compareAndSet(key: key, expected: read(10), new: read(18))
        case 3: operation = .compareAndSet(key: key, expected: nil, new: read(18))
        case 4: operation = .delete(key: key)
        default: preconditionFailure("unknown command tag \(bytes[0])")
        }
    }
}

/// The simulated clients' key-value store: the state machine every node applies.
struct SimulatedKeyValueStore: Hashable, Sendable {
    private(set) var values: [UInt8: UInt64] = [:]
    /// The last applied log index; entries are applied in order, once.
    private(set) var appliedIndex: UInt64 = 0

    /// What applying a command answered.
    enum Result: Hashable, Sendable {
        case stored
        case compareAndSet(succeeded: Bool)
        case deleted(existed: Bool)
    }

    mutating func apply(_ command: SimulatedCommand, at index: UInt64) -> Result {
        precondition(index == appliedIndex + 1, "applied \(index) after \(appliedIndex)")
        appliedIndex = index
        switch command.operation {
        case .put(let key, let value):
            values[key] = value
            return .stored
        case .compareAndSet(let key, let expected, let new):
            guard values[key] == expected else { return .compareAndSet(succeeded: false) }
            values[key] = new
            return .compareAndSet(succeeded: true)
        case .delete(let key):
            return .deleted(existed: values.removeValue(forKey: key) != nil)
        }
    }

    /// Entries that carry no command (no-ops, membership changes) still advance the index.
    mutating func skip(index: UInt64) {
        precondition(index == appliedIndex + 1, "skipped \(index) after \(appliedIndex)")
        appliedIndex = index
    }

    func value(of key: UInt8) -> UInt64? { values[key] }

    /// The snapshot format: applied index, then (key, value) pairs in key order.
    var snapshotBytes: [UInt8] {
        var bytes: [UInt8] = []
        func append(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(appliedIndex)
        for key in values.keys.sorted() {
            bytes.append(key)
            append(values[key]!)
        }
        return bytes
    }

    init() {}

    init(snapshotBytes bytes: [UInt8]) {
        func read(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
            return value
        }
        guard bytes.count >= 8 else { return }
        appliedIndex = read(0)
        var offset = 8
        while offset + 9 <= bytes.count {
            values[bytes[offset]] = read(offset + 1)
            offset += 9
        }
    }
}
