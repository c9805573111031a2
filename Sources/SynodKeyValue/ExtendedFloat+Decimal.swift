/// Text to long double and back, exactly: parsing rounds the number the text spells with big
/// integers, never through a hardware float, and printing divides the binary value exactly.
extension ExtendedFloat {
    /// The longest text parsed. Redis copies a float's text and its NUL into a 5 KiB buffer
    /// (MAX_LONG_DOUBLE_CHARS) and refuses longer text; the bound also keeps parsing's integers small.
    static let textBytesMax = 5119
    /// Every number of at least 10^4933 rounds to infinity (the greatest finite float is about
    /// 1.19 × 10^4932), and every one below 10^-4952 to zero (half the least is about 1.8 × 10^-4951).
    static let decimalPowerRoundingToInfinity = 4933
    static let decimalPowerRoundingToZero = -4952
    /// The same bounds as powers of two: 2^16384 and 2^-16446, half of 2^-16445.
    static let binaryPowerRoundingToInfinity = 16384
    static let binaryPowerRoundingToZero = -16446
    /// A bound on an exponent's digits as read, far beyond any that could change the result, so
    /// that reading a long exponent cannot overflow.
    static let exponentMagnitudeMax = 1_000_000_000

    /// A float as C's strtold reads text in the C locale, every byte of it: an optional sign, then
    /// "inf" or "infinity" in any case, or a decimal or hexadecimal ("0x") significand with an
    /// optional exponent ("e", or "p" for a power of two), rounded to nearest, ties to even.
    /// Nil for anything else (NaN, spaces, NUL, more than `textBytesMax` bytes) and for what
    /// strtold reports as out of range and Redis refuses: a number that rounds to infinity
    /// without spelling it, and nonzero digits that round to zero.
    init?(parsing bytes: [UInt8]) {
        guard bytes.count <= Self.textBytesMax else { return nil }
        var text = bytes[...]
        let isNegative = text.first == UInt8(ascii: "-")
        if isNegative || text.first == UInt8(ascii: "+") { text = text.dropFirst() }
        // Setting bit 5 lowers an ASCII letter's case; only letters are compared after it.
        let folded = text.map { $0 | 0x20 }
        if folded.elementsEqual("inf".utf8) || folded.elementsEqual("infinity".utf8) {
            self = .infinity(isNegative: isNegative)
            return
        }
        let isHexadecimal = text.starts(with: "0x".utf8) || text.starts(with: "0X".utf8)
        let significandAndExponent = isHexadecimal ? text.dropFirst(2) : text
        guard let number = Self.scanNumber(significandAndExponent, isHexadecimal: isHexadecimal) else { return nil }
        guard !number.digits.isEmpty else {
            self.init(isNegative: isNegative, biasedExponent: 0, significand: 0)
            return
        }
        let value = isHexadecimal ? Self.fromBinary(number, isNegative) : Self.fromDecimal(number, isNegative)
        guard let value, value.isFinite, !value.isZero else { return nil }
        self = value
    }

    /// A significand's digits, most significant first without leading or trailing zeros, and the
    /// exponent that scales them: `digits × 10^exponent`, or for hexadecimal `digits × 2^exponent`.
    private struct ScannedNumber {
        var digits: [UInt8] = []
        var exponent = 0
    }

