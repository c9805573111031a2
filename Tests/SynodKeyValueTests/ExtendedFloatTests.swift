import Foundation
import SynodCore
import Testing

@testable import SynodKeyValue

/// The software long double against Redis's replies, the bit patterns of known values and, on
/// x86-64, the hardware's own 80-bit float with the C library's strtold and printf.
struct ExtendedFloatTests {
    static func parsed(_ text: String) -> ExtendedFloat? { ExtendedFloat(parsing: Array(text.utf8)) }

    static func float(negative: Bool = false, _ biasedExponent: Int, _ significand: UInt64) -> ExtendedFloat {
        ExtendedFloat(isNegative: negative, biasedExponent: biasedExponent, significand: significand)
    }

    static let one = float(0x3FFF, 1 << 63)
    static let greatestFinite = float(0x7FFE, .max)

    /// INCRBYFLOAT's steps: both texts parsed, added and printed; nil where Redis answers an error.
    static func incremented(_ current: String, by increment: String) -> String? {
        guard let current = parsed(current), let increment = parsed(increment) else { return nil }
        let sum = current + increment
        guard sum.isFinite else { return nil }
        return String(decoding: KeyValueStore.formatFloat(sum), as: UTF8.self)
    }

    /// Redis's replies on x86-64 Linux (the first three are the INCRBYFLOAT manual's examples).
    @Test(arguments: [
        ("10.5", "0.1", "10.6"), ("10.6", "-5", "5.6"), ("5.0e3", "2.0e2", "5200"), ("3.0e3", "1.5", "3001.5"),
        ("5.6", "3.0e3", "3005.60000000000000009"), ("0.1", "0.2", "0.3"), ("1.1", "2.2", "3.3"),
        ("1", "-0.9", "0.1"), ("-1.5", "1.5", "0"), ("1", "1e-17", "1.00000000000000001"), ("1", "5e-18", "1"),
        ("0.0000001", "0.0000002", "0.0000003"), ("9223372036854775807", "1", "9223372036854775808"),
        ("18446744073709551615", "1", "18446744073709551616"), ("0x1.8p3", "0", "12"), ("-0", "-0", "0"),
    ])
    func incrementsPrintAsRedisDoes(current: String, increment: String, expected: String) {
        #expect(Self.incremented(current, by: increment) == expected)
    }

    @Test func aSumPastTheGreatestFiniteIsInfinityAndRefused() throws {
        #expect((Self.greatestFinite + Self.greatestFinite).isInfinite)
        #expect(Self.incremented("0x1.fffffffffffffffep16383", by: "0x1p16320") == nil)
        #expect(Self.incremented("1.18e4932", by: "-1.18e4932") == "0")
        #expect(Self.one + Self.float(negative: true, 0x3FFF, 1 << 63) == .zero)
        let infinity = ExtendedFloat.infinity(isNegative: false)
        #expect((infinity + .infinity(isNegative: true)).isNaN)
        #expect(infinity + Self.greatestFinite == infinity)
        // 1e308 + 1e308 is far from a long double's limit: every whole digit is printed.
        let sum = try #require(Self.incremented("1e308", by: "1e308"))
        #expect(sum.count == 309 && sum.hasPrefix("1999999999999999999933717593116912913211201996948311344155"))
    }

