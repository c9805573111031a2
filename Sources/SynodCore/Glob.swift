/// Redis's glob patterns over bytes (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET): `*` any run,
/// `?` any byte, `[abc]`, `[^abc]` and `[a-z]` classes, and `\x` for a literal `x`.
public enum Glob {
    public static func matches(_ pattern: some Collection<UInt8>, _ string: some Collection<UInt8>) -> Bool {
        let pattern = Array(pattern)
        let string = Array(string)
        // Iterative matching with one backtrack point for the last `*` (linear in practice).
        var p = 0
        var s = 0
        var starPattern: Int?
        var starString = 0
        while s < string.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
                if p == pattern.count { return true }
                starPattern = p
                starString = s
                continue
            }
            if p < pattern.count, let next = matchOne(pattern, p, string[s]) {
                p = next
                s += 1
                continue
            }
            guard let star = starPattern else { return false }
            starString += 1
            s = starString
            p = star
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// The same pattern with each run of `*` (outside classes, unescaped) cut to one: it
    /// matches exactly the same strings, and a pattern of a million stars costs one.
    public static func collapsingStars(_ pattern: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(pattern.count, 1024))
        var index = 0
        var inClass = false
        var previousWasStar = false
        while index < pattern.count {
            let byte = pattern[index]
            if byte == UInt8(ascii: "\\"), index + 1 < pattern.count {
                result.append(byte)
                result.append(pattern[index + 1])
                index += 2
                previousWasStar = false
                continue
            }
            if inClass {
                if byte == UInt8(ascii: "]") { inClass = false }
            } else if byte == UInt8(ascii: "[") {
                inClass = true
            } else if byte == UInt8(ascii: "*") {
                if previousWasStar {
                    index += 1
                    continue
                }
                previousWasStar = true
                result.append(byte)
                index += 1
                continue
            }
            previousWasStar = false
            result.append(byte)
            index += 1
        }
        return result
    }

    /// If the pattern element at `p` matches `byte`, the position after that element.
    private static func matchOne(_ pattern: [UInt8], _ p: Int, _ byte: UInt8) -> Int? {
        switch pattern[p] {
        case UInt8(ascii: "?"):
            return p + 1
        case UInt8(ascii: "\\") where p + 1 < pattern.count:
            return pattern[p + 1] == byte ? p + 2 : nil
        case UInt8(ascii: "["):
            var index = p + 1
            let negated = index < pattern.count && pattern[index] == UInt8(ascii: "^")
            if negated { index += 1 }
            var matched = false
            while index < pattern.count && pattern[index] != UInt8(ascii: "]") {
                if pattern[index] == UInt8(ascii: "\\"), index + 1 < pattern.count {
                    if pattern[index + 1] == byte { matched = true }
                    index += 2
                } else if index + 2 < pattern.count, pattern[index + 1] == UInt8(ascii: "-"),
                    pattern[index + 2] != UInt8(ascii: "]")
                {
                    let low = min(pattern[index], pattern[index + 2])
                    let high = max(pattern[index], pattern[index + 2])
                    if byte >= low && byte <= high { matched = true }
                    index += 3
                } else {
                    if pattern[index] == byte { matched = true }
                    index += 1
                }
            }
            // An unclosed class runs to the end of the pattern, as in Redis.
            let after = min(index + 1, pattern.count)
            return matched != negated ? after : nil
        default:
            return pattern[p] == byte ? p + 1 : nil
        }
    }
}
