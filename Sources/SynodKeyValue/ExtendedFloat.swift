/// An x87 80-bit extended-precision float, the `long double` of x86-64 Linux, in software.
///
/// Redis's INCRBYFLOAT and HINCRBYFLOAT parse, add and print long doubles, and every replica must
/// write Redis's bytes on whatever processor it runs (arm64 included), while Swift has an 80-bit
/// float only on x86; so those commands use this type. It has what they need and no more:
/// strtold's parsing (`init?(parsing:)`), correctly rounded addition and `%.17Lf` printing
/// (ExtendedFloat+Decimal), all rounding to nearest with ties to even, with the x87's subnormals
/// and infinities.
///
/// Equality compares encodings: negative zero is not zero, and NaN equals itself.
struct ExtendedFloat: Equatable, Sendable {
    /// What is added to a power of two to make a normal float's `biasedExponent`.
    static let exponentBias = 16383
    /// The biased exponent of infinity and NaN; every finite float's is less.
    static let biasedExponentMax = 0x7FFF
    /// Bit 63 of the significand, the integer bit: stored in this format, set in every normal float.
    static let integerBit: UInt64 = 1 << 63
    /// The power of two of the significand's last bit in subnormals and in the least normal
    /// exponent: 2^-16445 is the least nonzero magnitude.
    static let lastBitExponentMin = 1 - exponentBias - 63

    static let zero = ExtendedFloat(isNegative: false, biasedExponent: 0, significand: 0)
    /// The x87's default NaN (the "real indefinite"), the sum of opposite infinities.
    static let nan = ExtendedFloat(isNegative: true, biasedExponent: biasedExponentMax, significand: 0xC000 << 48)

    /// Whether the sign bit is set; negative zero has it.
    let isNegative: Bool
    /// The 15-bit exponent field: 0 for zero and subnormals, `biasedExponentMax` for infinity
    /// and NaN, otherwise the power of two of the integer bit plus `exponentBias`.
    let biasedExponent: Int
    /// The 64 significand bits, the integer bit included.
    /// Invariant: the integer bit is set exactly when `biasedExponent` is not 0.
    let significand: UInt64

    /// The float with these fields, which must make an encoding the x87 itself produces.
    init(isNegative: Bool, biasedExponent: Int, significand: UInt64) {
        precondition((0...Self.biasedExponentMax).contains(biasedExponent), "biased exponent \(biasedExponent)")
        precondition(
            (significand & Self.integerBit != 0) == (biasedExponent != 0),
            "integer bit of \(significand) with biased exponent \(biasedExponent)"
        )
        self.isNegative = isNegative
        self.biasedExponent = biasedExponent
        self.significand = significand
    }

    static func infinity(isNegative: Bool) -> ExtendedFloat {
        ExtendedFloat(isNegative: isNegative, biasedExponent: biasedExponentMax, significand: integerBit)
    }

    var isFinite: Bool { biasedExponent < Self.biasedExponentMax }
    var isZero: Bool { significand == 0 }
    var isInfinite: Bool { biasedExponent == Self.biasedExponentMax && significand == Self.integerBit }
    var isNaN: Bool { biasedExponent == Self.biasedExponentMax && significand != Self.integerBit }

    /// The power of two of the significand's last bit: a finite float is exactly
    /// `significand × 2^lastBitExponent`.
    var lastBitExponent: Int {
        precondition(isFinite, "the exponent of \(self)")
        return max(biasedExponent, 1) - Self.exponentBias - 63
    }

    /// What rounding drops below a significand's last bit, against half of that bit.
    enum Remainder {
        /// Nothing, or less than half.
        case belowHalf
        case half
        case aboveHalf
    }

