import SynodConsensus
import SynodCore
import Testing

@testable import SynodStorage

struct EncodingTests {
    @Test func crc32cMatchesTheStandardVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
        for vector in [Array("123456789".utf8), (0..<32).map { UInt8($0) }] {
            #expect(CRC32C.softwareChecksum(vector) == CRC32C.checksum(vector))
        }
    }

    /// The crc32 instruction (where the CPU has it) and the tables agree on every length and
    /// alignment, across the unrolled loop, the word loop and the byte tail.
    @Test func theHardwareAndSoftwarePathsAgree() {
        var random = SeededGenerator(seed: 11)
        let bytes = (0..<4_099).map { _ in UInt8.random(in: 0...255, using: &random) }
        for start in [0, 1, 3, 7] {
            for count in [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 1_000, 4_000] {
                let piece = Array(bytes[start..<(start + count)])
                #expect(CRC32C.checksum(piece) == CRC32C.softwareChecksum(piece), "\(start) \(count)")
                #expect(
                    CRC32C.checksum(piece, continuing: 0x1234_5678)
                        == CRC32C.softwareChecksum(piece, continuing: 0x1234_5678)
                )
            }
        }
    }

    @Test(arguments: [0, 1, 7, 8, 9, 63, 1000])
    func crc32cCanContinueAcrossPieces(split: Int) {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(bytes)
        #expect(CRC32C.checksum(bytes[split...], continuing: CRC32C.checksum(bytes[..<split])) == whole)
    }

    /// Two checksums and the second piece's length give the checksum of both pieces together,
    /// at every split, for pieces of every size up to and past a megabyte.
    @Test(arguments: [0, 1, 3, 4, 5, 17, 1000, 4_095, 1 << 20])
    func crc32cCombinesTwoPieces(secondCount: Int) {
        var random = SeededGenerator(seed: UInt64(secondCount) + 1)
        for firstCount in [0, 1, 9, 1000] {
            let first = (0..<firstCount).map { _ in UInt8.random(in: 0...255, using: &random) }
            let second = (0..<secondCount).map { _ in UInt8.random(in: 0...255, using: &random) }
            let combined = CRC32C.combine(
                CRC32C.checksum(first),
                CRC32C.checksum(second),
                secondCount: secondCount
            )
            #expect(combined == CRC32C.checksum(first + second), "\(firstCount) + \(secondCount)")
        }
    }

    @Test func consensusValuesRoundTrip() throws {
        let entries = [
            LogEntry(term: Term(3), index: LogIndex(1), payload: .noop),
            LogEntry(term: Term(3), index: LogIndex(2), payload: .command(Array("set a 1".utf8))),
            LogEntry(term: Term(4), index: LogIndex(3), payload: .configurationChange(.addLearner(NodeID(9)))),
            LogEntry(term: Term(4), index: LogIndex(4), payload: .configurationChange(.remove(NodeID(2)))),
        ]
        let hardState = HardState(term: Term(4), votedFor: NodeID(2), commit: LogIndex(3))
        let snapshot = Snapshot(
            index: LogIndex(9),
            term: Term(4),
            membership: Membership(voters: [NodeID(1), NodeID(2)], learners: [NodeID(5)]),
            data: [0, 1, 2, 255]
        )
        var writer = ByteWriter()
        for entry in entries { ConsensusEncoding.write(entry, to: &writer) }
        ConsensusEncoding.write(hardState, to: &writer)
        ConsensusEncoding.write(snapshot.membership, to: &writer)
        var reader = ByteReader(writer.bytes)
        for entry in entries { #expect(try ConsensusEncoding.readEntry(from: &reader) == entry) }
        #expect(try ConsensusEncoding.readHardState(from: &reader) == hardState)
        #expect(try ConsensusEncoding.readMembership(from: &reader) == snapshot.membership)
        #expect(reader.isAtEnd)
    }

    @Test func truncatedOrLyingInputIsAnErrorNotACrash() {
        var writer = ByteWriter()
        ConsensusEncoding.write(LogEntry(term: Term(1), index: LogIndex(1), payload: .command([1, 2, 3])), to: &writer)
        let bytes = writer.bytes
        for count in 0..<bytes.count {
            var reader = ByteReader(bytes[..<count])
            #expect(throws: ByteReader.Failure.self) { try ConsensusEncoding.readEntry(from: &reader) }
        }
        var lying = ByteWriter()
        lying.write(UInt64(1))
        lying.write(UInt64(1))
        lying.write(UInt8(1))
        lying.write(UInt32.max)
        var reader = ByteReader(lying.bytes)
        #expect(throws: ByteReader.Failure.self) { try ConsensusEncoding.readEntry(from: &reader) }
        var zeroIndex = ByteWriter()
        zeroIndex.write(UInt64(1))
        zeroIndex.write(UInt64(0))
        zeroIndex.write(UInt8(0))
        reader = ByteReader(zeroIndex.bytes)
        #expect(throws: ByteReader.Failure.invalid("log entry at index 0")) {
            try ConsensusEncoding.readEntry(from: &reader)
        }
    }
}
