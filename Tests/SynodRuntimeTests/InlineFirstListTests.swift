import Testing

@testable import SynodRuntime

/// The list every waiting write keeps of who waits for it: the first element inline, the rest
/// in an array, in the order they were appended.
struct InlineFirstListTests {
    @Test func elementsComeBackInTheOrderTheyWereAppended() {
        var list = InlineFirstList<Int>()
        #expect(list.isEmpty)
        #expect(list.last == nil)
        #expect(Array(list).isEmpty)
        list.append(7)
        #expect(!list.isEmpty)
        #expect(list.last == 7)
        #expect(Array(list) == [7])
        list.append(8)
        list.append(9)
        #expect(list.last == 9)
        #expect(Array(list) == [7, 8, 9])
        #expect(Array(InlineFirstList(3)) == [3])
    }
}
