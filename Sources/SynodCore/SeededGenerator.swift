/// A deterministic pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Pure code never uses the system generator; it takes one of these (or any
/// `RandomNumberGenerator`) from its caller, so a run is a function of its seed. The bounded
/// helpers are implemented here rather than taken from the standard library so that the
/// sequence a seed produces does not depend on the Swift version.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniformly distributed value in `0..<upperBound` (Lemire's multiply-shift with rejection).
    public mutating func next(below upperBound: UInt64) -> UInt64 {
        precondition(upperBound > 0, "upper bound must be positive")
        var product = next().multipliedFullWidth(by: upperBound)
        if product.low < upperBound {
            let threshold = (0 &- upperBound) % upperBound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: upperBound)
            }
        }
        return product.high
    }

    /// A uniformly distributed index in `0..<count`.
    public mutating func nextIndex(below count: Int) -> Int {
        precondition(count > 0, "count must be positive")
        return Int(next(below: UInt64(count)))
    }

    /// A uniformly distributed value in `[0, 1)` with 53 bits of precision.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with the given probability (clamped to `[0, 1]`).
    public mutating func nextBool(probability: Double) -> Bool {
        nextUnitInterval() < probability
    }

    /// A new generator whose sequence is independent of this one's, for a sub-component.
    public mutating func fork() -> SeededGenerator {
        SeededGenerator(seed: next())
    }
}

@inline(__always)
func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
}
