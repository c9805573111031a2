import SynodBalancing
import SynodCore
import Testing

struct BalancerTests {
    @Test func policyNamesAreStable() {
        #expect(
            BalancingPolicyKind.allCases.map(\.rawValue) == [
                "round-robin", "weighted-round-robin", "least-outstanding", "p2c-ewma", "consistent-hash",
            ]
        )
        #expect(Balancer(backends: backendIDs(2), policy: RoundRobinPolicy()).name == "round-robin")
        let ejecting = Balancer(backends: backendIDs(2), policy: PeakEWMAPolicy(), outlierDetection: .init())
        #expect(ejecting.name == "p2c-ewma+ejection")
    }

    @Test func anEjectedBackendIsNotPickedUntilItReturns() {
        let detection = OutlierDetector.Configuration(
            consecutiveFailuresToEject: 3,
            baseEjectionMicroseconds: 1_000,
            maxEjectionMicroseconds: 1_000
        )
        var balancer = Balancer(backends: backendIDs(4), policy: RoundRobinPolicy(), outlierDetection: detection)
        var random = SeededGenerator(seed: 1)
        let failing = BackendID(2)
        var picks: [BackendID] = []
        for now in stride(from: UInt64(0), to: 3_000, by: 10) {
            let chosen = balancer.pick(affinityKey: nil, nowMicroseconds: now, random: &random)
            picks.append(chosen)
            balancer.started(on: chosen)
            balancer.finished(on: chosen, latencyMicroseconds: 5, succeeded: chosen != failing, nowMicroseconds: now)
            #expect(!(balancer.outlierDetector?.isEjected(chosen, nowMicroseconds: now) ?? true) || chosen == failing)
        }
        // Round-robin reaches the failing backend every fourth pick: its third failure is pick
        // 11 at 100 µs; it is skipped until 1,100 µs, fails three more times, and so on.
        #expect(picks[0..<11].filter { $0 == failing }.count == 3)
        let ejectedWindow = picks[11..<110]
        #expect(!ejectedWindow.contains(failing))
        #expect(picks[110...].contains(failing))
        #expect(balancer.outlierDetector?.timesEjected(failing) == 3)
    }

    @Test(arguments: BalancingPolicyKind.allCases)
    func theSameSeedGivesTheSamePicks(kind: BalancingPolicyKind) {
        func run(seed: UInt64) -> [BackendID] {
            let backends = backendIDs(6)
            var policy = makePolicy(kind, backends: backends)
            var random = SeededGenerator(seed: seed)
            var inFlight: [BackendID] = []
            var picks: [BackendID] = []
            for step in 0..<2_000 {
                let now = UInt64(step) * 100
                if !inFlight.isEmpty && random.nextBool(probability: 0.5) {
                    let finished = inFlight.remove(at: random.nextIndex(below: inFlight.count))
                    let latency = 100 + random.next(below: 1_000)
                    policy.requestFinished(
                        on: finished,
                        latencyMicroseconds: latency,
                        succeeded: true,
                        nowMicroseconds: now
                    )
                }
                let key = random.nextBool(probability: 0.8) ? random.next(below: 50) : nil
                let chosen = policy.pickOne(from: backends, affinityKey: key, nowMicroseconds: now, random: &random)
                policy.requestStarted(on: chosen)
                inFlight.append(chosen)
                picks.append(chosen)
            }
            return picks
        }
        let first = run(seed: 5)
        #expect(first == run(seed: 5))
        #expect(Set(first).count == 6)
    }
}
