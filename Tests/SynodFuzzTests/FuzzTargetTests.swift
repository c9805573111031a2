import Foundation
import SynodCore
import SynodFuzzTargets
import SynodKeyValue
import SynodPeerProtocol
import SynodRESP
import SynodStorage
import Testing

/// Every fuzz target over its checked-in inputs and over seeded random ones, so that
/// `swift test` replays every crash a fuzz run found (`Tests/Fuzz/Regressions`) and keeps the
/// targets themselves from rotting.
struct FuzzTargetTests {
    /// Random inputs per target: a few seconds in a debug build.
    static let randomInputCount = 3_000

    static var fuzzDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz")
    }

    /// The checked-in inputs of `target` in `folder` ("Corpus" or "Regressions"), by name.
    static func inputs(of target: FuzzTarget, in folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            ($0, Array(try Data(contentsOf: directory.appendingPathComponent($0))))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func regressionInputsRun(target: FuzzTarget) throws {
        for input in try Self.inputs(of: target, in: "Regressions") { target.run(input.bytes) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusInputsRun(target: FuzzTarget) throws {
        let corpus = try Self.inputs(of: target, in: "Corpus")
        #expect(!corpus.isEmpty, "no seed inputs in Tests/Fuzz/Corpus/\(target)")
        for input in corpus { target.run(input.bytes) }
    }

    /// Every seed the code makes is checked in, so a run of `scripts/fuzz` starts from all of
    /// them (`synod-fuzz --write-seeds Tests/Fuzz/Corpus` writes them again after a format change).
    @Test(arguments: FuzzTarget.allCases)
    func corpusHoldsEverySeed(target: FuzzTarget) throws {
        let corpus = Set(try Self.inputs(of: target, in: "Corpus").map(\.name))
        for seed in target.seeds {
            #expect(corpus.contains(seed.name), "seed \(seed.name) of \(target) is not in Tests/Fuzz/Corpus")
            target.run(seed.bytes)
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seededRandomInputsRun(target: FuzzTarget) {
        var mutator = FuzzMutator(target: target, seed: 1)
        for _ in 0..<Self.randomInputCount { target.run(mutator.next()) }
    }

    /// Seeds are only worth fuzzing from if they are valid: each one gets past its decoder.
    @Test func seedsAreValid() throws {
        for seed in FuzzTarget.resp.seeds {
            var decoder = RESPRequestDecoder()
            decoder.append(seed.bytes)
            var commandCount = 0
            while case .command = decoder.next() { commandCount += 1 }
            #expect(commandCount > 0 && decoder.next() == .needMoreData, "RESP seed \(seed.name)")
        }
        for seed in FuzzTarget.peerFrame.seeds where !seed.name.hasPrefix("built-") {
            var decoder = PeerFrameDecoder()
            decoder.append(seed.bytes)
            switch decoder.next() {
            case .message, .forwardedRequest, .forwardedResult, .published, .announced, .relayedRequest, .relayedResult,
                .relayEnded, .relayCheck:
                break
            case .arriving, .needMoreData, .garbage: Issue.record("peer frame seed \(seed.name) does not decode")
            }
        }
        for seed in FuzzTarget.entry.seeds where seed.name.hasPrefix("entry-") {
            #expect(throws: Never.self, "entry seed \(seed.name)") { _ = try KeyValueEntry(decoding: seed.bytes) }
        }
        for seed in FuzzTarget.snapshot.seeds {
            #expect(throws: Never.self, "snapshot seed \(seed.name)") {
                _ = try KeyValueStore(snapshotBytes: seed.bytes)
            }
        }
        let segment = try #require(FuzzTarget.wal.seeds.first { $0.name.hasPrefix("segment-") })
        var files = InMemoryFileSystem()
        try files.createDirectory("/node/wal")
        let file = try files.open("/node/wal/wal-0000000000000001.log", create: true)
        try files.write(segment.bytes, to: file, at: 0)
        let (_, recovered) = try DurableStorage.open(directory: "/node", files: files)
        #expect(recovered.count == 2)
        #expect(recovered.values.allSatisfy { $0.entries.count == 3 })
    }
}
