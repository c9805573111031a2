import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// The chunked log storage behaves as one array under every mix of appends, truncations of
/// the end and drops of the start, across chunk boundaries.
struct LogEntryChunksTests {
    @Test(arguments: 1...20)
    func randomOperationsMatchAnArray(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var chunks = LogEntryChunks()
        var model: [LogEntry] = []
        var next: UInt64 = 1
        var everDropped: Set<LogIndex> = []
        var releasedEver: Set<LogIndex> = []
        let capacity = LogEntryChunks.chunkCapacity
        for _ in 0..<60 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                for _ in 0..<Int.random(in: 0...(2 * capacity), using: &random) {
                    let entry = LogEntry(term: Term(1), index: LogIndex(next), payload: .noop)
                    next += 1
                    chunks.append(entry)
                    model.append(entry)
                }
            case 5..<7:
                let position = Int.random(in: 0...model.count, using: &random)
                chunks.removeSuffix(from: position)
                model.removeSubrange(position...)
            default:
                let dropped = Int.random(in: 0...model.count, using: &random)
                everDropped.formUnion(model.prefix(dropped).map(\.index))
                let released = chunks.removePrefix(dropped).flatMap { $0 }.map(\.index)
                // What comes back holds only dropped entries (now or before), in order, and
                // none that came back before.
                #expect(released.allSatisfy { everDropped.contains($0) })
                #expect(released == released.sorted() && releasedEver.isDisjoint(with: released))
                releasedEver.formUnion(released)
                model.removeFirst(dropped)
            }
            #expect(chunks.count == model.count)
            #expect(chunks.last == model.last)
            if !model.isEmpty {
                for position in Set([
                    0, model.count / 2, model.count - 1, Int.random(in: 0..<model.count, using: &random),
                ]) {
                    #expect(chunks[position] == model[position])
                }
                let from = Int.random(in: 0...model.count, using: &random)
                #expect(chunks.suffix(from: from) == Array(model[from...]))
            }
        }
    }
}
