import SynodCore
import SynodSimulation
import Testing

/// The checker against an exhaustive search on thousands of small random histories.
///
/// The exhaustive checker shares nothing with the real one: no partitioning (one state for all keys), no memo, no
/// event list, its own register semantics. It tries every order of the operations consistent with real time, with
/// each indeterminate operation either placed somewhere after its call or left out.
extension LinearizabilityTests {
    static let bruteForceHistoryCount = 5_000

    @Test func checkerAgreesWithExhaustiveSearchOnRandomHistories() {
        var generator = SeededGenerator(seed: 0x5EED_11CE)
        var agreements = 0
        var linearizableCount = 0
        for historyNumber in 0..<Self.bruteForceHistoryCount {
            let history = RandomHistory.make(using: &generator)
            let expected = ExhaustiveChecker.isLinearizable(history)
            let result = Self.check(history)
            let agrees: Bool
            switch result {
            case .linearizable: agrees = expected
            case .notLinearizable: agrees = !expected
            case .unknown: agrees = false
            }
            #expect(
                agrees,
                "history \(historyNumber): exhaustive says \(expected), checker says \(result)\n\(Self.render(history))"
            )
            if agrees { agreements += 1 }
            if expected { linearizableCount += 1 }
        }
        print(
            "linearizability brute force: \(agreements)/\(Self.bruteForceHistoryCount) agree,"
                + " \(linearizableCount) linearizable"
        )
        // Both verdicts must be well represented, or the comparison proves little.
        #expect(linearizableCount > Self.bruteForceHistoryCount / 5)
        #expect(linearizableCount < Self.bruteForceHistoryCount * 4 / 5)
    }

    static func render(_ history: [Operation]) -> String {
        history.enumerated().map { "  #\($0.offset) \($0.element)" }.joined(separator: "\n")
    }
}

/// Small random histories: a few clients, two keys, up to eight operations, outputs from a true linearization and
/// then sometimes corrupted, some operations indeterminate.
private enum RandomHistory {
    static let clientCountRange = 3...4
    static let operationCountMax = 8
    static let keys: [UInt8] = [0, 1]
    static let values: [UInt64] = [1, 2, 3]
    static let indeterminateProbability = 0.15
    static let corruptionProbability = 0.25

    static func make(using generator: inout SeededGenerator) -> [LinearizabilityTests.Operation] {
        let clientCount = clientCountRange.lowerBound + generator.nextIndex(below: clientCountRange.count)
        let operationCount = 1 + generator.nextIndex(below: operationCountMax)
        var clientTimes = (0..<clientCount).map { _ in generator.next(below: 4) }
        var inputs: [KeyValueModel.Input] = []
        var intervals: [(call: UInt64, return: UInt64)] = []
        var clients: [Int] = []
        for _ in 0..<operationCount {
            let client = generator.nextIndex(below: clientCount)
            let call = clientTimes[client] + generator.next(below: 4)
            let returned = call + generator.next(below: 7)
            clientTimes[client] = returned + generator.next(below: 2)
            clients.append(client)
            intervals.append((call, returned))
            inputs.append(randomInput(using: &generator))
        }
        let indeterminate = (0..<operationCount).map { _ in generator.nextBool(probability: indeterminateProbability) }
        let outputs = trueOutputs(inputs: inputs, intervals: intervals, indeterminate: indeterminate, using: &generator)
        return (0..<operationCount).map { index in
            if indeterminate[index] {
                let gaveUp = generator.nextBool(probability: 0.5)
                return LinearizabilityTests.Operation(
                    clientID: clients[index],
                    input: inputs[index],
                    output: nil,
                    callTime: intervals[index].call,
                    returnTime: gaveUp ? intervals[index].return : nil
                )
            }
            let corrupt = generator.nextBool(probability: corruptionProbability)
            return LinearizabilityTests.Operation(
                clientID: clients[index],
                input: inputs[index],
                output: corrupt ? randomOutput(for: inputs[index], using: &generator) : outputs[index],
                callTime: intervals[index].call,
                returnTime: intervals[index].return
            )
        }
    }

