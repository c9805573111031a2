import HeapModule
import RealModule
import SynodBalancing
import SynodCore

/// A discrete-event simulation of one balancer in front of one pool of backends.
///
/// Requests arrive as a Poisson process; the balancer picks a backend for each at its arrival;
/// a backend serves up to `concurrencyPerBackend` requests at once, with exponential service
/// times, queues the rest in arrival order, and rejects requests beyond `queueLengthMax` at
/// once. Latency is measured from arrival to completion, so a backend that falls behind shows
/// in the tail. The workload's draws (arrival gaps, keys, service and failure draws) come from
/// one generator in the same order whatever the balancer does, so every policy of a scenario
/// faces exactly the same requests and the rows differ only by the policies' choices.
struct BalanceReportSimulation<Policy: LoadBalancingPolicy> {
    private let configuration: BalanceReport.Configuration
    private let profiles: [BalanceReport.BackendProfile]
    private var balancer: Balancer<Policy>
    /// Invariant: `busySlots[b]` is in `0...concurrencyPerBackend`, and a backend's line is
    /// empty unless all its slots are busy.
    private var busySlots: [Int]
    private var waitingLines: [BalanceReportWaitingLine]
    private var completions = Heap<BalanceReportCompletion>()
    private var latenciesMicroseconds: [UInt64] = []
    private var failureCount = 0

    init(
        balancer: Balancer<Policy>,
        profiles: [BalanceReport.BackendProfile],
        configuration: BalanceReport.Configuration
    ) {
        precondition(balancer.backends == (0..<profiles.count).map { BackendID($0) }, "backends must be b0...b(n-1)")
        self.configuration = configuration
        self.profiles = profiles
        self.balancer = balancer
        self.busySlots = Array(repeating: 0, count: profiles.count)
        self.waitingLines = Array(repeating: BalanceReportWaitingLine(), count: profiles.count)
        latenciesMicroseconds.reserveCapacity(configuration.requestCount)
    }

    /// Runs every request to completion.
    mutating func run() -> BalanceReport.Outcome {
        var workload = SeededGenerator(seed: configuration.seed)
        var policyRandom = workload.fork()
        // Failures are not capacity: the failing backend counts as if it served every request.
        let capacityPerMicrosecond = profiles.reduce(0.0) {
            $0 + Double(configuration.concurrencyPerBackend) / $1.meanServiceMicroseconds
        }
        let meanGapMicroseconds = 1 / (configuration.utilization * capacityPerMicrosecond)
        var clockMicroseconds = 0.0
        for requestIndex in 0..<configuration.requestCount {
            clockMicroseconds += meanGapMicroseconds * Self.standardExponential(&workload)
            let nowMicroseconds = UInt64(clockMicroseconds.rounded())
            let affinityKey = workload.next(below: UInt64(configuration.affinityKeyCount))
            let serviceDraw = Self.standardExponential(&workload)
            let failureDraw = workload.nextUnitInterval()
            while let next = completions.min, next.completesAtMicroseconds <= nowMicroseconds {
                complete(completions.removeMin())
            }
            let draws = RequestDraws(affinityKey: affinityKey, service: serviceDraw, failure: failureDraw)
            send(requestIndex: requestIndex, nowMicroseconds: nowMicroseconds, draws: draws, random: &policyRandom)
        }
        while let next = completions.popMin() { complete(next) }
        precondition(latenciesMicroseconds.count == configuration.requestCount, "a request was lost")
        precondition(busySlots.allSatisfy { $0 == 0 }, "a slot is still busy after the last completion")
        return BalanceReport.Outcome(latenciesMicroseconds: latenciesMicroseconds.sorted(), failureCount: failureCount)
    }

    /// The workload's random draws for one request, made before the balancer picks a backend.
    private struct RequestDraws {
        let affinityKey: UInt64
        /// A standard exponential draw, scaled by the chosen backend's mean service time.
        let service: Double
        /// A uniform draw in `[0, 1)`; the request fails when it is below the backend's failure share.
        let failure: Double
    }

