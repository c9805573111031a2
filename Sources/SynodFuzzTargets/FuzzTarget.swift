import SynodCore

/// A fuzz target: code that takes bytes from outside (a client, a peer, a disk) and must
/// refuse what is wrong without trapping.
///
/// Each target runs one input and checks, besides "never traps", what must hold for every
/// input: decoding in pieces gives what decoding at once gives, and what decodes re-encodes
/// to bytes that decode to the same value. A trap here is a bug: in Synod's code, or in a
/// check of this module that is wrong. `scripts/fuzz` runs the targets under libFuzzer;
/// `SynodFuzzTests` replays the checked-in corpus and regressions (`Tests/Fuzz`).
public enum FuzzTarget: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A client's byte stream: `RESPRequestDecoder`, then every command through
    /// `CommandParser` and onto a store, as a node serves it.
    case resp
    /// A peer's byte stream: `PeerFrameDecoder`; each Raft message is stepped into the
    /// replicas of a small group.
    case peerFrame = "peer-frame"
    /// A committed log entry: `KeyValueEntry(decoding:)` applied to a store; the input's words
    /// as a `.redis(words:)` command.
    case entry
    /// A state machine snapshot: `KeyValueStore(snapshotBytes:)`, then entries applied to it.
    case snapshot
    /// A write-ahead-log segment file: recovery with `DurableStorage.open`.
    case wal

    public var description: String { rawValue }

    /// Runs one input; traps on a bug, which is what a fuzzer looks for.
    public func run(_ input: [UInt8]) {
        switch self {
        case .resp: RESPFuzzTarget.run(input)
        case .peerFrame: PeerFrameFuzzTarget.run(input)
        case .entry: EntryFuzzTarget.run(input)
        case .snapshot: SnapshotFuzzTarget.run(input)
        case .wal: WALFuzzTarget.run(input)
        }
    }

    /// Small valid inputs that reach deep into the target: what `Tests/Fuzz/Corpus` holds
    /// (written by `synod-fuzz --write-seeds`), and what random inputs are mutated from.
    public var seeds: [FuzzSeed] {
        switch self {
        case .resp: RESPFuzzTarget.seeds
        case .peerFrame: PeerFrameFuzzTarget.seeds
        case .entry: EntryFuzzTarget.seeds
        case .snapshot: SnapshotFuzzTarget.seeds
        case .wal: WALFuzzTarget.seeds
        }
    }
}

/// A named seed input.
public struct FuzzSeed: Sendable {
    /// A file name: lowercase words joined by dashes.
    public let name: String
    public let bytes: [UInt8]

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// The sizes of the pieces an input is cut into, derived from the input itself so that a
/// failure replays from the input alone: mostly small pieces, at times a large one.
func pieceSizes(of input: [UInt8], piecesMax: Int = 4096) -> [Int] {
    var random = SeededGenerator(seed: StableHash.xxh64(input))
    var sizes: [Int] = []
    var total = 0
    while total < input.count && sizes.count < piecesMax {
        let size =
            random.nextBool(probability: 0.9) ? 1 + random.nextIndex(below: 16) : 1 + random.nextIndex(below: 512)
        sizes.append(size)
        total += size
    }
    return sizes
}
