import SynodCore
import Testing

/// Vectors computed with the reference xxHash implementation (python-xxhash 3.x, `xxh64`).
struct StableHashTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let bytes: [UInt8]
        let seed: UInt64
        let expected: UInt64
        var testDescription: String { "\(bytes.count) bytes, seed \(seed)" }
    }

    static let vectors: [Vector] = [
        Vector(bytes: [], seed: 0, expected: 0xef46_db37_51d8_e999),
        Vector(bytes: Array("a".utf8), seed: 0, expected: 0xd24e_c4f1_a98c_6e5b),
        Vector(bytes: Array("abc".utf8), seed: 0, expected: 0x44bc_2cf5_ad77_0999),
        Vector(bytes: Array("123456789".utf8), seed: 0, expected: 0x8cb8_41db_40e6_ae83),
        Vector(
            bytes: Array("The quick brown fox jumps over the lazy dog".utf8),
            seed: 0,
            expected: 0x0b24_2d36_1fda_71bc
        ),
        Vector(bytes: Array(0..<100), seed: 0, expected: 0x6ac1_e580_3216_6597),
        Vector(bytes: Array("abc".utf8), seed: 42, expected: 0x13c1_d910_7027_70e6),
        Vector(bytes: Array(0..<100), seed: 0x9E37_79B9_7F4A_7C15, expected: 0x3b97_d91e_ba03_e785),
    ]

    @Test(arguments: vectors)
    func matchesReferenceImplementation(vector: Vector) {
        #expect(StableHash.xxh64(vector.bytes, seed: vector.seed) == vector.expected)
    }

    @Test func stringAndIntegerOverloadsHashTheirBytes() {
        #expect(StableHash.xxh64("abc") == 0x44bc_2cf5_ad77_0999)
        // 12345 as 8 little-endian bytes.
        #expect(StableHash.xxh64(UInt64(12345)) == 0xf641_f64a_b4eb_b803)
    }
}