    /// The number in `text` (after any sign and "0x"), if all of it is one.
    private static func scanNumber(_ text: ArraySlice<UInt8>, isHexadecimal: Bool) -> ScannedNumber? {
        var number = ScannedNumber()
        var index = text.startIndex
        var sawDigit = false
        var sawPoint = false
        // Each digit after the point divides by the radix: by 2^4 for a hexadecimal digit.
        let fractionDigitExponent = isHexadecimal ? -4 : -1
        while index < text.endIndex {
            if text[index] == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else if let digit = digitValue(text[index], isHexadecimal: isHexadecimal) {
                sawDigit = true
                if digit != 0 || !number.digits.isEmpty { number.digits.append(digit) }
                if sawPoint { number.exponent += fractionDigitExponent }
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return nil }
        if index < text.endIndex {
            guard text[index] | 0x20 == UInt8(ascii: isHexadecimal ? "p" : "e"),
                let exponent = scanExponent(text[(index + 1)...])
            else { return nil }
            number.exponent += exponent
        }
        while number.digits.last == 0 {
            number.digits.removeLast()
            number.exponent -= fractionDigitExponent
        }
        return number
    }

    /// An exponent's optional sign and decimal digits, all the rest of the text, clamped to
    /// `exponentMagnitudeMax`.
    private static func scanExponent(_ text: ArraySlice<UInt8>) -> Int? {
        let isNegative = text.first == UInt8(ascii: "-")
        let digits = isNegative || text.first == UInt8(ascii: "+") ? text.dropFirst() : text
        guard !digits.isEmpty else { return nil }
        var magnitude = 0
        for byte in digits {
            guard let digit = digitValue(byte, isHexadecimal: false) else { return nil }
            magnitude = min(magnitude * 10 + Int(digit), exponentMagnitudeMax)
        }
        return isNegative ? -magnitude : magnitude
    }

    private static func digitValue(_ byte: UInt8, isHexadecimal: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f") where isHexadecimal: byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where isHexadecimal: byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `digits × 10^exponent` rounded, as `digits × 5^exponent × 2^exponent`; nil if surely out of range.
    private static func fromDecimal(_ number: ScannedNumber, _ isNegative: Bool) -> ExtendedFloat? {
        // The number lies in [10^(count - 1 + exponent), 10^(count + exponent)).
        guard number.digits.count - 1 + number.exponent < decimalPowerRoundingToInfinity,
            number.digits.count + number.exponent > decimalPowerRoundingToZero
        else { return nil }
        var digits = BigUnsigned(digits: number.digits, radix: 10)
        var powerOfFive = BigUnsigned(1)
        if number.exponent >= 0 {
            digits.multiplyByPowerOfFive(number.exponent)
        } else {
            powerOfFive.multiplyByPowerOfFive(-number.exponent)
        }
        return rounded(isNegative, numerator: digits, binaryExponent: number.exponent, denominator: powerOfFive)
    }

    /// `digits × 2^exponent` for hexadecimal digits, rounded; nil if surely out of range.
    private static func fromBinary(_ number: ScannedNumber, _ isNegative: Bool) -> ExtendedFloat? {
        let digits = BigUnsigned(digits: number.digits, radix: 16)
        // The number lies in [2^(bitWidth - 1 + exponent), 2^(bitWidth + exponent)).
        guard digits.bitWidth - 1 + number.exponent < binaryPowerRoundingToInfinity,
            digits.bitWidth + number.exponent > binaryPowerRoundingToZero
        else { return nil }
        return rounded(isNegative, numerator: digits, binaryExponent: number.exponent, denominator: BigUnsigned(1))
    }

    /// The float nearest `numerator × 2^binaryExponent / denominator`, for a nonzero numerator:
    /// the quotient at the scale that leaves it 64 bits (fewer if subnormal), then the remainder
    /// against half the divisor.
    private static func rounded(
        _ isNegative: Bool,
        numerator: BigUnsigned,
        binaryExponent: Int,
        denominator: BigUnsigned
    ) -> ExtendedFloat {
        // The quotient's leading bit is 2^leadingBit or 2^(leadingBit - 1).
        let leadingBit = numerator.bitWidth - denominator.bitWidth + binaryExponent
        func divided(lastBitExponent: Int) -> (truncated: UInt64, remainder: Remainder) {
            let shift = binaryExponent - lastBitExponent
            let dividend = shift >= 0 ? numerator.shiftedLeft(by: shift) : numerator
            let divisor = shift >= 0 ? denominator : denominator.shiftedLeft(by: -shift)
            let (quotient, remainder) = dividend.quotientAndRemainder(dividingBy: divisor)
            let twiceRemainder = remainder.shiftedLeft(by: 1)
            let kind: Remainder =
                twiceRemainder < divisor ? .belowHalf : twiceRemainder == divisor ? .half : .aboveHalf
            return (quotient.uint64Value, kind)
        }
        var lastBitExponent = max(leadingBit - 63, lastBitExponentMin)
        var (truncated, remainder) = divided(lastBitExponent: lastBitExponent)
        if truncated & integerBit == 0 && lastBitExponent > lastBitExponentMin {
            // The leading bit was the lower one: one more bit fits.
            lastBitExponent -= 1
            (truncated, remainder) = divided(lastBitExponent: lastBitExponent)
        }
        return ExtendedFloat(
            isNegative: isNegative,
            truncated: truncated,
            lastBitExponent: lastBitExponent,
            remainder: remainder
        )
    }

    /// The value as C's `printf("%.17Lf")` writes it in the C locale: a minus sign if the sign bit
    /// is set (negative zero too), every whole digit, a point and 17 fraction digits, rounded to
    /// nearest, ties to even.
    var fixedPointText: [UInt8] {
        precondition(isFinite, "printing \(self)")
        let fractionScale: UInt128 = 100_000_000_000_000_000
        let fractionDigitCount = 17
        let whole: [UInt8]
        let fraction: [UInt8]
        if lastBitExponent >= 0 {
            whole = BigUnsigned(significand).shiftedLeft(by: lastBitExponent).decimalDigits
            fraction = []
        } else {
            // value × 10^17 rounded to a whole number: significand × 10^17 / 2^shift, below 2^121 / 2^shift.
            let shift = -lastBitExponent
            let scaled = UInt128(significand) * fractionScale
            var rounded: UInt128 = 0
            if shift < 128 {
                rounded = scaled >> shift
                let dropped = scaled - (rounded << shift)
                let half: UInt128 = 1 << (shift - 1)
                if dropped > half || (dropped == half && rounded & 1 == 1) { rounded += 1 }
            }
            whole = Array(String(rounded / fractionScale).utf8)
            fraction = Array(String(rounded % fractionScale).utf8)
        }
        let padding = [UInt8](repeating: UInt8(ascii: "0"), count: fractionDigitCount - fraction.count)
        return (isNegative ? [UInt8(ascii: "-")] : []) + whole + [UInt8(ascii: ".")] + padding + fraction
    }
}
