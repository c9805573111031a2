import SynodBalancing
import SynodCore
import Testing

struct ConsistentHashAffinityPolicyTests {
    /// Each key's backend in an idle pool.
    static func homes(backendCount: Int, keys: Range<UInt64>) -> [BackendID] {
        var policy = ConsistentHashAffinityPolicy(backends: backendIDs(backendCount))
        var random = SeededGenerator(seed: 1)
        return keys.map { policy.pickAndFinish(from: backendIDs(backendCount), affinityKey: $0, random: &random) }
    }

    @Test func theSameKeyGoesToTheSameBackendWhileLoadAllows() {
        let first = Self.homes(backendCount: 10, keys: 0..<2_000)
        let second = Self.homes(backendCount: 10, keys: 0..<2_000)
        #expect(first == second)
        // Sequential keys are hashed, so they spread over every backend.
        let counts = first.reduce(into: [BackendID: Int]()) { $0[$1, default: 0] += 1 }
        #expect(counts.count == 10)
        for count in counts.values { #expect(count > 100 && count < 300, "\(counts)") }
    }

    @Test(arguments: [1, 5, 11])
    func noBackendIsPickedAtOrAboveItsBound(seed: UInt64) {
        let backends = backendIDs(10)
        var policy = ConsistentHashAffinityPolicy(backends: backends, epsilon: 0.25)
        var random = SeededGenerator(seed: seed)
        var inFlight: [BackendID] = []
        var spilled = 0
        let homes = Self.homes(backendCount: 10, keys: 0..<5)
        for _ in 0..<20_000 {
            if inFlight.isEmpty || random.nextBool(probability: 0.6) {
                // Mostly one hot key, which must spill over once its backend is full.
                let key = random.nextBool(probability: 0.5) ? 0 : random.next(below: 5)
                let candidates = backends.filter { _ in random.nextBool(probability: 0.9) }
                guard !candidates.isEmpty else { continue }
                let total = candidates.reduce(0) { $0 + policy.outstanding(on: $1) }
                // ceil(1.25 * (total + 1) / n) in integers.
                let bound = (5 * (total + 1) + 4 * candidates.count - 1) / (4 * candidates.count)
                #expect(policy.loadBound(among: candidates) == bound)
                let chosen = policy.pickOne(from: candidates, affinityKey: key, random: &random)
                #expect(candidates.contains(chosen))
                #expect(policy.outstanding(on: chosen) < bound, "picked \(chosen) at its bound \(bound)")
                if chosen != homes[Int(key)] { spilled += 1 }
                policy.requestStarted(on: chosen)
                inFlight.append(chosen)
            } else {
                let finished = inFlight.remove(at: random.nextIndex(below: inFlight.count))
                policy.requestFinished(on: finished, latencyMicroseconds: 1, succeeded: true, nowMicroseconds: 0)
            }
        }
        #expect(spilled > 0, "the bound never moved a request off its home backend")
    }

    @Test func aHotKeyFillsItsHomeUpToTheBoundThenSpills() {
        let backends = backendIDs(10)
        var policy = ConsistentHashAffinityPolicy(backends: backends, epsilon: 0.25)
        var random = SeededGenerator(seed: 1)
        let home = Self.homes(backendCount: 10, keys: 42..<43)[0]
        for _ in 0..<100 {
            policy.requestStarted(on: policy.pickOne(from: backends, affinityKey: 42, random: &random))
        }
        let loads = backends.map { policy.outstanding(on: $0) }
        #expect(loads.reduce(0, +) == 100)
        // The home backend holds the most, and no backend more than ceil(1.25 * 100 / 10).
        #expect(policy.outstanding(on: home) == loads.max())
        #expect(loads.allSatisfy { $0 <= 13 }, "\(loads)")
    }

    @Test func addingABackendMovesOnlyTheKeysItTakesOver() {
        let keys: Range<UInt64> = 0..<10_000
        let before = Self.homes(backendCount: 10, keys: keys)
        let after = Self.homes(backendCount: 11, keys: keys)
        let moved = zip(before, after).filter { $0 != $1 }
        // The new backend's fair share is 1/11 ≈ 9%.
        #expect(moved.count > keys.count / 25 && moved.count < keys.count * 15 / 100, "moved \(moved.count)")
        #expect(moved.allSatisfy { $0.1 == BackendID(10) })
    }

    @Test func anEjectedHomeSendsItsKeysClockwiseUntilItReturns() {
        let backends = backendIDs(6)
        var policy = ConsistentHashAffinityPolicy(backends: backends)
        var random = SeededGenerator(seed: 1)
        let home = policy.pickAndFinish(from: backends, affinityKey: 7, random: &random)
        let withoutHome = backends.filter { $0 != home }
        let substitute = policy.pickAndFinish(from: withoutHome, affinityKey: 7, random: &random)
        #expect(substitute != home)
        #expect(policy.pickAndFinish(from: withoutHome, affinityKey: 7, random: &random) == substitute)
        #expect(policy.pickAndFinish(from: backends, affinityKey: 7, random: &random) == home)
    }

    @Test func requestsWithoutAKeyGoToTheLeastLoaded() {
        let backends = backendIDs(4)
        var policy = ConsistentHashAffinityPolicy(backends: backends)
        var random = SeededGenerator(seed: 1)
        for (backend, load) in zip(backends, [3, 1, 0, 2]) {
            for _ in 0..<load { policy.requestStarted(on: backend) }
        }
        for _ in 0..<10 { #expect(policy.pickOne(from: backends, random: &random) == BackendID(2)) }
        #expect(policy.pick(from: [], affinityKey: 1, nowMicroseconds: 0, random: &random) == nil)
    }
}
