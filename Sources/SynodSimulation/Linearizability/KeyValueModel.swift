/// The linearizability model of the simulator's key-value store: an independent register per key.
///
/// Each key is its own partition, so a history is checked key by key and the search's state is one optional value.
public struct KeyValueModel: LinearizabilityModel {
    /// A client request.
    public enum Input: Hashable, Sendable {
        case get(key: UInt8)
        case put(key: UInt8, value: UInt64)
        /// Sets `new` if the current value is `expected`; an `expected` of nil means "the key is absent".
        case compareAndSet(key: UInt8, expected: UInt64?, new: UInt64)
        case delete(key: UInt8)
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
    }

    /// One key's register. A struct rather than a bare `UInt64?`, so that `step`'s "illegal" (nil) is never
    /// confused with "absent".
    public struct State: Hashable, Sendable {
        /// The key's value, or nil if the key is absent.
        public var value: UInt64?

        /// A register holding `value`.
        public init(value: UInt64?) {
            self.value = value
        }
    }

    /// The model; it has no configuration.
    public init() {}

    /// Every key starts absent.
    public var initialState: State { State(value: nil) }

    /// Keys are independent, so each is a partition.
    public func partitionKey(of input: Input) -> UInt8 {
        switch input {
        case .get(let key), .put(let key, _), .compareAndSet(let key, _, _), .delete(let key):
            return key
        }
    }

    /// Applies `input`; a known `output` must be the one the register gives. An output of the wrong kind for the
    /// input (a `put` answered with a value) is a bug in whoever recorded the history.
    public func step(_ state: State, _ input: Input, _ output: Output?) -> State? {
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
        }
    }

    private static func sameKind(_ left: Output, _ right: Output) -> Bool {
        switch (left, right) {
        case (.value, .value), (.stored, .stored), (.compareAndSet, .compareAndSet), (.deleted, .deleted):
            return true
        case (.value, _), (.stored, _), (.compareAndSet, _), (.deleted, _):
            return false
        }
    }
}
