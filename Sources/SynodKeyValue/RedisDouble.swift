/// Doubles as Redis 7.0 reads and writes sorted-set scores, in Swift alone (the store imports
/// no C library): printed as C's `printf("%.17g")`, read as `strtod`, exactly, so that every
/// replica on every processor answers Redis's bytes.
public enum RedisDouble {
    /// As `printf("%.17g")` in the C locale: 17 significant digits of the exact binary value,
    /// rounded to nearest with ties to even, trailing zeros dropped, an exponent (`1e+20`,
    /// `2.5000000000000002e-10`) below 10^-4 and from 10^17 on; `inf`, `-inf`, `nan`, `-0`.
    public static func text(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Whole numbers below 2^53 print as integers; most scores are.
        if value == value.rounded(), value.magnitude < 9_007_199_254_740_992 { return String(Int64(value)) }
        let magnitude = value.magnitude
        let isSubnormal = magnitude.exponentBitPattern == 0
        let significand = magnitude.significandBitPattern | (isSubnormal ? 0 : 1 << 52)
        let binaryExponent = (isSubnormal ? -1022 : Int(magnitude.exponent)) - 52
        // The exact value as decimal digits × 10^decimalExponent.
        var digits: [UInt8]
        var decimalExponent: Int
        if binaryExponent >= 0 {
            digits = BigUnsigned(significand).shiftedLeft(by: binaryExponent).decimalDigits
            decimalExponent = 0
        } else {
            var scaled = BigUnsigned(significand)
            scaled.multiplyByPowerOfFive(-binaryExponent)
            digits = scaled.decimalDigits
            decimalExponent = binaryExponent
        }
        let significantCount = 17
        if digits.count > significantCount {
            decimalExponent += digits.count - significantCount
            digits = roundedToEven(digits, keeping: significantCount)
            if digits.count > significantCount {
                // 99...9 rounded up to 100...0.
                digits.removeLast()
                decimalExponent += 1
            }
        }
        // The power of ten of the first digit decides between fixed and exponent forms.
        let leadingExponent = decimalExponent + digits.count - 1
        while digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            decimalExponent += 1
        }
        let sign = value < 0 ? "-" : ""
        let text = String(decoding: digits, as: UTF8.self)
        if leadingExponent < -4 || leadingExponent >= significantCount {
            let fraction = digits.count > 1 ? "." + text.dropFirst() : ""
            let exponentDigits = String(leadingExponent.magnitude)
            return sign + text.prefix(1) + fraction + (leadingExponent < 0 ? "e-" : "e+")
                + (exponentDigits.count < 2 ? "0" : "") + exponentDigits
        }
        if decimalExponent >= 0 { return sign + text + String(repeating: "0", count: decimalExponent) }
        let pointPosition = digits.count + decimalExponent
        if pointPosition <= 0 { return sign + "0." + String(repeating: "0", count: -pointPosition) + text }
        return sign + text.prefix(pointPosition) + "." + text.dropFirst(pointPosition)
    }

    /// As Redis 7.0 keeps a score in a compact sorted set, which ZSCAN answers: a whole number
    /// from -2^62 to 2^62 as an integer (`123456789012345680`, where `text` says
    /// `1.2345678901234568e+17`), anything else as `text`.
    public static func storedText(_ value: Double) -> String {
        let bound = 4_611_686_018_427_387_904.0
        if value == value.rounded(), value >= -bound, value <= bound { return String(Int64(value)) }
        return text(value)
    }

    /// The first `count` of the decimal `digits` (ASCII), the rest rounded into them, ties to
    /// even; one digit longer when the rounding carries out of the first.
    private static func roundedToEven(_ digits: [UInt8], keeping count: Int) -> [UInt8] {
        var kept = Array(digits[..<count])
        let first = digits[count]
        let restIsZero = digits[(count + 1)...].allSatisfy { $0 == UInt8(ascii: "0") }
        let roundsUp =
            first > UInt8(ascii: "5")
            || (first == UInt8(ascii: "5") && (!restIsZero || (kept.last! - UInt8(ascii: "0")) % 2 == 1))
        guard roundsUp else { return kept }
        var index = count - 1
        while index >= 0 {
            if kept[index] == UInt8(ascii: "9") {
                kept[index] = UInt8(ascii: "0")
                index -= 1
            } else {
                kept[index] += 1
                return kept
            }
        }
        return [UInt8(ascii: "1")] + kept
    }

    /// A score as Redis reads ZADD's, ZINCRBY's and WEIGHTS' (its `getDoubleFromObject`):
    /// `strtod` of every byte, refused when it starts with a space, is NaN, or is out of range
    /// (a number that overflows without spelling infinity, nonzero digits that round to zero).
    public static func parse(_ bytes: [UInt8]) -> Double? {
        guard let first = bytes.first, !isSpace(first), let value = parseBound(bytes[...]), !value.isNaN else {
            return nil
        }
        var body = bytes[...]
        if body.first == UInt8(ascii: "-") || body.first == UInt8(ascii: "+") { body = body.dropFirst() }
        let folded = body.map { $0 | 0x20 }
        if value.isInfinite {
            return folded.elementsEqual("inf".utf8) || folded.elementsEqual("infinity".utf8) ? value : nil
        }
        if value == 0 {
            let isHexadecimal = folded.starts(with: "0x".utf8)
            let significand = (isHexadecimal ? folded.dropFirst(2) : folded[...]).prefix {
                $0 != (isHexadecimal ? UInt8(ascii: "p") : UInt8(ascii: "e"))
            }
            let nonzero: Set<UInt8> = Set("123456789abcdef".utf8)
            return significand.contains { nonzero.contains($0) } ? nil : value
        }
        return value
    }

    /// A range bound's number as Redis reads ZRANGEBYSCORE's (`strtod` that must take every
    /// byte): leading spaces, infinity spelled or overflowed, and the empty text (0, as strtod
    /// reads nothing and stops at the end) are allowed; NaN is refused by the caller.
    public static func parseBound(_ bytes: ArraySlice<UInt8>) -> Double? {
        let text = bytes.drop { isSpace($0) }
        if text.isEmpty { return bytes.isEmpty ? 0 : nil }
        guard !text.contains(0), let value = Double(String(decoding: text, as: UTF8.self)) else { return nil }
        return value
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
