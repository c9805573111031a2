import SynodBalancing
import SynodCore
import Testing

struct SmoothWeightedRoundRobinPolicyTests {
    static func policy(weights: [Int]) -> SmoothWeightedRoundRobinPolicy {
        SmoothWeightedRoundRobinPolicy(
            weights: Dictionary(uniqueKeysWithValues: weights.enumerated().map { (BackendID($0.offset), $0.element) })
        )
    }

    @Test func nginxExampleInterleavesSmoothly() {
        var policy = Self.policy(weights: [5, 1, 1])
        var random = SeededGenerator(seed: 1)
        let names = ["a", "b", "c"]
        for _ in 0..<3 {
            let cycle = (0..<7).map { _ in names[policy.pickOne(from: backendIDs(3), random: &random).rawValue] }
            #expect(cycle == ["a", "a", "b", "a", "c", "a", "a"])
        }
    }

    @Test(arguments: [[3, 2, 1], [1, 1, 1, 1], [7, 3], [10, 1, 1, 1, 5], [1]])
    func everyCycleHoldsEachBackendExactlyWeightTimes(weights: [Int]) {
        var policy = Self.policy(weights: weights)
        var random = SeededGenerator(seed: 1)
        var shuffleRandom = SeededGenerator(seed: 2)
        let backends = backendIDs(weights.count)
        for _ in 0..<20 {
            var counts = [Int](repeating: 0, count: weights.count)
            for _ in 0..<weights.reduce(0, +) {
                let candidates = shuffled(backends, random: &shuffleRandom)
                counts[policy.pickOne(from: candidates, random: &random).rawValue] += 1
            }
            #expect(counts == weights)
        }
    }

    @Test func aFailureLowersTheEffectiveWeightUntilItRecovers() {
        var policy = Self.policy(weights: [3, 3])
        var random = SeededGenerator(seed: 1)
        let a = BackendID(0)
        policy.requestFinished(on: a, latencyMicroseconds: 10, succeeded: true, nowMicroseconds: 0)
        #expect(policy.effectiveWeight(of: a) == 3)
        policy.requestFinished(on: a, latencyMicroseconds: 10, succeeded: false, nowMicroseconds: 0)
        #expect(policy.effectiveWeight(of: a) == 0)
        var effectiveWeights: [Int] = []
        var picksOfA = 0
        for _ in 0..<6 {
            if policy.pickOne(from: backendIDs(2), random: &random) == a { picksOfA += 1 }
            effectiveWeights.append(policy.effectiveWeight(of: a) ?? -1)
        }
        #expect(effectiveWeights == [1, 2, 3, 3, 3, 3])
        #expect(picksOfA < 3)
        #expect(policy.weight(of: a) == 3)
    }

    @Test func failuresToZeroWeightSpreadsThePenalty() {
        var policy = SmoothWeightedRoundRobinPolicy(weights: [BackendID(0): 4], failuresToZeroWeight: 2)
        policy.requestFinished(on: BackendID(0), latencyMicroseconds: 10, succeeded: false, nowMicroseconds: 0)
        #expect(policy.effectiveWeight(of: BackendID(0)) == 2)
        policy.requestFinished(on: BackendID(0), latencyMicroseconds: 10, succeeded: false, nowMicroseconds: 0)
        policy.requestFinished(on: BackendID(0), latencyMicroseconds: 10, succeeded: false, nowMicroseconds: 0)
        #expect(policy.effectiveWeight(of: BackendID(0)) == 0)
    }
}
