/// Checks that a history of client operations is linearizable with respect to a model.
///
/// This is Porcupine's checker: the history is split into partitions by `Model.partitionKey(of:)` (P-compositionality),
/// and each partition is searched separately with Wing and Gong's algorithm and Lowe's memoization (see
/// `PartitionSearch`). Linearizability checking is NP-complete, so each partition gets a deterministic budget of
/// search steps instead of a clock; a partition that exhausts it is reported as unknown rather than hanging. Memory
/// is bounded by the budget too: the memo grows by at most one entry per step.
///
/// Real-time order is strict: an operation must precede another only if it returned strictly before the other was
/// called; operations whose intervals touch at one instant are treated as concurrent. Indeterminate operations
/// (`output == nil`) may take effect at any time after their call, or never.
public func checkLinearizability<Model: LinearizabilityModel>(
    model: Model,
    history: [HistoryOperation<Model.Input, Model.Output>],
    stepBudgetPerPartition: Int
) -> LinearizabilityResult {
    precondition(stepBudgetPerPartition > 0, "step budget must be positive, not \(stepBudgetPerPartition)")
    var keysInOrder: [Model.PartitionKey] = []
    var indicesByKey: [Model.PartitionKey: [Int]] = [:]
    for (index, operation) in history.enumerated() {
        let key = model.partitionKey(of: operation.input)
        if indicesByKey[key] == nil { keysInOrder.append(key) }
        indicesByKey[key, default: []].append(index)
    }
    var unknownPartitions: [String] = []
    for key in keysInOrder {
        guard let indices = indicesByKey[key] else { preconditionFailure("partition \(key) lost its operations") }
        var search = PartitionSearch(model: model, operations: indices.map { history[$0] })
        switch search.run(stepBudget: stepBudgetPerPartition) {
        case .linearizable:
            continue
        case .notLinearizable(let longestPrefix):
            let violation = LinearizabilityViolation(
                partition: String(describing: key),
                operationIndices: indices,
                longestLinearizablePrefix: longestPrefix.map { indices[$0] }
            )
            return .notLinearizable(violation)
        case .budgetExhausted:
            unknownPartitions.append(String(describing: key))
        }
    }
    return unknownPartitions.isEmpty ? .linearizable : .unknown(partitions: unknownPartitions)
}
