import SynodCore
import Testing

struct GlobTests {
    static func matches(_ pattern: String, _ string: String) -> Bool {
        Glob.matches(Array(pattern.utf8), Array(string.utf8))
    }

    @Test func redisGlobSemantics() {
        #expect(Self.matches("*", ""))
        #expect(Self.matches("h?llo", "hello") && Self.matches("h?llo", "hallo") && !Self.matches("h?llo", "hllo"))
        #expect(Self.matches("h*llo", "hllo") && Self.matches("h*llo", "heeeello"))
        #expect(Self.matches("h[ae]llo", "hello") && !Self.matches("h[ae]llo", "hillo"))
        #expect(Self.matches("h[^e]llo", "hallo") && !Self.matches("h[^e]llo", "hello"))
        #expect(Self.matches("h[a-b]llo", "hbllo") && !Self.matches("h[a-b]llo", "hcllo"))
        #expect(Self.matches("news.*", "news.art") && !Self.matches("news.*", "new.art"))
        #expect(Self.matches("a\\*b", "a*b") && !Self.matches("a\\*b", "axb"))
        #expect(Self.matches("*a*b*c*", "xxaxxbxxcxx") && !Self.matches("*a*b*c*", "xxaxxcxxbxx"))
        #expect(Self.matches("__keyspace@0__:*", "__keyspace@0__:user:1"))
    }

    @Test func collapsingStarsKeepsWhatAPatternMatches() {
        let collapse = { (pattern: String) in String(decoding: Glob.collapsingStars(Array(pattern.utf8)), as: UTF8.self)
        }
        #expect(collapse("a***b**") == "a*b*")
        #expect(collapse("\\**\\*\\*") == "\\**\\*\\*")
        #expect(collapse("[**]**") == "[**]*")
        #expect(collapse(String(repeating: "*", count: 1_000_000)) == "*")
        var random = SeededGenerator(seed: 7)
        let alphabet = Array("ab*?[]^-\\".utf8)
        for _ in 0..<2000 {
            let pattern = (0..<random.nextIndex(below: 8)).map { _ in alphabet[random.nextIndex(below: alphabet.count)]
            }
            let string = (0..<random.nextIndex(below: 6)).map { _ in alphabet[random.nextIndex(below: 3)] }
            #expect(
                Glob.matches(pattern, string) == Glob.matches(Glob.collapsingStars(pattern), string),
                "\(String(decoding: pattern, as: UTF8.self)) on \(String(decoding: string, as: UTF8.self))"
            )
        }
    }
}
