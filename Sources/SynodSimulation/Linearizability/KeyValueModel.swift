/// The linearizability model of the simulator's key-value store: an independent register per key,
/// and per lock its holder, its newest fencing token and the resource its fenced writes protect.
///
/// Each key and each lock is its own partition, so a history is checked one at a time and the
/// search's state stays small. Simulated locks never expire and are never waited for, so their
/// outcomes do not depend on time.
public struct KeyValueModel: LinearizabilityModel {
    /// A client request.
    public enum Input: Hashable, Sendable {
        case get(key: UInt8)
        case put(key: UInt8, value: UInt64)
        /// Sets `new` if the current value is `expected`; an `expected` of nil means "the key is absent".
        case compareAndSet(key: UInt8, expected: UInt64?, new: UInt64)
        case delete(key: UInt8)
        case acquire(lock: UInt8, owner: Int)
        case release(lock: UInt8, owner: Int)
        case fencedPut(lock: UInt8, token: UInt64, value: UInt64)
        case readResource(lock: UInt8)
    }

    /// A partition: one key, or one lock with its resource.
    public enum Partition: Hashable, Sendable, CustomStringConvertible {
        case key(UInt8)
        case lock(UInt8)

        public var description: String {
            switch self {
            case .key(let key): "\(key)"
            case .lock(let lock): "lock \(lock)"
            }
        }
    }

    /// A server answer; each input has its own case.
    public enum Output: Hashable, Sendable {
        /// Answers `get`: the value, or nil if the key is absent.
        case value(UInt64?)
        /// Answers `put`.
        case stored
        /// Answers `compareAndSet`.
        case compareAndSet(succeeded: Bool)
        /// Answers `delete`: whether the key was present.
        case deleted(existed: Bool)
        /// Answers `acquire`: the fencing token, or nil if another client held the lock.
        case acquired(token: UInt64?)
        case released(Bool)
        case fenced(stored: Bool)
    }

    /// One key's register. A struct rather than a bare `UInt64?`, so that `step`'s "illegal" (nil) is never
    /// confused with "absent".
    public struct State: Hashable, Sendable {
        /// The key's value (the lock's resource), or nil if the key is absent.
        public var value: UInt64?
        /// The client holding the lock.
        public var holder: Int?
        /// The newest fencing token granted, or a lower bound of it when `tokenKnown` is false
        /// (a grant whose reply was lost).
        public var newestToken: UInt64 = 0
        public var tokenKnown = true

        /// A register holding `value`, or a lock never granted.
        public init(value: UInt64?) {
            self.value = value
        }
    }

    /// The model; it has no configuration.
    public init() {}

    /// Every key starts absent.
    public var initialState: State { State(value: nil) }

    /// Keys are independent, so each is a partition.
    public func partitionKey(of input: Input) -> Partition {
        switch input {
        case .get(let key), .put(let key, _), .compareAndSet(let key, _, _), .delete(let key):
            return .key(key)
        case .acquire(let lock, _), .release(let lock, _), .fencedPut(let lock, _, _), .readResource(let lock):
            return .lock(lock)
        }
    }

    /// Applies `input`; a known `output` must be the one the register gives. An output of the wrong kind for the
    /// input (a `put` answered with a value) is a bug in whoever recorded the history.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> State? {
        switch input {
        case .acquire(_, let owner): return acquire(state, owner, output)
        case .fencedPut(_, let token, let value): return fencedPut(state, token, value, output)
        default: break
        }
        let (expectedOutput, newState) = apply(input, to: state)
        guard let output else { return newState }
        precondition(Self.sameKind(output, expectedOutput), "\(input) answered with \(output)")
        return output == expectedOutput ? newState : nil
    }

    private func apply(_ input: Input, to state: State) -> (Output, State) {
        switch input {
        case .get:
            return (.value(state.value), state)
        case .put(_, let value):
            return (.stored, State(value: value))
        case .compareAndSet(_, let expected, let new):
            guard state.value == expected else { return (.compareAndSet(succeeded: false), state) }
            return (.compareAndSet(succeeded: true), State(value: new))
        case .delete:
            return (.deleted(existed: state.value != nil), State(value: nil))
        case .readResource:
            return (.value(state.value), state)
        case .release(_, let owner):
            guard state.holder == owner else { return (.released(false), state) }
            var released = state
            released.holder = nil
            return (.released(true), released)
        case .acquire, .fencedPut:
            preconditionFailure("\(input) is stepped on its own")
        }
    }

    /// A free lock is granted with a token above every earlier one; the holder asking again
    /// gets its token back; anyone else is refused.
    private func acquire(_ state: State, _ owner: Int, _ output: Output?) -> State? {
        guard let output else {
            guard state.holder == nil else { return state }
            var granted = state
            granted.holder = owner
            granted.tokenKnown = false  // Granted with a token no one learnt.
            return granted
        }
        guard case .acquired(let token) = output else { preconditionFailure("acquire answered with \(output)") }
        switch (state.holder, token) {
        case (nil, let token?) where token > state.newestToken,
            (owner?, let token?) where state.tokenKnown ? token == state.newestToken : token > state.newestToken:
            var granted = state
            granted.holder = owner
            granted.newestToken = token
            granted.tokenKnown = true
            return granted
        case (let holder?, nil) where holder != owner:
            return state
        default:
            return nil
        }
    }

    /// The resource takes a write fenced by the newest token only.
    private func fencedPut(_ state: State, _ token: UInt64, _ value: UInt64, _ output: Output?) -> State? {
        var stored = state
        stored.value = value
        guard state.tokenKnown else {
            // The newest token is one no client learnt: this write may go either way.
            guard let output else { return stored }
            return output == .fenced(stored: true) ? stored : state
        }
        let accepted = token == state.newestToken && state.newestToken > 0
        guard let output else { return accepted ? stored : state }
        guard case .fenced(let wasStored) = output else { preconditionFailure("a fenced put answered with \(output)") }
        guard wasStored == accepted else { return nil }
        return accepted ? stored : state
    }

    private static func sameKind(_ left: Output, _ right: Output) -> Bool {
        switch (left, right) {
        case (.value, .value), (.stored, .stored), (.compareAndSet, .compareAndSet), (.deleted, .deleted),
            (.acquired, .acquired), (.released, .released), (.fenced, .fenced):
            return true
        case (.value, _), (.stored, _), (.compareAndSet, _), (.deleted, _), (.acquired, _), (.released, _),
            (.fenced, _):
            return false
        }
    }
}
