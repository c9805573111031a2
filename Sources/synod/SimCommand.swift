import ArgumentParser
import Foundation
import SynodPartitioning
import SynodSimulation

/// `synod sim`: deterministic cluster simulation with fault injection and checkers.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run deterministic simulations of a Synod cluster under faults, and check them.",
        discussion: """
            Each seed draws its own cluster size, fault rates and timeouts, runs a safety phase with \
            faults and a liveness phase after healing, and checks protocol invariants and the \
            linearizability of the clients' history. Exit codes: 0 clean, 3 safety violation, \
            4 liveness failure, 5 crash, 6 planted bug not caught (with --expect-violation).
            """
    )

    @Option(help: "Replay one seed and print its trace.")
    var seed: UInt64?

    @Option(help: "Run this many seeds, starting at --first-seed.")
    var seeds: Int?

    @Option(help: "The first seed of a multi-seed run.")
    var firstSeed: UInt64 = 1

    @Option(help: "Plant a known bug (see --list-mutations).")
    var mutation: String?

    @Option(help: "Use the fault settings --mutation NAME would use, without planting the bug (a control run).")
    var faultsOf: String?

    @Flag(help: "List the bugs that can be planted, one name per line.")
    var listMutations = false

    @Flag(help: "With --mutation: succeed when some seed finds a violation, fail when none does.")
    var expectViolation = false

    @Option(help: "Trace lines printed for a failure in a multi-seed run.")
    var traceTail = 60

    @Option(help: "Events after which a run counts as stuck (a liveness failure).")
    var eventsMax = 20_000_000

    @Option(
        help: """
            Run every seed with this many shards (consensus groups, each on every node) instead of \
            the number the seed draws; membership changes are simulated with one shard only.
            """
    )
    var shards: Int?

    @Flag(
        help: """
            Print, as the last line, commands_covered=N/M: the registered write commands that took \
            effect at least once in the run's committed logs, over all of them (and which are missing).
            """
    )
    var commandCoverage = false

    func validate() throws {
        if let faultsOf, SimulationMutation(rawValue: faultsOf) == nil {
            throw ValidationError("unknown mutation '\(faultsOf)'; see --list-mutations")
        }
        if let mutation, SimulationMutation(rawValue: mutation) == nil {
            throw ValidationError("unknown mutation '\(mutation)'; see --list-mutations")
        }
        if let seeds, !(1...100_000_000).contains(seeds) { throw ValidationError("--seeds must be in 1...100000000") }
        if seed != nil && seeds != nil { throw ValidationError("give --seed or --seeds, not both") }
        if !listMutations && seed == nil && seeds == nil { throw ValidationError("give --seed S or --seeds N") }
        if expectViolation && mutation == nil { throw ValidationError("--expect-violation needs --mutation") }
        if let shards, !(1...HashSlot.count).contains(shards) {
            throw ValidationError("--shards must be in 1...\(HashSlot.count)")
        }
    }

    func run() throws {
        if listMutations {
            for mutation in SimulationMutation.allCases { print(mutation.rawValue) }
            return
        }
        CrashReporter.install()
        let planted = mutation.flatMap(SimulationMutation.init(rawValue:))
        if let seed {
            let report = simulate(seed: seed, mutation: planted, trace: true)
            for line in report.trace { print(line) }
            print(summary(report))
            if commandCoverage { printCoverage(report.statistics.coveredCommands) }
            throw ExitCode(exitCode(for: report.outcome).rawValue)
        }
        try runMany(count: seeds ?? 1, mutation: planted)
    }

    private func simulate(seed: UInt64, mutation: SimulationMutation?, trace: Bool) -> SimulationReport {
        CrashReporter.setMessage(
            "\nsynod sim: crashed in seed \(seed); replay with: synod sim --seed \(seed)\(mutationFlag)\(shardsFlag)\n"
        )
        var options = SimulationOptions(seed: seed)
        if let mutation { options = options.planting(mutation) }
        if let control = faultsOf.flatMap(SimulationMutation.init(rawValue:)) {
            options = options.planting(control)
            options.mutation = nil
        }
        options.eventsMax = eventsMax
        if let shards {
            options.shardCount = shards
            if shards > 1 { options.membershipChangeIntervalMicroseconds = 0 }
        }
        var simulator = Simulator(options: options, trace: trace)
        return simulator.run()
    }

    private var mutationFlag: String { mutation.map { " --mutation \($0)" } ?? "" }
    private var shardsFlag: String { shards.map { " --shards \($0)" } ?? "" }

    private func runMany(count: Int, mutation: SimulationMutation?) throws {
        let clock = ContinuousClock()
        let start = clock.now
        var lastProgress = start
        var covered: Set<String> = []
        defer { if commandCoverage { printCoverage(covered) } }
        for offset in 0..<count {
            let seed = firstSeed &+ UInt64(offset)
            let report = simulate(seed: seed, mutation: mutation, trace: false)
            covered.formUnion(report.statistics.coveredCommands)
            if case .failed(let failure) = report.outcome {
                let replay = simulate(seed: seed, mutation: mutation, trace: true)
                print("seed \(seed) failed after \(offset + 1) seeds: \(failure)")
                print("options: \(report.options)")
                print("trace tail (replay with: synod sim --seed \(seed)\(mutationFlag)\(shardsFlag)):")
                for line in replay.trace.suffix(traceTail) { print("  \(line)") }
                print(summary(report))
                if expectViolation {
                    print("planted bug \(mutation!.rawValue) caught by seed \(seed), after \(offset + 1) seeds")
                    return
                }
                throw ExitCode(exitCode(for: report.outcome).rawValue)
            }
            if clock.now - lastProgress > .seconds(2) || offset + 1 == count {
                lastProgress = clock.now
                let seconds = seconds(clock.now - start)
                let line =
                    "\(offset + 1)/\(count) seeds clean, \(String(format: "%.0f", Double(offset + 1) / seconds * 60)) seeds/minute"
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        let seconds = seconds(clock.now - start)
        if expectViolation {
            print("planted bug \(mutation!.rawValue) NOT caught in \(count) seeds")
            throw ExitCode(SimulationExitCode.mutationNotCaught.rawValue)
        }
        print(
            "\(count) seeds clean in \(String(format: "%.1f", seconds)) s (\(String(format: "%.0f", Double(count) / seconds * 60)) seeds/minute)"
        )
    }

    /// The registered write commands that took effect, over all of them.
    private func printCoverage(_ covered: Set<String>) {
        let registered = Simulator.registeredWriteCommands
        let missing = registered.filter { !covered.contains($0) }
        if !missing.isEmpty { print("commands not covered: \(missing.joined(separator: " "))") }
        print("commands_covered=\(registered.count - missing.count)/\(registered.count)")
    }

    private func summary(_ report: SimulationReport) -> String {
        let verdict: String
        switch report.outcome {
        case .passed: verdict = "passed"
        case .failed(let failure): verdict = "FAILED: \(failure)"
        }
        return
            "seed \(report.options.seed): \(verdict)\n  \(report.statistics)\n  trace hash \(String(report.traceHash, radix: 16))"
    }

    private func exitCode(for outcome: SimulationOutcome) -> SimulationExitCode {
        switch outcome {
        case .passed: .clean
        case .failed(let failure):
            switch failure.kind {
            case .safety: .safety
            case .liveness: .liveness
            }
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
