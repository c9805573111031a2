/// One of the 16384 Redis Cluster hash slots a key maps to.
public struct HashSlot: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number of slots, as in Redis Cluster.
    public static let count = 16_384

    /// Invariant: `rawValue < HashSlot.count`.
    public let rawValue: UInt16

    public init(_ rawValue: UInt16) {
        precondition(Int(rawValue) < HashSlot.count, "slot \(rawValue) out of range")
        self.rawValue = rawValue
    }

    public static func < (lhs: HashSlot, rhs: HashSlot) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }

    /// The slot of a key, exactly as Redis Cluster computes it: CRC16 (XMODEM) of the key,
    /// or of its hash tag, modulo 16384.
    ///
    /// The hash tag is the part between the first `{` and the first `}` after it, used only
    /// when it is not empty; so `{user1}.a` and `{user1}.b` share a slot, while `{}x` hashes
    /// the whole key.
    public static func of(key: some Collection<UInt8>) -> HashSlot {
        HashSlot(UInt16(CRC16.xmodem(hashTag(of: key)) & 0x3FFF))
    }

    /// The slot of a string key's UTF-8 bytes.
    public static func of(key: String) -> HashSlot { of(key: Array(key.utf8)) }

    static func hashTag<Key: Collection<UInt8>>(of key: Key) -> Key.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else {
            return key[...]
        }
        return key[afterOpen..<close]
    }
}
