import SynodSimulation
import Testing

/// Hand-written histories with known verdicts, one behaviour each.
struct LinearizabilityTests {
    typealias Operation = HistoryOperation<KeyValueModel.Input, KeyValueModel.Output>

    static let stepBudget = 100_000

    static func check(_ history: [Operation]) -> LinearizabilityResult {
        checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: stepBudget)
    }

    static func isLinearizable(_ history: [Operation]) -> Bool {
        switch check(history) {
        case .linearizable: return true
        case .notLinearizable: return false
        case .unknown(let partitions): preconditionFailure("budget ran out on \(partitions)")
        }
    }

    static func operation(
        _ client: Int,
        _ input: KeyValueModel.Input,
        _ output: KeyValueModel.Output?,
        _ times: ClosedRange<UInt64>
    ) -> Operation {
        Operation(
            clientID: client,
            input: input,
            output: output,
            callTime: times.lowerBound,
            returnTime: times.upperBound
        )
    }

    static func get(_ client: Int, key: UInt8 = 0, _ value: UInt64?, _ times: ClosedRange<UInt64>) -> Operation {
        operation(client, .get(key: key), .value(value), times)
    }

    static func put(_ client: Int, key: UInt8 = 0, _ value: UInt64, _ times: ClosedRange<UInt64>) -> Operation {
        operation(client, .put(key: key, value: value), .stored, times)
    }

    /// A put whose client timed out at `callTime` + 1 without learning the outcome, or never returned.
    static func indeterminatePut(
        _ client: Int,
        key: UInt8 = 0,
        _ value: UInt64,
        call: UInt64,
        gaveUp: Bool
    ) -> Operation {
        Operation(
            clientID: client,
            input: .put(key: key, value: value),
            output: nil,
            callTime: call,
            returnTime: gaveUp ? call + 1 : nil
        )
    }

    static func compareAndSet(
        _ client: Int,
        key: UInt8 = 0,
        _ expected: UInt64?,
        _ new: UInt64,
        _ succeeded: Bool,
        _ times: ClosedRange<UInt64>
    ) -> Operation {
        operation(
            client,
            .compareAndSet(key: key, expected: expected, new: new),
            .compareAndSet(succeeded: succeeded),
            times
        )
    }

    static func delete(_ client: Int, key: UInt8 = 0, existed: Bool, _ times: ClosedRange<UInt64>) -> Operation {
        operation(client, .delete(key: key), .deleted(existed: existed), times)
    }

    @Test func emptyAndIndeterminateOnlyHistoriesAreLinearizable() {
        #expect(Self.check([]) == .linearizable)
        #expect(Self.check([Self.indeterminatePut(1, 5, call: 0, gaveUp: false)]) == .linearizable)
    }

    @Test func sequentialHistoryFollowingTheRegisterIsLinearizable() {
        let history = [
            Self.get(1, nil, 0...1),
            Self.put(1, 1, 2...3),
            Self.get(2, 1, 4...5),
            Self.compareAndSet(1, 1, 2, true, 6...7),
            Self.compareAndSet(2, 1, 3, false, 8...9),
            Self.get(2, 2, 10...11),
            Self.delete(1, existed: true, 12...13),
            Self.get(2, nil, 14...15),
            Self.compareAndSet(1, nil, 3, true, 16...17),
            Self.get(2, 3, 18...19),
        ]
        #expect(Self.check(history) == .linearizable)
    }

    @Test func sequentialHistoryWithAWrongAnswerIsNotLinearizable() {
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...1), Self.get(2, 2, 2...3)]))
        #expect(!Self.isLinearizable([Self.get(1, 7, 0...1)]))
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...1), Self.compareAndSet(2, 1, 2, false, 2...3)]))
    }

    @Test func readOverlappingAWriteMaySeeTheOldOrTheNewValue() {
        #expect(Self.isLinearizable([Self.put(1, 1, 0...10), Self.get(2, nil, 5...6)]))
        #expect(Self.isLinearizable([Self.put(1, 1, 0...10), Self.get(2, 1, 5...6)]))
        // Both reads overlap the write, but the earlier one saw the new value: the later one cannot see the old.
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...10), Self.get(2, 1, 2...3), Self.get(3, nil, 4...5)]))
        #expect(Self.isLinearizable([Self.put(1, 1, 0...10), Self.get(2, nil, 2...3), Self.get(3, 1, 4...5)]))
    }

    @Test func readAfterACompletedWriteMustSeeIt() {
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...5), Self.get(2, nil, 6...8)]))
    }

    @Test func intervalsThatTouchAtOneInstantAreConcurrent() {
        // The read was called at the instant the write returned: either order is allowed.
        #expect(Self.isLinearizable([Self.put(1, 1, 0...5), Self.get(2, nil, 5...8)]))
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...5), Self.get(2, nil, 6...8)]))
    }

    @Test func staleReadAfterALaterWriteIsNotLinearizable() {
        let history = [Self.put(1, 1, 0...2), Self.put(2, 2, 3...5), Self.get(3, 1, 6...7)]
        #expect(!Self.isLinearizable(history))
        #expect(Self.isLinearizable([Self.put(1, 1, 0...2), Self.put(2, 2, 3...7), Self.get(3, 1, 6...7)]))
    }

    @Test func twoConcurrentCompareAndSetsFromOneValueCannotBothSucceed() {
        let start = Self.put(1, 0, 0...1)
        let both = [start, Self.compareAndSet(2, 0, 1, true, 2...5), Self.compareAndSet(3, 0, 2, true, 3...6)]
        #expect(!Self.isLinearizable(both))
        let one = [start, Self.compareAndSet(2, 0, 1, true, 2...5), Self.compareAndSet(3, 0, 2, false, 3...6)]
        #expect(Self.isLinearizable(one))
        // A chain works: the second expects the first's new value.
        let chain = [start, Self.compareAndSet(2, 0, 1, true, 2...5), Self.compareAndSet(3, 1, 2, true, 3...6)]
        #expect(Self.isLinearizable(chain))
    }

    @Test(arguments: [false, true])
    func indeterminatePutMayOrMayNotHaveTakenEffect(gaveUp: Bool) {
        let before = Self.put(1, 1, 0...5)
        let maybe = Self.indeterminatePut(2, 2, call: 6, gaveUp: gaveUp)
        // It never happened.
        #expect(Self.isLinearizable([before, maybe, Self.get(3, 1, 10...11), Self.get(3, 1, 12...13)]))
        // It happened, before or after the client gave up.
        #expect(Self.isLinearizable([before, maybe, Self.get(3, 2, 10...11), Self.get(3, 2, 12...13)]))
        #expect(Self.isLinearizable([before, maybe, Self.get(3, 2, 100...101)]))
        // It happened between the reads.
        #expect(Self.isLinearizable([before, maybe, Self.get(3, 1, 10...11), Self.get(3, 2, 12...13)]))
        // Once seen it cannot be undone.
        #expect(!Self.isLinearizable([before, maybe, Self.get(3, 2, 10...11), Self.get(3, 1, 12...13)]))
        // It cannot take effect before it was called.
        #expect(!Self.isLinearizable([before, Self.get(3, 2, 5...5), maybe]))
        // It happens at most once: a later write, then the old indeterminate value again, is not linearizable.
        let afterward = Self.put(4, 3, 14...15)
        #expect(!Self.isLinearizable([before, maybe, Self.get(3, 2, 10...11), afterward, Self.get(3, 2, 16...17)]))
    }

    @Test func indeterminateCompareAndSetMayHaveSucceededOrNot() {
        let start = Self.put(1, 0, 0...1)
        let maybe = Operation(
            clientID: 2,
            input: .compareAndSet(key: 0, expected: 0, new: 5),
            output: nil,
            callTime: 2,
            returnTime: nil
        )
        #expect(Self.isLinearizable([start, maybe, Self.get(3, 5, 10...11)]))
        #expect(Self.isLinearizable([start, maybe, Self.get(3, 0, 10...11)]))
        // It can only succeed from 0: before the put of 7 its 5 is overwritten, after it it fails.
        #expect(!Self.isLinearizable([start, Self.put(3, 7, 2...3), maybe, Self.get(3, 5, 10...11)]))
    }

    @Test func deleteReportsWhetherTheKeyExisted() {
        #expect(Self.isLinearizable([Self.delete(1, existed: false, 0...1)]))
        #expect(!Self.isLinearizable([Self.delete(1, existed: true, 0...1)]))
        #expect(
            Self.isLinearizable([Self.put(1, 1, 0...1), Self.delete(1, existed: true, 2...3), Self.get(1, nil, 4...5)])
        )
        #expect(
            !Self.isLinearizable([Self.put(1, 1, 0...1), Self.delete(1, existed: true, 2...3), Self.get(1, 1, 4...5)])
        )
        #expect(!Self.isLinearizable([Self.put(1, 1, 0...1), Self.delete(1, existed: false, 2...3)]))
        // Two concurrent deletes of a present key: exactly one found it.
        let present = Self.put(1, 1, 0...1)
        #expect(
            Self.isLinearizable([present, Self.delete(2, existed: true, 2...5), Self.delete(3, existed: false, 2...5)])
        )
        #expect(
            !Self.isLinearizable([present, Self.delete(2, existed: true, 2...5), Self.delete(3, existed: true, 2...5)])
        )
        // Compare-and-set on an absent key.
        let afterDelete = [present, Self.delete(2, existed: true, 2...3)]
        #expect(Self.isLinearizable(afterDelete + [Self.compareAndSet(1, nil, 4, true, 4...5), Self.get(1, 4, 6...7)]))
        #expect(!Self.isLinearizable(afterDelete + [Self.compareAndSet(1, 1, 4, true, 4...5)]))
    }

    @Test func keysArePartitionsThatDoNotInterfere() {
        // Same times on both keys: a value on key 1 says nothing about key 2.
        let history = [
            Self.put(1, key: 1, 10, 0...4),
            Self.put(2, key: 2, 20, 0...4),
            Self.get(3, key: 1, 10, 5...6),
            Self.get(3, key: 2, 20, 5...6),
            Self.get(1, key: 2, 20, 7...8),
            Self.get(2, key: 1, 10, 7...8),
        ]
        #expect(Self.check(history) == .linearizable)
    }

    @Test func violationIsReportedWithItsKey() {
        let history = [
            Self.put(1, key: 1, 10, 0...1),
            Self.put(2, key: 2, 20, 0...1),
            Self.get(1, key: 1, 10, 2...3),
            Self.put(3, key: 2, 21, 2...3),
            Self.get(2, key: 2, 20, 4...5),
            Self.get(3, key: 1, 10, 4...5),
        ]
        guard case .notLinearizable(let violation) = Self.check(history) else {
            Issue.record("expected a violation")
            return
        }
        #expect(violation.partition == "2")
        #expect(violation.operationCount == 3)
        #expect(violation.operationIndices == [1, 3, 4])
        #expect(violation.longestLinearizablePrefix == [1, 3])
        let report = violation.report(history: history)
        #expect(report.contains("partition 2: 3 operations, not linearizable"))
        #expect(report.contains("#4 client 2 [4, 5] get(key: 2) -> value(Optional(20))"))
        #expect(!report.contains("key: 1"))
    }

    @Test func violationInTheFirstFailingPartitionIsReported() {
        let history = [Self.get(1, key: 3, 1, 0...1), Self.get(1, key: 4, 1, 2...3)]
        guard case .notLinearizable(let violation) = Self.check(history) else {
            Issue.record("expected a violation")
            return
        }
        #expect(violation.partition == "3")
        #expect(violation.longestLinearizablePrefix.isEmpty)
    }
}
