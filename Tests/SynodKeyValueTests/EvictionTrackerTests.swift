import SynodCore
import Testing

@testable import SynodKeyValue

/// The leader's choice of keys to evict over maxmemory: samples of the policy's pool, never a
/// copy or a walk of it.
struct EvictionTrackerTests {
    /// A store and the tracker that saw every write to it, as a leader keeps them.
    struct Leader {
        var store = KeyValueStore()
        var tracker = EvictionTracker()
        var random = SeededGenerator(seed: 3)
        var index: UInt64 = 0
        var time: Int64 = 0

        mutating func apply(_ command: KeyValueCommand) {
            index += 1
            let entry = KeyValueEntry(requestID: index, timeMilliseconds: 0, command: command)
            let applied = store.apply(encoded: entry.encoded, at: index)
            tracker.applied(applied.keyChanges, in: store, at: time, random: &random)
        }

        /// Under `policy`, 300 keys with a TTL ("v…") and 300 without ("p…"), then a limit
        /// 2,000 bytes below the dataset.
        init(policy: EvictionPolicy) {
            apply(.configure(maxMemoryBytes: nil, policy: policy))
            for number in 0..<300 {
                apply(
                    .set(
                        key: Array("v\(number)".utf8),
                        value: [1],
                        condition: .always,
                        expiry: .afterMilliseconds(60_000),
                        returnPrevious: false
                    )
                )
                apply(
                    .set(
                        key: Array("p\(number)".utf8),
                        value: [1],
                        condition: .always,
                        expiry: .none,
                        returnPrevious: false
                    )
                )
            }
            apply(.configure(maxMemoryBytes: store.datasetBytes - 2_000, policy: policy))
        }

        mutating func victims() -> [[UInt8]] { tracker.victims(in: store, at: 0, random: &random) }
    }

    @Test(arguments: [EvictionPolicy.volatileLRU, .volatileLFU, .volatileRandom, .volatileTTL])
    func volatilePoliciesEvictOnlyKeysWithATTLAndEnoughOfThem(policy: EvictionPolicy) {
        var leader = Leader(policy: policy)
        #expect(leader.store.needsEviction)
        let victims = leader.victims()
        #expect(!victims.isEmpty)
        #expect(victims.allSatisfy { $0.first == UInt8(ascii: "v") })
        #expect(Set(victims).count == victims.count, "a key chosen twice")
        let freed = victims.reduce(0) { $0 + leader.store.footprint(of: $1) }
        #expect(freed >= leader.store.bytesOverLimit)
    }

    @Test func allKeysPoliciesChooseFromEveryKey() {
        var leader = Leader(policy: .allKeysRandom)
        var chosen: Set<UInt8> = []
        for _ in 0..<20 { chosen.formUnion(leader.victims().compactMap(\.first)) }
        #expect(chosen == [UInt8(ascii: "v"), UInt8(ascii: "p")])
    }

    @Test func aVolatilePolicyWithNoKeyWithATTLChoosesNone() {
        var leader = Leader(policy: .volatileRandom)
        for number in 0..<300 { leader.apply(.persist(key: Array("v\(number)".utf8))) }
        leader.apply(.configure(maxMemoryBytes: 1, policy: .volatileRandom))
        #expect(!leader.store.needsEviction)
        #expect(leader.victims().isEmpty)
    }

    @Test func useIsKeptOnlyUnderPoliciesThatChooseByIt() {
        #expect(Leader(policy: .allKeysLRU).tracker.uses.count == 600)
        #expect(Leader(policy: .volatileLFU).tracker.uses.count == 600)
        #expect(Leader(policy: .allKeysRandom).tracker.uses.isEmpty)
        #expect(Leader(policy: .volatileTTL).tracker.uses.isEmpty)
        var leader = Leader(policy: .allKeysLRU)
        leader.apply(.configure(maxMemoryBytes: nil, policy: .noEviction))
        leader.apply(.delete(keys: [Array("p0".utf8)]))
        #expect(leader.tracker.uses.isEmpty)
    }

    @Test func leastRecentlyUsedKeysGoFirst() {
        var leader = Leader(policy: .allKeysLRU)
        let read = (0..<300).map { Array("v\($0)".utf8) } + (0..<150).map { Array("p\($0)".utf8) }
        leader.tracker.read(.multiGet(keys: read), in: leader.store, at: 60_000, random: &leader.random)
        let victims = leader.victims()
        #expect(!victims.isEmpty)
        let unread = victims.filter { !read.contains($0) }
        // A quarter of the keys are unread: a random choice finds one a quarter of the time,
        // the oldest of five samples three times in four.
        #expect(unread.count * 2 > victims.count)
    }
}
