/// A sequential specification that the linearizability checker replays operations against, one partition at a time.
///
/// The checker relies on P-compositionality (Horn and Kroening, 2015): when operations on different partitions never
/// interact, as on distinct keys of a key-value store, a history is linearizable if and only if each partition's
/// sub-history is. So a model names each input's partition, and its state is the state of one partition only, which
/// keeps both the search and its memo small.
public protocol LinearizabilityModel: Sendable {
    /// The state of one partition; hashed into the search's memo, so two equal states must behave the same.
    associatedtype State: Hashable & Sendable
    /// What a client asked.
    associatedtype Input: Sendable
    /// What a client was told.
    associatedtype Output: Sendable
    /// Identifies a partition; operations in different partitions must be independent of each other.
    associatedtype PartitionKey: Hashable & Sendable

    /// The state of every partition before its first operation.
    var initialState: State { get }

    /// The partition that an operation with this input reads or writes.
    func partitionKey(of input: Input) -> PartitionKey

    /// The state after `input`, if applying it to `state` can answer `output`; nil if that output is impossible.
    ///
    /// `output == nil` means the client never learnt the outcome: return the state the operation leads to, whatever
    /// it would have answered. The model must be deterministic: one input from one state leads to one state.
    func step(_ state: State, _ input: Input, _ output: Output?) -> State?
}
