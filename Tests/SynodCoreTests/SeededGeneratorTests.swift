import SynodCore
import Testing

struct SeededGeneratorTests {
    @Test func sameSeedGivesSameSequence() {
        var first = SeededGenerator(seed: 7)
        var second = SeededGenerator(seed: 7)
        for _ in 0..<1000 { #expect(first.next() == second.next()) }
    }

    @Test func differentSeedsDiverge() {
        var first = SeededGenerator(seed: 1)
        var second = SeededGenerator(seed: 2)
        let firstValues = (0..<8).map { _ in first.next() }
        let secondValues = (0..<8).map { _ in second.next() }
        #expect(firstValues != secondValues)
    }

    @Test(arguments: [1, 2, 3, 7, 10, 1000])
    func boundedValuesStayInRangeAndCoverIt(bound: Int) {
        var generator = SeededGenerator(seed: 99)
        var seen = Set<Int>()
        for _ in 0..<(bound * 50) {
            let value = generator.nextIndex(below: bound)
            #expect((0..<bound).contains(value))
            seen.insert(value)
        }
        #expect(seen.count == bound)
    }

    @Test func unitIntervalIsRoughlyUniform() {
        var generator = SeededGenerator(seed: 3)
        var buckets = [Int](repeating: 0, count: 10)
        let samples = 100_000
        for _ in 0..<samples {
            let value = generator.nextUnitInterval()
            #expect(value >= 0 && value < 1)
            buckets[Int(value * 10)] += 1
        }
        for count in buckets { #expect(abs(count - samples / 10) < samples / 100) }
    }
}
