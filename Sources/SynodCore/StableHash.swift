/// The placement hash: XXH64 (xxHash, 64-bit), a documented, fixed function.
///
/// Placement decisions must agree across processes, machines and Swift versions, so they
/// never use Swift's `Hasher` (seeded per process). XXH64 is specified at
/// https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md; the test vectors in
/// `StableHashTests` were produced by the reference implementation.
public enum StableHash {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// XXH64 of `bytes` with `seed`.
    public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = bytes.count
        var offset = 0
        var hash: UInt64
        if length >= 32 {
            var lane1 = seed &+ prime1 &+ prime2
            var lane2 = seed &+ prime2
            var lane3 = seed
            var lane4 = seed &- prime1
            while offset + 32 <= length {
                lane1 = round(lane1, readUInt64(bytes, offset))
                lane2 = round(lane2, readUInt64(bytes, offset + 8))
                lane3 = round(lane3, readUInt64(bytes, offset + 16))
                lane4 = round(lane4, readUInt64(bytes, offset + 24))
                offset += 32
            }
            hash =
                rotateLeft(lane1, by: 1) &+ rotateLeft(lane2, by: 7) &+ rotateLeft(lane3, by: 12)
                &+ rotateLeft(lane4, by: 18)
            hash = mergeRound(hash, lane1)
            hash = mergeRound(hash, lane2)
            hash = mergeRound(hash, lane3)
            hash = mergeRound(hash, lane4)
        } else {
            hash = seed &+ prime5
        }
        hash &+= UInt64(length)
        while offset + 8 <= length {
            hash ^= round(0, readUInt64(bytes, offset))
            hash = rotateLeft(hash, by: 27) &* prime1 &+ prime4
            offset += 8
        }
        if offset + 4 <= length {
            let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            hash ^= UInt64(word) &* prime1
            hash = rotateLeft(hash, by: 23) &* prime2 &+ prime3
            offset += 4
        }
        while offset < length {
            hash ^= UInt64(bytes[offset]) &* prime5
            hash = rotateLeft(hash, by: 11) &* prime1
            offset += 1
        }
        return avalanche(hash)
    }

    /// XXH64 of a byte array.
    public static func xxh64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { xxh64($0, seed: seed) }
    }

    /// XXH64 of a string's UTF-8 bytes.
    public static func xxh64(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var copy = string
        return copy.withUTF8 { xxh64(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// XXH64 of the 8 little-endian bytes of `value`.
    public static func xxh64(_ value: UInt64, seed: UInt64 = 0) -> UInt64 {
        withUnsafeBytes(of: value.littleEndian) { xxh64($0, seed: seed) }
    }

    @inline(__always)
    private static func readUInt64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotateLeft(accumulator &+ input &* prime2, by: 31) &* prime1
    }

    @inline(__always)
    private static func mergeRound(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* prime1 &+ prime4
    }

    @inline(__always)
    private static func avalanche(_ input: UInt64) -> UInt64 {
        var hash = input
        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }
}
