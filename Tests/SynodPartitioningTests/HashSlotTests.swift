import SynodPartitioning
import Testing

struct HashSlotTests {
    @Test func crc16MatchesTheXmodemCheckValue() {
        #expect(CRC16.xmodem(Array("123456789".utf8)) == 0x31C3)
        #expect(CRC16.xmodem([UInt8]()) == 0)
    }

    /// Slots documented by Redis (CLUSTER KEYSLOT examples) and checked against redis-server.
    @Test(arguments: [("foo", 12182), ("bar", 5061), ("somekey", 11058), ("", 0)])
    func knownSlots(key: String, slot: Int) {
        #expect(HashSlot.of(key: key).rawValue == UInt16(slot))
    }

    @Test func hashTagsFollowRedisRules() {
        // Keys with the same non-empty tag share a slot.
        #expect(HashSlot.of(key: "{user1000}.following") == HashSlot.of(key: "user1000"))
        #expect(HashSlot.of(key: "{user1000}.followers") == HashSlot.of(key: "user1000"))
        // Only the first '{' and the first '}' after it count.
        #expect(HashSlot.of(key: "foo{{bar}}zap") == HashSlot.of(key: "{bar"))
        #expect(HashSlot.of(key: "foo{bar}{zap}") == HashSlot.of(key: "bar"))
        // An empty tag or an unclosed brace hashes the whole key.
        #expect(HashSlot.of(key: "foo{}{bar}").rawValue == CRC16.xmodem(Array("foo{}{bar}".utf8)) & 0x3FFF)
        #expect(HashSlot.of(key: "foo{bar").rawValue == CRC16.xmodem(Array("foo{bar".utf8)) & 0x3FFF)
        #expect(HashSlot.of(key: "}foo{").rawValue == CRC16.xmodem(Array("}foo{".utf8)) & 0x3FFF)
    }

    @Test func binaryKeysAreHashedByteForByte() {
        let key: [UInt8] = [0, 255, 123, 1, 125, 7]  // "\0\xff{\x01}\x07": tag is [1]
        #expect(HashSlot.of(key: key) == HashSlot.of(key: [1]))
    }
}