    /// Ties round to the even significand, in parsing and in addition alike.
    @Test func halfwayCasesRoundToEven() throws {
        // 1 + 2^-64 lies halfway between 1 and 1 + 2^-63; 1 + 3 × 2^-64 halfway above that.
        #expect(Self.parsed("0x1.0000000000000001p0") == Self.one)
        #expect(Self.parsed("0x1.0000000000000003p0") == Self.float(0x3FFF, 1 << 63 | 2))
        #expect(Self.parsed("1.0000000000000000000542101086242752217003726400434970855712890625") == Self.one)
        #expect(
            Self.parsed("1.00000000000000000005421010862427522170037264004349708557128906251")
                == Self.float(0x3FFF, 1 << 63 | 1)
        )
        // 2^64 + 1 and 2^64 + 3, halfway between neighbours 2 apart.
        #expect(Self.parsed("18446744073709551617") == Self.float(0x403F, 1 << 63))
        #expect(Self.parsed("18446744073709551619") == Self.float(0x403F, 1 << 63 | 2))
        let halfUnit = Self.float(0x3FFF - 64, 1 << 63)
        #expect(Self.one + halfUnit == Self.one)
        #expect(Self.float(0x3FFF, 1 << 63 | 1) + halfUnit == Self.float(0x3FFF, 1 << 63 | 2))
        // Halfway past the greatest finite float rounds to infinity, just below it does not.
        #expect(Self.parsed("0x1ffffffffffffffffp16319") == nil)
        #expect(Self.parsed("0x3fffffffffffffffdp16318") == Self.greatestFinite)
    }

    @Test func subnormalsAndTheirLimits() {
        #expect(Self.parsed("0x1p-16445") == Self.float(0, 1))
        #expect(Self.parsed("0x1.8p-16446") == Self.float(0, 1))
        #expect(Self.parsed("3.6451995318824746025e-4951") == Self.float(0, 1))
        #expect(Self.parsed("1.8225997659412373013e-4951") == Self.float(0, 1))
        #expect(Self.parsed("0x0.fffffffffffffffep-16382") == Self.float(0, .max >> 1))
        #expect(Self.parsed("0x1p-16382") == Self.float(1, 1 << 63))
        // The greatest subnormal and the least one make the least normal float.
        #expect(Self.float(0, .max >> 1) + Self.float(0, 1) == Self.float(1, 1 << 63))
        #expect(Self.float(1, 1 << 63) + Self.float(negative: true, 0, 1) == Self.float(0, .max >> 1))
    }

    @Test func decimalAndHexadecimalTextParses() {
        #expect(Self.parsed("0.1") == Self.float(0x3FFB, 0xCCCC_CCCC_CCCC_CCCD))
        #expect(Self.parsed("0x1.8p3") == Self.float(0x4002, 0xC000_0000_0000_0000))
        #expect(Self.parsed("12") == Self.float(0x4002, 0xC000_0000_0000_0000))
        #expect(Self.parsed("-0X.8P1") == Self.float(negative: true, 0x3FFF, 1 << 63))
        #expect(Self.parsed("1e4932") == Self.float(0x7FFE, 0xD72C_B2A9_5C7E_F6CD))
        #expect(Self.parsed("1.18973149535723176502e4932") == Self.greatestFinite)
        #expect(Self.parsed("1.") == Self.one)
        #expect(Self.parsed(".5") == Self.float(0x3FFE, 1 << 63))
        #expect(Self.parsed("+0") == .zero)
        #expect(Self.parsed("-0") == Self.float(negative: true, 0, 0))
        #expect(Self.parsed("0e-99999") == .zero)
        #expect(Self.parsed("0x0p99999") == .zero)
        #expect(Self.parsed("inf") == .infinity(isNegative: false))
        #expect(Self.parsed("-Infinity") == .infinity(isNegative: true))
        #expect(Self.parsed("1" + String(repeating: "0", count: 5000) + "e-5000") == Self.one)
    }

    /// Not floats to strtold over every byte, or out of its range (ERANGE), which Redis refuses.
    @Test(arguments: [
        "", " 1", "1 ", "\t1", "1\0", "nan", "-nan", "infinit", "infinityy", "1e", "1e+", "0x", "0x.", "0x1p", ".",
        "--1", "+-1", "1_000", "1,5", "0b101", "1e5.5", "١", "1e99999", "-0x1p99999", "1e-99999", "0x1p-99999",
        "1.2e4932", "1.18973149535723176509e4932", "0x1p-16446", "1.8225997659412373012e-4951", "1e-4951",
    ])
    func textThatIsNotALongDoubleIsRefused(text: String) {
        #expect(Self.parsed(text) == nil)
    }

    @Test func textLongerThanRedisBufferIsRefused() {
        let longest = "1." + String(repeating: "0", count: ExtendedFloat.textBytesMax - 2)
        #expect(Self.parsed(longest) == Self.one)
        #expect(Self.parsed(longest + "0") == nil)
    }

    /// `%.17Lf` exactly, ties to even included: 2^-18 and 3 × 2^-18 end in a 5 at the 18th digit.
    @Test func fixedPointTextIsPrintfs() throws {
        func text(_ value: ExtendedFloat) -> String { String(decoding: value.fixedPointText, as: UTF8.self) }
        #expect(text(Self.one) == "1.00000000000000000")
        #expect(text(Self.float(negative: true, 0, 0)) == "-0.00000000000000000")
        #expect(text(try #require(Self.parsed("0.1"))) == "0.10000000000000000")
        #expect(text(Self.float(0x3FFF - 18, 1 << 63)) == "0.00000381469726562")
        #expect(text(Self.float(0x3FFF - 17, 3 << 62)) == "0.00001144409179688")
        #expect(text(Self.float(negative: true, 0x3FFF - 60, 1 << 63)) == "-0.00000000000000000")
        #expect(text(Self.float(0x3FFF - 57, 1 << 63)) == "0.00000000000000001")
        #expect(text(Self.float(0x403F, 1 << 63)) == "18446744073709551616.00000000000000000")
        let greatest = text(Self.greatestFinite)
        #expect(greatest.count == 4951 && greatest.hasPrefix("118973149535723176502126385303"))
        #expect(greatest.hasSuffix("811989770240.00000000000000000"))
        #expect(KeyValueStore.formatFloat(Self.float(negative: true, 0x4000, 5 << 61)) == Array("-2.5".utf8))
    }

    #if arch(x86_64)
    /// Parsing, addition and printing agree bit for bit with the x87 through Swift's `Float80`,
    /// glibc's strtold and printf, over seeded random inputs.
    @Test func randomInputsAgreeWithTheHardware() {
        var random = SeededGenerator(seed: 0x5EED_F10A_7080)
        for _ in 0..<3000 {
            let text = Self.randomText(&random)
            // The texts neither spell infinity nor have zero digits: infinity and zero are out of range.
            let expected = Float80(text).flatMap { $0.isFinite && $0 != 0 ? Self.software($0) : nil }
            #expect(Self.parsed(text) == expected, "\(text)")
        }
        for _ in 0..<3000 {
            let left = Self.randomFloat(&random)
            let right = Self.randomNear(left, &random)
            let expected = Self.software(Self.hardware(left) + Self.hardware(right))
            #expect(left + right == expected, "\(left) + \(right)")
        }
        for _ in 0..<2000 {
            let value = Self.randomFloat(&random, biasedExponents: (0x3FFF - 70)...(0x3FFF + 70))
            #expect(value.fixedPointText == Self.printed(Self.hardware(value)), "\(value)")
        }
    }

    static func software(_ value: Float80) -> ExtendedFloat {
        let integerBit = value.exponentBitPattern == 0 ? 0 : ExtendedFloat.integerBit
        return float(
            negative: value.sign == .minus,
            Int(value.exponentBitPattern),
            value.significandBitPattern | integerBit
        )
    }

    static func hardware(_ value: ExtendedFloat) -> Float80 {
        Float80(
            sign: value.isNegative ? .minus : .plus,
            exponentBitPattern: UInt(value.biasedExponent),
            significandBitPattern: value.significand & ~ExtendedFloat.integerBit
        )
    }

    /// glibc's (or Darwin's) `printf("%.17Lf")`.
    static func printed(_ value: Float80) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.17Lf", $0) }
        return buffer[0..<Int(count)].map { UInt8(bitPattern: $0) }
    }

    /// A decimal or hexadecimal number with a nonzero leading digit, anywhere in a long double's range
    /// but mostly near 1. Hexadecimal has at most 16 digits: older glibc (2.36 among them) loses a
    /// 65th significant bit when it rounds a subnormal, and 16 digits have at most 64.
    static func randomText(_ random: inout SeededGenerator) -> String {
        let sign = ["", "-", "+"][Int(random.next(below: 3))]
        let isHexadecimal = random.next(below: 4) == 0
        let digitCount = 1 + Int(random.next(below: isHexadecimal ? 16 : 30))
        let alphabet = Array(isHexadecimal ? "0123456789abcdef" : "0123456789")
        var digits = String(alphabet[1 + Int(random.next(below: UInt64(alphabet.count - 1)))])
        for _ in 1..<digitCount { digits.append(alphabet[Int(random.next(below: UInt64(alphabet.count)))]) }
        let pointAt = Int(random.next(below: UInt64(digitCount + 1)))
        let number = digits.prefix(pointAt) + "." + digits.dropFirst(pointAt)
        let exponentMagnitudeMax = random.next(below: 4) > 0 ? 30 : isHexadecimal ? 16_500 : 4_960
        let exponent = Int(random.next(below: UInt64(2 * exponentMagnitudeMax + 1))) - exponentMagnitudeMax
        return sign + (isHexadecimal ? "0x" : "") + number + (isHexadecimal ? "p" : "e") + String(exponent)
    }

    static func randomFloat(
        _ random: inout SeededGenerator,
        biasedExponents: ClosedRange<Int> = 0...(ExtendedFloat.biasedExponentMax - 1)
    ) -> ExtendedFloat {
        let biasedExponent = biasedExponents.lowerBound + Int(random.next(below: UInt64(biasedExponents.count)))
        // Some trailing zeros, so that sums are sometimes exact and printed values sometimes short.
        let bits = random.next() << random.next(below: 40)
        let significand = biasedExponent == 0 ? bits & ~ExtendedFloat.integerBit : bits | ExtendedFloat.integerBit
        return float(negative: random.next(below: 2) == 0, biasedExponent, significand)
    }

    /// A float whose exponent is within 70 of `value`'s, so that sums round, carry and cancel.
    static func randomNear(_ value: ExtendedFloat, _ random: inout SeededGenerator) -> ExtendedFloat {
        let biasedExponent = min(max(value.biasedExponent + Int(random.next(below: 141)) - 70, 0), 0x7FFE)
        return randomFloat(&random, biasedExponents: biasedExponent...biasedExponent)
    }
    #endif
}
