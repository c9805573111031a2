/// How the search of one partition ended.
enum PartitionOutcome: Hashable, Sendable {
    case linearizable
    /// No order works; the longest legal prefix found, as partition-local operation indices in order.
    case notLinearizable(longestPrefix: [Int])
    /// The step budget ran out before the search decided.
    case budgetExhausted
}

/// Wing and Gong's linearizability search over one partition, with Lowe's memoization, as Porcupine implements it.
///
/// The search walks the event list from the head. At a call event it tries to linearize that operation next: if the
/// model accepts its output from the current state, and the resulting (linearized set, state) pair is new, it lifts
/// the operation out of the list, pushes (call node, previous state) and restarts from the head. A pair seen before
/// is skipped, because what remains to search depends only on the pair, and that search is already under way or has
/// failed. At a return event, the operation returning there had to be linearized before this point and was not, so
/// the search backtracks: it pops the latest linearized operation, restores the state and the list, and tries the
/// next candidate after it. A return event with nothing to pop means that no order works.
///
/// Indeterminate operations (unknown output) have no return event, so they never force a backtrack and stay
/// candidates at every step; the model accepts them with any output. The search succeeds as soon as every operation
/// with a known output is linearized: the indeterminate ones left over are taken never to have happened, one of their
/// possible fates. No linearization is missed this way: in any valid order that keeps a subset of the indeterminate
/// operations, the next operation is always a candidate (its call precedes every pending known return event, or real
/// time would forbid the order), so the walk can follow that order step by step.
struct PartitionSearch<Model: LinearizabilityModel> {
    private struct Frame {
        let callNode: Int
        let operation: Int
        let previousState: Model.State
    }

    private struct CacheEntry: Hashable {
        let linearized: Bitset
        let state: Model.State
    }

    private let model: Model
    private let operations: [HistoryOperation<Model.Input, Model.Output>]
    private var list: EntryList
    private var state: Model.State
    /// Invariant: exactly the operations in `stack`.
    private var linearized: Bitset
    private var stack: [Frame] = []
    /// Every (linearized set, state) pair pushed so far; grows by at most one entry per step.
    private var cache: Set<CacheEntry> = []
    /// Invariant: the operations with a known output that are not in `linearized`.
    private var knownRemainingCount: Int
    private var longestPrefix: [Int] = []

    init(model: Model, operations: [HistoryOperation<Model.Input, Model.Output>]) {
        self.model = model
        self.operations = operations
        // An indeterminate operation returns at +infinity whatever its recorded return time: see HistoryOperation.
        list = EntryList(
            callTimes: operations.map(\.callTime),
            returnTimes: operations.map { $0.isIndeterminate ? nil : $0.returnTime }
        )
        state = model.initialState
        linearized = Bitset(capacity: operations.count)
        knownRemainingCount = operations.count(where: { !$0.isIndeterminate })
    }

    /// Searches for at most `stepBudget` steps, a step being one event visited (a linearization tried or a backtrack).
    mutating func run(stepBudget: Int) -> PartitionOutcome {
        precondition(stepBudget > 0, "step budget must be positive, not \(stepBudget)")
        guard knownRemainingCount > 0 else { return .linearizable }
        var node = nextCandidate(after: EntryList.headNode)
        for _ in 0..<stepBudget {
            switch list.entries[node] {
            case .head:
                preconditionFailure("the search walked onto the head sentinel")
            case .call(let operation, _):
                if linearize(operation, at: node) {
                    if knownRemainingCount == 0 { return .linearizable }
                    node = nextCandidate(after: EntryList.headNode)
                } else {
                    node = nextCandidate(after: node)
                }
            case .returned:
                guard let frame = stack.popLast() else { return .notLinearizable(longestPrefix: longestPrefix) }
                undo(frame)
                node = nextCandidate(after: frame.callNode)
            }
        }
        return .budgetExhausted
    }

    /// Tries `operation` as the next in the order; on success it is lifted and pushed.
    private mutating func linearize(_ operation: Int, at node: Int) -> Bool {
        let candidate = operations[operation]
        guard let newState = model.step(state, candidate.input, candidate.output) else { return false }
        var newLinearized = linearized
        newLinearized.insert(operation)
        guard cache.insert(CacheEntry(linearized: newLinearized, state: newState)).inserted else { return false }
        stack.append(Frame(callNode: node, operation: operation, previousState: state))
        state = newState
        linearized = newLinearized
        list.lift(callNode: node)
        if !candidate.isIndeterminate { knownRemainingCount -= 1 }
        if stack.count > longestPrefix.count { longestPrefix = stack.map(\.operation) }
        return true
    }

    private mutating func undo(_ frame: Frame) {
        list.unlift(callNode: frame.callNode)
        linearized.remove(frame.operation)
        state = frame.previousState
        if !operations[frame.operation].isIndeterminate { knownRemainingCount += 1 }
    }

    /// While an operation with a known output is unlinearized, its return event is in the list after every
    /// candidate (the search only lifts calls that precede the first return), so the walk never runs off the end.
    private func nextCandidate(after node: Int) -> Int {
        guard let next = list.next(after: node) else { preconditionFailure("the search walked past the last return") }
        return next
    }
}
