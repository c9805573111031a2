import SynodSimulation
import Testing

/// Lock histories with known verdicts: the model the simulator checks locks against.
struct LockLinearizabilityTests {
    typealias Operation = HistoryOperation<KeyValueModel.Input, KeyValueModel.Output>

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
            returnTime: output == nil ? nil : times.upperBound
        )
    }

    static func acquire(_ client: Int, _ token: UInt64?, _ times: ClosedRange<UInt64>) -> Operation {
        operation(client, .acquire(lock: 0, owner: client), .acquired(token: token), times)
    }

    static func release(_ client: Int, _ released: Bool, _ times: ClosedRange<UInt64>) -> Operation {
        operation(client, .release(lock: 0, owner: client), .released(released), times)
    }

    static func fencedPut(
        _ client: Int,
        token: UInt64,
        _ value: UInt64,
        stored: Bool,
        _ times: ClosedRange<UInt64>
    )
        -> Operation
    {
        operation(client, .fencedPut(lock: 0, token: token, value: value), .fenced(stored: stored), times)
    }

    static func isLinearizable(_ history: [Operation]) -> Bool {
        switch checkLinearizability(model: KeyValueModel(), history: history, stepBudgetPerPartition: 100_000) {
        case .linearizable: return true
        case .notLinearizable: return false
        case .unknown(let partitions): preconditionFailure("budget ran out on \(partitions)")
        }
    }

    @Test func oneHolderAtATimeWithIncreasingTokens() {
        let good = [
            Self.acquire(1, 5, 0...1), Self.acquire(2, nil, 2...3), Self.release(1, true, 4...5),
            Self.acquire(2, 9, 6...7),
        ]
        #expect(Self.isLinearizable(good))
        // Two holders at once.
        #expect(!Self.isLinearizable([Self.acquire(1, 5, 0...1), Self.acquire(2, 9, 2...3)]))
        // A later grant with an older token.
        #expect(
            !Self.isLinearizable([Self.acquire(1, 5, 0...1), Self.release(1, true, 2...3), Self.acquire(2, 4, 4...5)])
        )
        // Concurrent acquires: either may win, but not both.
        #expect(Self.isLinearizable([Self.acquire(1, 5, 0...10), Self.acquire(2, nil, 0...10)]))
        #expect(!Self.isLinearizable([Self.acquire(1, 5, 0...10), Self.acquire(2, 6, 0...10)]))
    }

    @Test func onlyTheNewestTokenWritesTheResource() {
        let history = [
            Self.acquire(1, 5, 0...1), Self.fencedPut(1, token: 5, 100, stored: true, 2...3),
            Self.release(1, true, 4...5), Self.acquire(2, 8, 6...7),
            Self.fencedPut(1, token: 5, 101, stored: false, 8...9),
            Self.operation(3, .readResource(lock: 0), .value(100), 10...11),
        ]
        #expect(Self.isLinearizable(history))
        // The paused holder's late write accepted: a lost update.
        var lost = history
        lost[4] = Self.fencedPut(1, token: 5, 101, stored: true, 8...9)
        #expect(!Self.isLinearizable(lost))
    }

    @Test func aGrantWhoseReplyWasLostStillHoldsTheLock() {
        let history = [
            Self.operation(1, .acquire(lock: 0, owner: 1), nil, 0...1),
            Self.acquire(2, nil, 5...6),
            // Client 1 asks again and learns its token.
            Self.acquire(1, 7, 8...9),
            Self.fencedPut(1, token: 7, 1, stored: true, 10...11),
        ]
        #expect(Self.isLinearizable(history))
        // Without the lost grant, client 2 would have got the lock.
        #expect(!Self.isLinearizable(Array(history.dropFirst())))
    }
}
