import SynodKeyValue
import Testing

@testable import SynodNode

/// The watch history keeps a bounded number of changes and lets go of older ones as new ones
/// arrive, a batch at a time.
struct WatchHubTests {
    static func change(_ revision: UInt64) -> [KeyChange] {
        [KeyChange(key: Array("key:\(revision)".utf8), value: Array("v".utf8), event: .set)]
    }

    /// Trimming half the history at once freed 100,000 changes in one go on every node at
    /// the same entry: a loop stall long enough for an election. Nothing past the kept
    /// changes stays held.
    @Test func theHistoryHoldsNoMoreThanTheChangesItKeeps() {
        let hub = WatchHub(startingAfter: 0, keptChangesMax: 10)
        for revision in UInt64(1)...5_000 {
            hub.record(revision: revision, changes: Self.change(revision))
            #expect(hub.history.count == min(Int(revision), 10), "at revision \(revision)")
            #expect(hub.oldestRevision == (revision > 10 ? revision - 9 : 1))
        }
    }

    @Test func aWatchReplaysTheKeptChangesFromItsRevisionAndRefusesOlderOnes() throws {
        let hub = WatchHub(startingAfter: 0, keptChangesMax: 10)
        for revision in UInt64(1)...30 { hub.record(revision: revision, changes: Self.change(revision)) }
        let (_, replay) = try hub.watch(key: Array("key:".utf8), isPrefix: true, from: 25) { _ in }
        #expect(replay.map(\.revision) == Array(25...30))
        #expect(throws: WatchHub.WatchError.self) {
            try hub.watch(key: Array("key:".utf8), isPrefix: true, from: 20) { _ in }
        }
    }

    /// Changes are trimmed one at a time: a revision of which only a part is left is no longer
    /// replayed, and asking for it is refused as compacted.
    @Test func aRevisionTrimmedInPartIsCompacted() throws {
        let hub = WatchHub(startingAfter: 0, keptChangesMax: 4)
        for revision in UInt64(1)...2 {
            hub.record(
                revision: revision,
                changes: (0..<3).map { KeyChange(key: Array("k:\(revision):\($0)".utf8), value: [1], event: .set) }
            )
        }
        #expect(hub.history.count == 4)
        #expect(hub.oldestRevision == 2)
        #expect(throws: WatchHub.WatchError.self) {
            try hub.watch(key: Array("k:".utf8), isPrefix: true, from: 1) { _ in }
        }
        let (_, replay) = try hub.watch(key: Array("k:".utf8), isPrefix: true, from: 2) { _ in }
        #expect(replay.map(\.revision) == [2])
        #expect(replay.first?.changes.map(\.key) == (0..<3).map { Array("k:2:\($0)".utf8) })
    }

    /// The history keeps short keys and values inline; a replay gives back exactly the changes
    /// recorded: short, long (kept as arrays), and a deletion's missing value.
    @Test func keptChangesReplayAsRecorded() throws {
        let hub = WatchHub(startingAfter: 0, keptChangesMax: 10)
        let changes = [
            KeyChange(key: Array("k:short".utf8), value: Array("v".utf8), event: .set),
            KeyChange(key: Array("k:long".utf8), value: [UInt8](repeating: 7, count: 100), event: .set),
            KeyChange(key: Array("k:\(String(repeating: "x", count: 40))".utf8), value: nil, event: .del),
            KeyChange(key: Array("other".utf8), value: [], event: .set),
        ]
        hub.record(revision: 1, changes: changes)
        let (_, replay) = try hub.watch(key: Array("k:".utf8), isPrefix: true, from: 1) { _ in }
        #expect(replay.map(\.revision) == [1])
        #expect(replay.first?.changes == Array(changes.prefix(3)))
    }
}
