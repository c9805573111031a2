/// The client history, checked for linearizability once the run is over.
extension Simulator {
    /// Search steps the checker may spend on one key before it answers "unknown".
    static let linearizabilityStepBudgetPerKey = 2_000_000

    mutating func checkLinearizability() -> SimulationOutcome {
        let operations = checkedHistory()
        let result = SynodSimulation.checkLinearizability(
            model: KeyValueModel(),
            history: operations,
            stepBudgetPerPartition: Self.linearizabilityStepBudgetPerKey
        )
        switch result {
        case .linearizable:
            return .passed
        case .unknown(let partitions):
            statistics.linearizabilityUnknownKeys = partitions.count
            record("linearizability unknown for keys \(partitions) (step budget)")
            return .passed
        case .notLinearizable(let violation):
            return .failed(
                SimulationFailure(
                    kind: .safety,
                    check: "linearizability",
                    detail: "key \(violation.partition):\n\(violation.report(history: operations))"
                )
            )
        }
    }

    /// The operations that may have had an effect: refused ones are left out, and so are
    /// reads that never returned; writes that timed out have an unknown outcome.
    func checkedHistory() -> [HistoryOperation<KeyValueModel.Input, KeyValueModel.Output>] {
        var operations: [HistoryOperation<KeyValueModel.Input, KeyValueModel.Output>] = []
        for entry in history {
            let input: KeyValueModel.Input
            switch entry.operation {
            case .get(let key): input = .get(key: key)
            case .write(.put(let key, let value)): input = .put(key: key, value: value)
            case .write(.compareAndSet(let key, let expected, let new)):
                input = .compareAndSet(key: key, expected: expected, new: new)
            case .write(.delete(let key)): input = .delete(key: key)
            case .readResource(let lock): input = .readResource(lock: lock)
            case .write(.acquire(let lock, let owner)): input = .acquire(lock: lock, owner: owner)
            case .write(.release(let lock, let owner)): input = .release(lock: lock, owner: owner)
            case .write(.fencedPut(let lock, let token, let value)):
                input = .fencedPut(lock: lock, token: token, value: value)
            case .write(.leaseGrant), .write(.leaseKeepAlive), .write(.waitAcquire), .write(.waitRelease):
                continue  // Time-dependent: LockWaitChecker checks them as they are applied.
            case .command, .transaction:
                continue  // Checked against the committed log (Simulator+Witness).
            }
            let output: KeyValueModel.Output?
            switch entry.reply {
            case .redirect?: continue
            case nil:
                if entry.operation.readKey != nil { continue }
                output = nil
            case .value(let value)?: output = .value(value)
            case .applied(.stored)?: output = .stored
            case .applied(.compareAndSet(let succeeded))?: output = .compareAndSet(succeeded: succeeded)
            case .applied(.deleted(let existed))?: output = .deleted(existed: existed)
            case .applied(.acquired(let token))?: output = .acquired(token: token)
            case .applied(.released(let released))?: output = .released(released)
            case .applied(.fenced(let stored))?: output = .fenced(stored: stored)
            case .applied(.leaseGranted)?, .applied(.keptAlive)?, .result?:
                preconditionFailure("lease operations and commands are not in the checked history")
            }
            operations.append(
                HistoryOperation(
                    clientID: entry.clientID,
                    input: input,
                    output: output,
                    callTime: entry.callMicroseconds,
                    returnTime: output == nil ? nil : entry.returnMicroseconds
                )
            )
        }
        return operations
    }
}
