import SynodBalancing
import Testing

struct OutlierDetectorTests {
    static let configuration = OutlierDetector.Configuration(
        consecutiveFailuresToEject: 5,
        baseEjectionMicroseconds: 1_000,
        maxEjectionMicroseconds: 3_500,
        maxEjectionPercent: 50
    )
    static let a = BackendID(0)

    static func fail(_ detector: inout OutlierDetector, _ backend: BackendID, times: Int, atMicroseconds now: UInt64) {
        for _ in 0..<times { detector.record(backend: backend, succeeded: false, nowMicroseconds: now) }
    }

    @Test(arguments: [1, 3, 5])
    func ejectedAfterExactlyTheConfiguredConsecutiveFailures(threshold: Int) {
        var detector = OutlierDetector(
            backends: backendIDs(4),
            configuration: .init(consecutiveFailuresToEject: threshold)
        )
        Self.fail(&detector, Self.a, times: threshold - 1, atMicroseconds: 10)
        #expect(!detector.isEjected(Self.a, nowMicroseconds: 10))
        Self.fail(&detector, Self.a, times: 1, atMicroseconds: 10)
        #expect(detector.isEjected(Self.a, nowMicroseconds: 10))
        #expect(detector.eligible(of: backendIDs(4), nowMicroseconds: 10) == backendIDs(4).filter { $0 != Self.a })
    }

    @Test func aSuccessResetsTheConsecutiveFailures() {
        var detector = OutlierDetector(backends: backendIDs(4), configuration: Self.configuration)
        Self.fail(&detector, Self.a, times: 4, atMicroseconds: 0)
        detector.record(backend: Self.a, succeeded: true, nowMicroseconds: 0)
        Self.fail(&detector, Self.a, times: 4, atMicroseconds: 0)
        #expect(!detector.isEjected(Self.a, nowMicroseconds: 0))
        Self.fail(&detector, Self.a, times: 1, atMicroseconds: 0)
        #expect(detector.isEjected(Self.a, nowMicroseconds: 0))
    }

    @Test func aBackendReturnsWhenItsTimeHasPassed() {
        var detector = OutlierDetector(backends: backendIDs(4), configuration: Self.configuration)
        Self.fail(&detector, Self.a, times: 5, atMicroseconds: 100)
        #expect(detector.isEjected(Self.a, nowMicroseconds: 1_099))
        #expect(!detector.isEjected(Self.a, nowMicroseconds: 1_100))
        #expect(detector.eligible(of: backendIDs(4), nowMicroseconds: 1_100) == backendIDs(4))
    }

    @Test func ejectionsGrowWithRepeatsAndAreCapped() {
        var detector = OutlierDetector(backends: backendIDs(4), configuration: Self.configuration)
        var now: UInt64 = 0
        var durations: [UInt64] = []
        for _ in 0..<6 {
            Self.fail(&detector, Self.a, times: 5, atMicroseconds: now)
            let ejectedAt = now
            while detector.isEjected(Self.a, nowMicroseconds: now) { now += 1 }
            durations.append(now - ejectedAt)
        }
        #expect(durations == [1_000, 2_000, 3_000, 3_500, 3_500, 3_500])
        #expect(detector.timesEjected(Self.a) == 6)
        #expect(Self.configuration.ejectionMicroseconds(times: Int.max) == 3_500)
    }

    @Test func outcomesWhileEjectedAreIgnored() {
        var detector = OutlierDetector(backends: backendIDs(4), configuration: Self.configuration)
        Self.fail(&detector, Self.a, times: 5, atMicroseconds: 0)
        Self.fail(&detector, Self.a, times: 20, atMicroseconds: 500)
        #expect(detector.timesEjected(Self.a) == 1)
        // It returns with a clean count: four more failures are not enough.
        Self.fail(&detector, Self.a, times: 4, atMicroseconds: 1_000)
        #expect(!detector.isEjected(Self.a, nowMicroseconds: 1_000))
    }

    @Test(arguments: [(10, 50, 5), (10, 10, 1), (4, 100, 3), (3, 50, 1), (1, 50, 0), (5, 0, 0), (9, 20, 1)])
    func theEjectedShareNeverExceedsTheCap(backendCount: Int, maxEjectionPercent: Int, expectedCap: Int) {
        let backends = backendIDs(backendCount)
        var detector = OutlierDetector(
            backends: backends,
            configuration: .init(
                consecutiveFailuresToEject: 2,
                baseEjectionMicroseconds: 50,
                maxEjectionMicroseconds: 400,
                maxEjectionPercent: maxEjectionPercent
            )
        )
        #expect(detector.maxEjectedCount == expectedCap)
        var mostEjected = 0
        // Every backend fails every request, for long enough that ejections expire and repeat.
        for now in stride(from: UInt64(0), to: 5_000, by: 7) {
            detector.record(backend: backends[Int(now) % backendCount], succeeded: false, nowMicroseconds: now)
            let ejected = detector.ejectedCount(nowMicroseconds: now)
            #expect(ejected <= expectedCap)
            #expect(detector.eligible(of: backends, nowMicroseconds: now).count == backendCount - ejected)
            mostEjected = max(mostEjected, ejected)
        }
        #expect(mostEjected == expectedCap)
    }

    @Test func aBackendHeldBackByTheCapIsEjectedOnItsNextFailureOnceThereIsRoom() {
        let b = BackendID(1)
        var detector = OutlierDetector(backends: backendIDs(2), configuration: Self.configuration)
        Self.fail(&detector, Self.a, times: 5, atMicroseconds: 0)
        Self.fail(&detector, b, times: 8, atMicroseconds: 10)
        #expect(!detector.isEjected(b, nowMicroseconds: 10))
        Self.fail(&detector, b, times: 1, atMicroseconds: 1_000)
        #expect(detector.isEjected(b, nowMicroseconds: 1_000))
        #expect(!detector.isEjected(Self.a, nowMicroseconds: 1_000))
    }
}
