import SynodBalancing
import SynodCore
import Testing

struct LeastOutstandingPolicyTests {
    @Test(arguments: [1, 7, 42])
    func neverPicksABackendBusierThanAnotherCandidate(seed: UInt64) {
        let backends = backendIDs(8)
        var random = SeededGenerator(seed: seed)
        var policy = LeastOutstandingPolicy()
        var inFlight: [BackendID] = []
        var model = [Int](repeating: 0, count: backends.count)
        for _ in 0..<10_000 {
            if inFlight.isEmpty || random.nextBool(probability: 0.55) {
                let candidates = backends.filter { _ in random.nextBool(probability: 0.7) }
                guard !candidates.isEmpty else { continue }
                let chosen = policy.pickOne(from: candidates, random: &random)
                let fewest = candidates.map { model[$0.rawValue] }.min() ?? -1
                #expect(model[chosen.rawValue] == fewest, "picked \(chosen) from \(candidates) with loads \(model)")
                policy.requestStarted(on: chosen)
                model[chosen.rawValue] += 1
                inFlight.append(chosen)
            } else {
                let finished = inFlight.remove(at: random.nextIndex(below: inFlight.count))
                policy.requestFinished(on: finished, latencyMicroseconds: 1, succeeded: true, nowMicroseconds: 0)
                model[finished.rawValue] -= 1
            }
        }
        for backend in backends { #expect(policy.outstanding(on: backend) == model[backend.rawValue]) }
    }

    @Test func tiesAreBrokenUniformly() {
        let backends = backendIDs(8)
        var random = SeededGenerator(seed: 3)
        var policy = LeastOutstandingPolicy()
        var counts = [Int](repeating: 0, count: backends.count)
        let picks = 80_000
        for _ in 0..<picks { counts[policy.pickAndFinish(from: backends, random: &random).rawValue] += 1 }
        for count in counts { #expect(abs(count - picks / backends.count) < picks / 100, "\(counts)") }
    }
}
