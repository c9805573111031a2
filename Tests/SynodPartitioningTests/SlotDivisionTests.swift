import SynodPartitioning
import Testing

struct SlotDivisionTests {
    /// The ranges cover every slot once, in shard order, each within one slot of an equal
    /// share, and `shard(of:)` names the range a slot is in.
    @Test(arguments: [1, 2, 3, 5, 7, 16, 100, 1_000, 16_383, 16_384])
    func rangesPartitionTheSlotsEvenly(shardCount: Int) {
        let division = SlotDivision(shardCount: shardCount)
        var next = 0
        for shard in 0..<shardCount {
            let slots = division.slots(of: shard)
            #expect(slots.lowerBound == next)
            #expect(slots.count == HashSlot.count / shardCount || slots.count == HashSlot.count / shardCount + 1)
            for slot in [slots.lowerBound, slots.upperBound - 1] {
                #expect(division.shard(of: HashSlot(UInt16(slot))) == shard)
            }
            next = slots.upperBound
        }
        #expect(next == HashSlot.count)
    }

    @Test func everySlotBelongsToTheRangeThatHoldsIt() {
        let division = SlotDivision(shardCount: 3)
        #expect(division.slots(of: 0) == 0..<5462)
        #expect(division.slots(of: 1) == 5462..<10923)
        #expect(division.slots(of: 2) == 10923..<16384)
        for slot in 0..<HashSlot.count {
            #expect(division.slots(of: division.shard(of: HashSlot(UInt16(slot)))).contains(slot))
        }
        // "foo" is in slot 12182, "bar" in 5061.
        #expect(division.shard(of: Array("foo".utf8)) == 2)
        #expect(division.shard(of: Array("bar".utf8)) == 0)
    }
}