    /// Picks a backend for one request and hands the request to it.
    private mutating func send(
        requestIndex: Int,
        nowMicroseconds: UInt64,
        draws: RequestDraws,
        random: inout SeededGenerator
    ) {
        let backend = balancer.pick(affinityKey: draws.affinityKey, nowMicroseconds: nowMicroseconds, random: &random)
        balancer.started(on: backend)
        let profile = profiles[backend.rawValue]
        let fails = draws.failure < profile.failureProbability
        let meanMicroseconds = fails ? profile.meanFailureMicroseconds : profile.meanServiceMicroseconds
        let request = BalanceReportWaitingLine.Waiting(
            requestIndex: requestIndex,
            arrivedAtMicroseconds: nowMicroseconds,
            serviceMicroseconds: UInt64((draws.service * meanMicroseconds).rounded()),
            fails: fails
        )
        arrive(request, at: backend.rawValue)
    }

    /// Starts `request` on a free slot of its backend, queues it, or rejects it when the line is full.
    private mutating func arrive(_ request: BalanceReportWaitingLine.Waiting, at backendIndex: Int) {
        if busySlots[backendIndex] < configuration.concurrencyPerBackend {
            busySlots[backendIndex] += 1
            startService(request, at: backendIndex, nowMicroseconds: request.arrivedAtMicroseconds)
        } else if waitingLines[backendIndex].count < configuration.queueLengthMax {
            waitingLines[backendIndex].append(request)
        } else {
            balancer.finished(
                on: BackendID(backendIndex),
                latencyMicroseconds: 0,
                succeeded: false,
                nowMicroseconds: request.arrivedAtMicroseconds
            )
            record(latencyMicroseconds: 0, succeeded: false)
        }
    }

    /// Reports a completed request and gives its slot to the next request in line.
    private mutating func complete(_ completion: BalanceReportCompletion) {
        let latency = completion.completesAtMicroseconds - completion.arrivedAtMicroseconds
        balancer.finished(
            on: BackendID(completion.backendIndex),
            latencyMicroseconds: latency,
            succeeded: !completion.fails,
            nowMicroseconds: completion.completesAtMicroseconds
        )
        record(latencyMicroseconds: latency, succeeded: !completion.fails)
        if let next = waitingLines[completion.backendIndex].popFirst() {
            startService(next, at: completion.backendIndex, nowMicroseconds: completion.completesAtMicroseconds)
        } else {
            busySlots[completion.backendIndex] -= 1
        }
    }

    private mutating func startService(
        _ request: BalanceReportWaitingLine.Waiting,
        at backendIndex: Int,
        nowMicroseconds: UInt64
    ) {
        completions.insert(
            .init(
                completesAtMicroseconds: nowMicroseconds + request.serviceMicroseconds,
                requestIndex: request.requestIndex,
                backendIndex: backendIndex,
                arrivedAtMicroseconds: request.arrivedAtMicroseconds,
                fails: request.fails
            )
        )
    }

    private mutating func record(latencyMicroseconds: UInt64, succeeded: Bool) {
        latenciesMicroseconds.append(latencyMicroseconds)
        if !succeeded { failureCount += 1 }
    }

    /// An exponential draw with mean 1, by inversion: `-ln(1 - u)` with `u` in `[0, 1)`.
    private static func standardExponential(_ random: inout SeededGenerator) -> Double {
        -Double.log(onePlus: -random.nextUnitInterval())
    }
}

extension BalanceReport {
    /// What a run measured.
    struct Outcome: Sendable {
        /// Invariant: sorted ascending; one per request.
        let latenciesMicroseconds: [UInt64]
        let failureCount: Int

        /// The nearest-rank percentile: the smallest latency that `fraction` of requests did not exceed.
        func latencyMicroseconds(atFraction fraction: Double) -> UInt64 {
            precondition(fraction > 0 && fraction <= 1, "a percentile fraction must be in (0, 1]")
            precondition(!latenciesMicroseconds.isEmpty, "no requests were measured")
            let rank = Int((fraction * Double(latenciesMicroseconds.count)).rounded(.up))
            return latenciesMicroseconds[max(rank, 1) - 1]
        }
    }
}
