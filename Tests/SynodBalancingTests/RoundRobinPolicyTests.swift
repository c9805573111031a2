import SynodBalancing
import SynodCore
import Testing

struct RoundRobinPolicyTests {
    @Test(arguments: [1, 2, 5, 10])
    func visitsEachBackendExactlyOncePerCycle(backendCount: Int) {
        let backends = backendIDs(backendCount)
        var random = SeededGenerator(seed: 1)
        var shuffleRandom = SeededGenerator(seed: 2)
        var policy = RoundRobinPolicy()
        for _ in 0..<10 {
            // The candidates' order does not matter; the cycle is in id order.
            let candidates = shuffled(backends, random: &shuffleRandom)
            let cycle = (0..<backendCount).map { _ in policy.pickOne(from: candidates, random: &random) }
            #expect(cycle == backends)
        }
    }

    @Test func ejectionMidCycleSkipsNobodyAndRepeatsNobody() {
        let all = backendIDs(5)
        let withoutTwo = all.filter { $0 != BackendID(2) }
        var random = SeededGenerator(seed: 1)
        var policy = RoundRobinPolicy()
        var picks: [Int] = []
        for candidates in [all, all, withoutTwo, all, all, all, withoutTwo, withoutTwo] {
            picks.append(policy.pickOne(from: candidates, random: &random).rawValue)
        }
        // 2 is skipped while ejected; when it returns after 3 it waits for the next cycle.
        #expect(picks == [0, 1, 3, 4, 0, 1, 3, 4])
    }

    @Test func noCandidatesGiveNoBackend() {
        var random = SeededGenerator(seed: 1)
        var policy = RoundRobinPolicy()
        #expect(policy.pick(from: [], affinityKey: nil, nowMicroseconds: 0, random: &random) == nil)
    }
}
