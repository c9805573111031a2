import RealModule
import SynodBalancing
import SynodCore
import Testing

struct PeakEWMAPolicyTests {
    static let a = BackendID(0)
    static let b = BackendID(1)

    /// Sends one request every `intervalMicroseconds`, each taking its backend's latency, and
    /// counts the requests each backend received.
    static func requestCounts(
        latenciesMicroseconds: [UInt64],
        requestCount: Int,
        intervalMicroseconds: UInt64,
        seed: UInt64
    ) -> [Int] {
        let backends = backendIDs(latenciesMicroseconds.count)
        var policy = PeakEWMAPolicy()
        var random = SeededGenerator(seed: seed)
        var inFlight: [(backend: BackendID, finishesAtMicroseconds: UInt64)] = []
        var counts = [Int](repeating: 0, count: backends.count)
        for step in 0..<requestCount {
            let now = UInt64(step) * intervalMicroseconds
            inFlight.sort { $0.finishesAtMicroseconds < $1.finishesAtMicroseconds }
            while let first = inFlight.first, first.finishesAtMicroseconds <= now {
                inFlight.removeFirst()
                policy.requestFinished(
                    on: first.backend,
                    latencyMicroseconds: latenciesMicroseconds[first.backend.rawValue],
                    succeeded: true,
                    nowMicroseconds: first.finishesAtMicroseconds
                )
            }
            let chosen = policy.pickOne(from: backends, nowMicroseconds: now, random: &random)
            policy.requestStarted(on: chosen)
            counts[chosen.rawValue] += 1
            inFlight.append((chosen, now + latenciesMicroseconds[chosen.rawValue]))
        }
        return counts
    }

    @Test(arguments: [1, 2, 3])
    func aBackendTenTimesSlowerGetsFarFewerRequests(seed: UInt64) {
        let counts = Self.requestCounts(
            latenciesMicroseconds: [10_000, 1_000, 1_000, 1_000, 1_000],
            requestCount: 20_000,
            intervalMicroseconds: 100,
            seed: seed
        )
        let fewestOfTheOthers = counts.dropFirst().min() ?? 0
        #expect(counts[0] * 20 < fewestOfTheOthers, "\(counts)")
    }

    @Test func equalBackendsShareTheLoad() {
        let counts = Self.requestCounts(
            latenciesMicroseconds: [1_000, 1_000, 1_000, 1_000],
            requestCount: 20_000,
            intervalMicroseconds: 100,
            seed: 1
        )
        for count in counts { #expect(abs(count - 5_000) < 500, "\(counts)") }
    }

    @Test func aPeakIsTakenAtOnceAndDecaysWithTime() {
        var policy = PeakEWMAPolicy(configuration: .init(decayTimeMicroseconds: 1_000_000))
        for (latency, now) in [(UInt64(1_000), UInt64(1_000)), (5_000, 2_000)] {
            policy.requestStarted(on: Self.a)
            policy.requestFinished(on: Self.a, latencyMicroseconds: latency, succeeded: true, nowMicroseconds: now)
        }
        #expect(policy.estimatedLatencyMicroseconds(of: Self.a, nowMicroseconds: 2_000) == 5_000)
        let oneTimeConstantLater: UInt64 = 1_002_000
        let decayed = policy.estimatedLatencyMicroseconds(of: Self.a, nowMicroseconds: oneTimeConstantLater)
        #expect(abs(decayed - 5_000 / Double.exp(1)) < 1e-6)
        // A sample below the estimate is averaged in with weight 1 - e^(-Δt/τ).
        policy.requestStarted(on: Self.a)
        policy.requestFinished(
            on: Self.a,
            latencyMicroseconds: 1_000,
            succeeded: true,
            nowMicroseconds: oneTimeConstantLater
        )
        let averaged = policy.estimatedLatencyMicroseconds(of: Self.a, nowMicroseconds: oneTimeConstantLater)
        #expect(abs(averaged - (decayed + 1_000 * (1 - 1 / Double.exp(1)))) < 1e-6)
    }

    @Test func anUnmeasuredBackendStartsAtTheInitialEstimateAndIsTried() {
        var policy = PeakEWMAPolicy(configuration: .init(initialLatencyMicroseconds: 2_000))
        var random = SeededGenerator(seed: 1)
        policy.requestStarted(on: Self.a)
        policy.requestFinished(on: Self.a, latencyMicroseconds: 5_000, succeeded: true, nowMicroseconds: 10)
        #expect(policy.estimatedLatencyMicroseconds(of: Self.b, nowMicroseconds: 10) == 2_000)
        for _ in 0..<10 {
            #expect(policy.pickOne(from: [Self.a, Self.b], nowMicroseconds: 10, random: &random) == Self.b)
        }
    }

    @Test func outstandingRequestsMultiplyTheCost() {
        var policy = PeakEWMAPolicy()
        var random = SeededGenerator(seed: 1)
        for backend in [Self.a, Self.b] {
            policy.requestStarted(on: backend)
            policy.requestFinished(on: backend, latencyMicroseconds: 1_000, succeeded: true, nowMicroseconds: 0)
        }
        for _ in 0..<3 { policy.requestStarted(on: Self.a) }
        #expect(policy.cost(of: Self.a, nowMicroseconds: 0) == 4_000)
        #expect(policy.cost(of: Self.b, nowMicroseconds: 0) == 1_000)
        for _ in 0..<10 { #expect(policy.pickOne(from: [Self.a, Self.b], random: &random) == Self.b) }
    }

    @Test func anIdleSlowBackendIsRetriedOnceItsEstimateHasDecayed() {
        let decayTime: UInt64 = 1_000_000
        var policy = PeakEWMAPolicy(configuration: .init(decayTimeMicroseconds: decayTime))
        var random = SeededGenerator(seed: 1)
        policy.requestStarted(on: Self.a)
        policy.requestFinished(on: Self.a, latencyMicroseconds: 10_000, succeeded: true, nowMicroseconds: 0)
        // e^-2 * 10 ms ≈ 1.35 ms is still above b's 1 ms; e^-3 * 10 ms ≈ 0.5 ms is below.
        for (now, expected) in [(2 * decayTime, Self.b), (3 * decayTime, Self.a)] {
            policy.requestStarted(on: Self.b)
            policy.requestFinished(on: Self.b, latencyMicroseconds: 1_000, succeeded: true, nowMicroseconds: now)
            #expect(policy.pickOne(from: [Self.a, Self.b], nowMicroseconds: now, random: &random) == expected)
        }
    }

    @Test func aSingleCandidateIsPickedWithoutDrawing() {
        var policy = PeakEWMAPolicy()
        var random = SeededGenerator(seed: 9)
        var untouched = random
        #expect(policy.pickOne(from: [Self.b], random: &random) == Self.b)
        #expect(random.next() == untouched.next())
        #expect(policy.pick(from: [], affinityKey: nil, nowMicroseconds: 0, random: &random) == nil)
    }
}
