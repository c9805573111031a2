import SynodCore
import SynodSimulation
import Testing

/// The step budget, and the checker's speed on long histories.
extension LinearizabilityTests {
    /// Concurrent puts of distinct values, then a read of a value nobody wrote: every subset of the puts, with each
    /// possible last value, is a distinct memo entry, so the search is exponential in `putCount`.
    static func pathologicalHistory(key: UInt8, putCount: Int) -> [Operation] {
        var history = (0..<putCount).map { Self.put($0, key: key, UInt64($0), 0...100) }
        history.append(Self.get(putCount, key: key, 999_999, 200...201))
        return history
    }

    @Test func exhaustedBudgetGivesUnknownForThatPartitionOnly() {
        let history = Self.pathologicalHistory(key: 0, putCount: 60) + [Self.put(1, key: 1, 5, 0...1)]
        let result = checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: 10_000)
        #expect(result == .unknown(partitions: ["0"]))
    }

    @Test func smallPathologicalHistoryIsDecidedWithinALargerBudget() {
        let history = Self.pathologicalHistory(key: 0, putCount: 8)
        let result = checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: 1_000_000)
        guard case .notLinearizable(let violation) = result else {
            Issue.record("expected a violation, got \(result)")
            return
        }
        #expect(violation.longestLinearizablePrefix.count == 8)
        #expect(!violation.longestLinearizablePrefix.contains(8))
    }

    @Test func violationElsewhereOutranksAnExhaustedBudget() {
        let history = Self.pathologicalHistory(key: 0, putCount: 60) + [Self.get(1, key: 1, 5, 0...1)]
        let result = checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: 10_000)
        guard case .notLinearizable(let violation) = result else {
            Issue.record("expected a violation, got \(result)")
            return
        }
        #expect(violation.partition == "1")
    }

    @Test(arguments: [0.0, 0.05])
    func performanceOnALongLinearizableHistory(indeterminateProbability: Double) {
        var generator = SeededGenerator(seed: 5_000)
        let history = RegisterHistory.make(
            operationCount: 5_000,
            clientCount: 5,
            keyCount: 5,
            indeterminateProbability: indeterminateProbability,
            using: &generator
        )
        var result = LinearizabilityResult.unknown(partitions: [])
        let elapsed = ContinuousClock().measure {
            result = checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: 10_000_000)
        }
        if case .notLinearizable(let violation) = result { Issue.record("\(violation.report(history: history))") }
        #expect(result == .linearizable)
        let indeterminateCount = history.count(where: \.isIndeterminate)
        print(
            "linearizability performance: \(history.count) operations (\(indeterminateCount) indeterminate),"
                + " 5 keys, 5 clients: \(result) in \(elapsed)"
        )
    }
}

/// A long linearizable history: clients with overlapping intervals on a sequentially consistent register store,
/// each operation taking effect at a random point inside its interval.
private enum RegisterHistory {
    static let thinkTimeMax: UInt64 = 5
    static let latencyMax: UInt64 = 30

    static func make(
        operationCount: Int,
        clientCount: Int,
        keyCount: Int,
        indeterminateProbability: Double,
        using generator: inout SeededGenerator
    ) -> [LinearizabilityTests.Operation] {
        var clientTimes = [UInt64](repeating: 0, count: clientCount)
        var pending: [(point: UInt64, operation: LinearizabilityTests.Operation)] = []
        for index in 0..<operationCount {
            let client = index % clientCount
            let call = clientTimes[client] + generator.next(below: thinkTimeMax + 1)
            let returned = call + 1 + generator.next(below: latencyMax)
            clientTimes[client] = returned
            let key = UInt8(generator.nextIndex(below: keyCount))
            let input = randomInput(key: key, using: &generator)
            let placeholder = LinearizabilityTests.Operation(
                clientID: client,
                input: input,
                output: .stored,
                callTime: call,
                returnTime: returned
            )
            // Points in half time units; distinct for operations ordered by real time.
            pending.append((call * 2 + generator.next(below: (returned - call) * 2 + 1), placeholder))
        }
        pending.sort { $0.point < $1.point }
        var store: [UInt8: UInt64] = [:]
        return pending.map { entry in
            let operation = entry.operation
            let indeterminate = generator.nextBool(probability: indeterminateProbability)
            let tookEffect = !indeterminate || generator.nextBool(probability: 0.5)
            var scratch = store
            let output = apply(operation.input, to: &scratch)
            if tookEffect { store = scratch }
            return LinearizabilityTests.Operation(
                clientID: operation.clientID,
                input: operation.input,
                output: indeterminate ? nil : output,
                callTime: operation.callTime,
                returnTime: indeterminate ? nil : operation.returnTime
            )
        }
    }

    static func randomInput(key: UInt8, using generator: inout SeededGenerator) -> KeyValueModel.Input {
        let value = generator.next(below: 1_000)
        switch generator.nextIndex(below: 10) {
        case 0..<5: return .get(key: key)
        case 5..<8: return .put(key: key, value: value)
        case 8:
            return .compareAndSet(key: key, expected: generator.nextBool(probability: 0.5) ? nil : value, new: value)
        default: return .delete(key: key)
        }
    }

    static func apply(_ input: KeyValueModel.Input, to store: inout [UInt8: UInt64]) -> KeyValueModel.Output {
        switch input {
        case .get(let key):
            return .value(store[key])
        case .put(let key, let value):
            store[key] = value
            return .stored
        case .compareAndSet(let key, let expected, let new):
            guard store[key] == expected else { return .compareAndSet(succeeded: false) }
            store[key] = new
            return .compareAndSet(succeeded: true)
        case .delete(let key):
            return .deleted(existed: store.removeValue(forKey: key) != nil)
        case .acquire, .release, .fencedPut, .readResource:
            preconditionFailure("lock operations are not generated here")
        }
    }
}