    static func randomInput(using generator: inout SeededGenerator) -> KeyValueModel.Input {
        let key = keys[generator.nextIndex(below: keys.count)]
        let value = values[generator.nextIndex(below: values.count)]
        switch generator.nextIndex(below: 4) {
        case 0: return .get(key: key)
        case 1: return .put(key: key, value: value)
        case 2: return .compareAndSet(key: key, expected: randomOptionalValue(using: &generator), new: value)
        default: return .delete(key: key)
        }
    }

    static func randomOptionalValue(using generator: inout SeededGenerator) -> UInt64? {
        let index = generator.nextIndex(below: values.count + 1)
        return index == values.count ? nil : values[index]
    }

    static func randomOutput(
        for input: KeyValueModel.Input,
        using generator: inout SeededGenerator
    ) -> KeyValueModel.Output {
        switch input {
        case .get: return .value(randomOptionalValue(using: &generator))
        case .put: return .stored
        case .compareAndSet: return .compareAndSet(succeeded: generator.nextBool(probability: 0.5))
        case .delete: return .deleted(existed: generator.nextBool(probability: 0.5))
        case .acquire, .release, .fencedPut, .readResource:
            preconditionFailure("lock operations are not generated here")
        }
    }

    /// Outputs from applying the operations at random points inside their intervals (in half time units, so a
    /// point can fall between two instants); an indeterminate operation takes effect after its call or never.
    static func trueOutputs(
        inputs: [KeyValueModel.Input],
        intervals: [(call: UInt64, return: UInt64)],
        indeterminate: [Bool],
        using generator: inout SeededGenerator
    ) -> [KeyValueModel.Output?] {
        var points: [(point: UInt64, tieBreak: UInt64, index: Int)] = []
        for index in inputs.indices {
            let call = intervals[index].call * 2
            let span = indeterminate[index] ? 20 : (intervals[index].return * 2 - call)
            if indeterminate[index] && generator.nextBool(probability: 0.5) { continue }
            points.append((call + generator.next(below: span + 1), generator.next(), index))
        }
        points.sort { ($0.point, $0.tieBreak) < ($1.point, $1.tieBreak) }
        var store: [UInt8: UInt64] = [:]
        var outputs: [KeyValueModel.Output?] = Array(repeating: nil, count: inputs.count)
        for point in points {
            outputs[point.index] = ExhaustiveChecker.apply(inputs[point.index], to: &store)
        }
        return outputs
    }
}

/// Every order consistent with real time, by depth-first search with an explicit stack.
private enum ExhaustiveChecker {
    struct Frame {
        var store: [UInt8: UInt64]
        var placed: UInt32
        var nextCandidate: Int
    }

    static func isLinearizable(_ history: [LinearizabilityTests.Operation]) -> Bool {
        precondition(history.count <= 32, "placed set is a 32-bit mask")
        var requiredMask: UInt32 = 0
        for (index, operation) in history.enumerated() where operation.output != nil {
            requiredMask |= 1 << UInt32(index)
        }
        var stack = [Frame(store: [:], placed: 0, nextCandidate: 0)]
        while let top = stack.last {
            if top.placed & requiredMask == requiredMask { return true }
            guard top.nextCandidate < history.count else {
                stack.removeLast()
                continue
            }
            let candidate = top.nextCandidate
            stack[stack.count - 1].nextCandidate += 1
            guard top.placed & (1 << UInt32(candidate)) == 0, canGoNext(candidate, placed: top.placed, history) else {
                continue
            }
            var store = top.store
            let output = apply(history[candidate].input, to: &store)
            if let observed = history[candidate].output, observed != output { continue }
            stack.append(Frame(store: store, placed: top.placed | (1 << UInt32(candidate)), nextCandidate: 0))
        }
        return false
    }

    /// No unplaced operation with a known output returned strictly before the candidate was called.
    static func canGoNext(_ candidate: Int, placed: UInt32, _ history: [LinearizabilityTests.Operation]) -> Bool {
        for (index, other) in history.enumerated() where placed & (1 << UInt32(index)) == 0 && index != candidate {
            if other.output != nil, let returned = other.returnTime, returned < history[candidate].callTime {
                return false
            }
        }
        return true
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
