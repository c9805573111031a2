import SynodCore

/// Seeded random inputs for a target, for runs without libFuzzer (`synod-fuzz --random`, the
/// tests): mostly a seed changed by a few byte-level mutations, as libFuzzer's own mutators
/// change its corpus, sometimes random bytes.
public struct FuzzMutator: Sendable {
    /// The longest random input.
    public static let inputBytesMax = 4096
    let seeds: [[UInt8]]
    var random: SeededGenerator

    public init(target: FuzzTarget, seed: UInt64) {
        seeds = target.seeds.map(\.bytes)
        random = SeededGenerator(seed: seed)
    }

    /// The next input.
    public mutating func next() -> [UInt8] {
        guard !seeds.isEmpty, random.nextBool(probability: 0.9) else {
            return (0..<random.nextIndex(below: 256)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        var input = seeds[random.nextIndex(below: seeds.count)]
        for _ in 0...random.nextIndex(below: 4) { mutate(&input) }
        return Array(input.prefix(Self.inputBytesMax))
    }

    /// Bytes that often sit on a parser's edges: zero, CR, LF, signs, digits, all bits set.
    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 13, 10, 36, 42, 45, 43, 48, 57, 32, 34, 39]

    mutating func mutate(_ input: inout [UInt8]) {
        let position = input.isEmpty ? 0 : random.nextIndex(below: input.count)
        switch random.nextIndex(below: 7) {
        case 0 where !input.isEmpty:
            input[position] ^= UInt8(1) << UInt8(random.nextIndex(below: 8))
        case 1 where !input.isEmpty:
            input[position] = Self.interestingBytes[random.nextIndex(below: Self.interestingBytes.count)]
        case 2:
            input.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        case 3 where !input.isEmpty:
            input.removeSubrange(position..<min(input.count, position + 1 + random.nextIndex(below: 16)))
        case 4 where !input.isEmpty:
            let end = min(input.count, position + 1 + random.nextIndex(below: 32))
            input.insert(contentsOf: input[position..<end], at: random.nextIndex(below: input.count))
        case 5:
            input = Array(input.prefix(position))
        case 6 where input.count >= position + 8:
            // An integer field set to an edge value (little-endian, as the binary formats are).
            let values: [UInt64] = [0, 1, UInt64.max, UInt64(Int64.max), 1 << 62, 1 << 63, UInt64(UInt32.max)]
            var value = values[random.nextIndex(below: values.count)]
            for offset in 0..<8 {
                input[position + offset] = UInt8(truncatingIfNeeded: value)
                value >>= 8
            }
        default:
            let other = seeds[random.nextIndex(below: seeds.count)]
            input += other[random.nextIndex(below: other.count + 1)...]
        }
    }
}