    /// The float nearest `(truncated + remainder) × 2^lastBitExponent`, ties to even, and
    /// infinity past the greatest finite float. `truncated` has its integer bit set unless
    /// `lastBitExponent` is the least (a subnormal or zero, which may round up to a normal).
    init(isNegative: Bool, truncated: UInt64, lastBitExponent: Int, remainder: Remainder) {
        precondition(lastBitExponent >= Self.lastBitExponentMin, "last bit 2^\(lastBitExponent)")
        precondition(truncated & Self.integerBit != 0 || lastBitExponent == Self.lastBitExponentMin, "unnormalized")
        var significand = truncated
        var exponent = lastBitExponent
        if remainder == .aboveHalf || (remainder == .half && truncated & 1 == 1) {
            let (sum, overflow) = truncated.addingReportingOverflow(1)
            significand = overflow ? Self.integerBit : sum
            exponent += overflow ? 1 : 0
        }
        guard significand & Self.integerBit != 0 else {
            self.init(isNegative: isNegative, biasedExponent: 0, significand: significand)
            return
        }
        let biasedExponent = exponent + 63 + Self.exponentBias
        guard biasedExponent < Self.biasedExponentMax else {
            self = .infinity(isNegative: isNegative)
            return
        }
        self.init(isNegative: isNegative, biasedExponent: biasedExponent, significand: significand)
    }

    /// The correctly rounded sum, as the x87's FADD makes it in extended precision rounding to
    /// nearest: infinity past the greatest finite float, NaN for opposite infinities, and an exact
    /// cancellation is zero (negative only if both terms are negative zeros).
    static func + (left: ExtendedFloat, right: ExtendedFloat) -> ExtendedFloat {
        if left.isNaN || right.isNaN { return .nan }
        if left.isInfinite || right.isInfinite {
            if left.isInfinite && right.isInfinite && left.isNegative != right.isNegative { return .nan }
            return left.isInfinite ? left : right
        }
        if left.isZero && right.isZero {
            return ExtendedFloat(isNegative: left.isNegative && right.isNegative, biasedExponent: 0, significand: 0)
        }
        // The larger magnitude first: the encoding orders magnitudes as (exponent, significand) does.
        let leftIsLarger = (left.biasedExponent, left.significand) >= (right.biasedExponent, right.significand)
        let (large, small) = leftIsLarger ? (left, right) : (right, left)
        // Both significands with `guardBitCount` bits below them, the smaller aligned to the larger;
        // bits shifted out past those leave a sticky 1 in bit 0, far below where the sum rounds.
        let guardBitCount = 62
        let distance = large.lastBitExponent - small.lastBitExponent
        let largeWide = UInt128(large.significand) << guardBitCount
        let smallUnaligned = UInt128(small.significand) << guardBitCount
        let smallAligned = distance < 128 ? smallUnaligned >> distance : 0
        let lostBits = distance < 128 ? smallAligned << distance != smallUnaligned : smallUnaligned != 0
        let smallWide = smallAligned | (lostBits ? 1 : 0)
        let sum = large.isNegative == small.isNegative ? largeWide + smallWide : largeWide - smallWide
        if sum == 0 { return .zero }
        return rounded(isNegative: large.isNegative, sum, lastBitExponent: large.lastBitExponent - guardBitCount)
    }

    /// The float nearest `wide × 2^lastBitExponent`, for a nonzero `wide`.
    private static func rounded(isNegative: Bool, _ wide: UInt128, lastBitExponent: Int) -> ExtendedFloat {
        let leadingBit = 127 - wide.leadingZeroBitCount
        let roundedLastBitExponent = max(lastBitExponent + leadingBit - 63, lastBitExponentMin)
        let shift = roundedLastBitExponent - lastBitExponent
        guard shift > 0 else {
            let significand = UInt64(wide << -shift)
            return ExtendedFloat(
                isNegative: isNegative,
                truncated: significand,
                lastBitExponent: roundedLastBitExponent,
                remainder: .belowHalf
            )
        }
        let dropped = wide & ((1 << shift) - 1)
        let half: UInt128 = 1 << (shift - 1)
        let remainder: Remainder = dropped < half ? .belowHalf : dropped == half ? .half : .aboveHalf
        return ExtendedFloat(
            isNegative: isNegative,
            truncated: UInt64(wide >> shift),
            lastBitExponent: roundedLastBitExponent,
            remainder: remainder
        )
    }
}
