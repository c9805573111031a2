/// A natural number of any size, for exact conversions between binary and decimal: they need
/// integers of up to about 40,000 bits.
struct BigUnsigned: Comparable {
    /// Invariant: least significant first, and the last limb is not zero (zero has no limbs).
    private(set) var limbs: [UInt32]

    init(_ value: UInt64) {
        self.init(limbs: [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)])
    }

    init(limbs: [UInt32]) {
        self.limbs = limbs
        while self.limbs.last == 0 { self.limbs.removeLast() }
    }

    /// The number whose digits (values below `radix`, most significant first) these are.
    init(digits: [UInt8], radix: UInt32) {
        self.init(limbs: [])
        // As many digits at a time as keep radix^count within a limb.
        let chunkCount = radix == 10 ? 9 : 7
        for chunkStart in stride(from: 0, to: digits.count, by: chunkCount) {
            let chunk = digits[chunkStart..<min(chunkStart + chunkCount, digits.count)]
            var scale: UInt32 = 1
            var value: UInt32 = 0
            for digit in chunk {
                scale *= radix
                value = value * radix + UInt32(digit)
            }
            multiply(by: scale, adding: value)
        }
    }

    var bitWidth: Int { limbs.isEmpty ? 0 : limbs.count * 32 - limbs[limbs.count - 1].leadingZeroBitCount }

    /// The value, which must be below 2^64.
    var uint64Value: UInt64 {
        precondition(limbs.count <= 2, "\(bitWidth) bits in 64")
        return limbs.reversed().reduce(0) { $0 << 32 | UInt64($1) }
    }

    mutating func multiply(by factor: UInt32, adding addend: UInt32) {
        precondition(factor != 0, "multiplying by zero")
        var carry = UInt64(addend)
        for index in limbs.indices {
            let product = UInt64(limbs[index]) * UInt64(factor) + carry
            limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    mutating func multiplyByPowerOfFive(_ exponent: Int) {
        // 5^13 is the greatest power of five in a limb.
        let chunkExponent = 13
        let chunkPower: UInt32 = 1_220_703_125
        for _ in 0..<(exponent / chunkExponent) { multiply(by: chunkPower, adding: 0) }
        for _ in 0..<(exponent % chunkExponent) { multiply(by: 5, adding: 0) }
    }

    func shiftedLeft(by bitCount: Int) -> BigUnsigned {
        guard !limbs.isEmpty else { return self }
        let limbShift = bitCount / 32
        let bitShift = bitCount % 32
        var shifted = [UInt32](repeating: 0, count: limbShift) + limbs + [0]
        if bitShift > 0 {
            for index in stride(from: shifted.count - 1, to: limbShift, by: -1) {
                shifted[index] = shifted[index] << bitShift | shifted[index - 1] >> (32 - bitShift)
            }
            shifted[limbShift] <<= bitShift
        }
        return BigUnsigned(limbs: shifted)
    }

    /// Divides by a nonzero limb, returning the remainder.
    mutating func divide(by divisor: UInt32) -> UInt32 {
        precondition(divisor != 0, "division by zero")
        var remainder: UInt64 = 0
        for index in limbs.indices.reversed() {
            let dividend = remainder << 32 | UInt64(limbs[index])
            limbs[index] = UInt32(dividend / UInt64(divisor))
            remainder = dividend % UInt64(divisor)
        }
        self = BigUnsigned(limbs: limbs)
        return UInt32(remainder)
    }

    /// Long division by a nonzero divisor (Knuth's algorithm D, TAOCP 4.3.1).
    func quotientAndRemainder(dividingBy divisor: BigUnsigned) -> (quotient: BigUnsigned, remainder: BigUnsigned) {
        precondition(!divisor.limbs.isEmpty, "division by zero")
        if self < divisor { return (BigUnsigned(limbs: []), self) }
        if divisor.limbs.count == 1 {
            var quotient = self
            let remainder = quotient.divide(by: divisor.limbs[0])
            return (quotient, BigUnsigned(UInt64(remainder)))
        }
        // Shifted so that the divisor's top limb has its top bit set, which bounds each estimate's error.
        let normalization = divisor.limbs[divisor.limbs.count - 1].leadingZeroBitCount
        let divisorLimbs = divisor.shiftedLeft(by: normalization).limbs
        var dividend = shiftedLeft(by: normalization).limbs
        dividend += [UInt32](repeating: 0, count: limbs.count + 1 - dividend.count)
        let divisorCount = divisorLimbs.count
        let top = UInt64(divisorLimbs[divisorCount - 1])
        let second = UInt64(divisorLimbs[divisorCount - 2])
        var quotient = [UInt32](repeating: 0, count: dividend.count - divisorCount)
        for position in quotient.indices.reversed() {
            // Estimate from the top two limbs, then with the third to at most one too large.
            let leading =
                UInt64(dividend[position + divisorCount]) << 32 | UInt64(dividend[position + divisorCount - 1])
            var estimate = leading / top
            var estimateRemainder = leading % top
            while estimate > UInt32.max
                || estimate * second > (estimateRemainder << 32 | UInt64(dividend[position + divisorCount - 2]))
            {
                estimate -= 1
                estimateRemainder += top
                if estimateRemainder > UInt32.max { break }
            }
            // Subtract estimate × divisor at this position.
            var carry: UInt64 = 0
            var borrow: Int64 = 0
            for index in 0..<divisorCount {
                let product = estimate * UInt64(divisorLimbs[index]) + carry
                carry = product >> 32
                let difference = Int64(dividend[position + index]) - Int64(product & 0xFFFF_FFFF) + borrow
                dividend[position + index] = UInt32(truncatingIfNeeded: difference)
                borrow = difference >> 32
            }
            let difference = Int64(dividend[position + divisorCount]) - Int64(carry) + borrow
            dividend[position + divisorCount] = UInt32(truncatingIfNeeded: difference)
            if difference < 0 {
                // One too large: add the divisor back.
                estimate -= 1
                var sumCarry: UInt64 = 0
                for index in 0..<divisorCount {
                    let sum = UInt64(dividend[position + index]) + UInt64(divisorLimbs[index]) + sumCarry
                    dividend[position + index] = UInt32(truncatingIfNeeded: sum)
                    sumCarry = sum >> 32
                }
                dividend[position + divisorCount] &+= UInt32(sumCarry)
            }
            quotient[position] = UInt32(estimate)
        }
        var remainder = BigUnsigned(limbs: Array(dividend[0..<divisorCount]))
        // Undo the normalization: the remainder is a multiple of 2^normalization.
        if normalization > 0 { _ = remainder.divide(by: 1 << normalization) }
        return (BigUnsigned(limbs: quotient), remainder)
    }

    /// The decimal digits, without leading zeros ("0" for zero).
    var decimalDigits: [UInt8] {
        var rest = self
        var groups: [UInt32] = []
        while !rest.limbs.isEmpty { groups.append(rest.divide(by: 1_000_000_000)) }
        var text = Array(String(groups.last ?? 0).utf8)
        for group in groups.dropLast().reversed() {
            let digits = Array(String(group).utf8)
            text += [UInt8](repeating: UInt8(ascii: "0"), count: 9 - digits.count) + digits
        }
        return text
    }

    static func < (left: BigUnsigned, right: BigUnsigned) -> Bool {
        guard left.limbs.count == right.limbs.count else { return left.limbs.count < right.limbs.count }
        return left.limbs.reversed().lexicographicallyPrecedes(right.limbs.reversed())
    }
}
