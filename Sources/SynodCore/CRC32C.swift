import CSynodCRC32C

/// CRC-32C (Castagnoli), the checksum of every log record, peer frame and snapshot file.
///
/// With the CPU's crc32 instruction where it has one (x86-64 with SSE4.2: about 20 times
/// faster, which matters for big values: each is checksummed several times on the consensus
/// thread); otherwise software slicing-by-8, eight 256-entry tables that let the loop consume
/// eight bytes per step.
public enum CRC32C {
    /// Whether the crc32 instruction is used; `EncodingTests.theHardwareAndSoftwarePathsAgree` checks both paths agree.
    public static let usesHardware = synod_crc32c_hardware_available() != 0
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight tables of 256 entries, back to back: entry `256 * k + b` is the CRC of byte `b`
    /// followed by `k` zero bytes.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            table[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = table[256 * (slice - 1) + byte]
                table[256 * slice + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The checksum of `bytes`, continuing from `initial` (the checksum of what came before).
    public static func checksum(_ bytes: some Collection<UInt8>, continuing initial: UInt32 = 0) -> UInt32 {
        if let result = bytes.withContiguousStorageIfAvailable({ update(~initial, $0) }) { return ~result }
        return ~Array(bytes).withUnsafeBufferPointer { update(~initial, $0) }
    }

    /// The checksum of `first` followed by `second`, from their checksums and `second`'s
    /// length alone (zlib's crc32_combine, for this polynomial): a message whose tail is
    /// shared by several frames (an append's entries, sent to every follower) is checksummed
    /// once, and each frame's own head then costs O(log n) here instead of a pass over the tail.
    public static func combine(_ first: UInt32, _ second: UInt32, secondCount: Int) -> UInt32 {
        precondition(secondCount >= 0, "a negative length")
        guard secondCount > 0 else { return first }
        // Operators on 32-bit vectors over GF(2): appending zero bits to a message.
        func times(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
            var sum: UInt32 = 0
            var vector = vector
            var row = 0
            while vector != 0 {
                if vector & 1 == 1 { sum ^= matrix[row] }
                vector >>= 1
                row += 1
            }
            return sum
        }
        func squared(_ matrix: [UInt32]) -> [UInt32] { matrix.map { times(matrix, $0) } }
        // One zero bit, then two, then four; the loop starts at one zero byte.
        var odd = [polynomial] + (0..<31).map { UInt32(1) << $0 }
        var even = squared(odd)
        odd = squared(even)
        var crc = first
        var remaining = secondCount
        while remaining != 0 {
            even = squared(odd)
            if remaining & 1 == 1 { crc = times(even, crc) }
            remaining >>= 1
            guard remaining != 0 else { break }
            odd = squared(even)
            if remaining & 1 == 1 { crc = times(odd, crc) }
            remaining >>= 1
        }
        return crc ^ second
    }

    private static func update(_ start: UInt32, _ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard usesHardware, let base = buffer.baseAddress else { return softwareUpdate(start, buffer) }
        return synod_crc32c_hardware_update(start, base, buffer.count)
    }

    /// The checksum of `bytes` computed in software whatever the CPU: what the hardware path
    /// is checked against.
    public static func softwareChecksum(_ bytes: [UInt8], continuing initial: UInt32 = 0) -> UInt32 {
        ~bytes.withUnsafeBufferPointer { softwareUpdate(~initial, $0) }
    }

    private static func softwareUpdate(_ start: UInt32, _ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        table.withUnsafeBufferPointer { table in
            var crc = start
            var position = 0
            let count = buffer.count
            while count - position >= 8 {
                let low =
                    crc
                    ^ (UInt32(buffer[position]) | UInt32(buffer[position + 1]) << 8
                        | UInt32(buffer[position + 2]) << 16 | UInt32(buffer[position + 3]) << 24)
                crc =
                    table[1792 + Int(low & 0xFF)] ^ table[1536 + Int((low >> 8) & 0xFF)]
                    ^ table[1280 + Int((low >> 16) & 0xFF)] ^ table[1024 + Int(low >> 24)]
                    ^ table[768 + Int(buffer[position + 4])] ^ table[512 + Int(buffer[position + 5])]
                    ^ table[256 + Int(buffer[position + 6])] ^ table[Int(buffer[position + 7])]
                position += 8
            }
            while position < count {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt32(buffer[position])) & 0xFF)]
                position += 1
            }
            return crc
        }
    }
}
