/// The bytes of a stream node as Redis 7.0 lays it out in a listpack, so that Synod starts a
/// new node where Redis does: past 100 entries (`StreamValue.nodeCapacity`) or when the node's
/// bytes plus the new entry's field and value bytes reach `stream-node-max-bytes` (4096).
/// Approximate trims remove whole nodes, so with big entries this decides what `~` keeps.
///
/// A node is a listpack: a 6-byte header and a 1-byte end, then a master entry (live count,
/// deleted count, the first entry's field count and names, a 0) and every entry appended
/// since, deleted ones included (flags, id as a difference from the node's first id, fields
/// unless they are the master's, values, and an element count).
enum StreamNodeBytes {
    /// Redis's default `stream-node-max-bytes`.
    static let nodeMax = 4096
    /// A listpack's header and end byte.
    static let emptyListpack = 7

    /// The bytes of a node holding just `entry`: the listpack, its master entry and the entry.
    static func newNode(with entry: StreamEntry) -> Int {
        let names = fieldNames(of: entry)
        // Live and deleted counts stay within 0...127 (one byte each, with a one-byte back
        // length) as a node holds at most 100 entries.
        let master =
            integer(1) + integer(0) + integer(Int64(names.count)) + names.reduce(0) { $0 + element($1) }
            + integer(0)
        return emptyListpack + master + appended(entry, sameFields: true, masterID: entry.id)
    }

    /// The bytes `entry` adds to a node whose first id is `masterID`; `sameFields` when its
    /// field names are the master entry's, in order, so only its values are written.
    static func appended(_ entry: StreamEntry, sameFields: Bool, masterID: StreamID) -> Int {
        let fieldCount = entry.fields.count / 2
        let flags: Int64 = sameFields ? 2 : 0
        var bytes =
            integer(flags)
            + integer(Int64(bitPattern: entry.id.milliseconds &- masterID.milliseconds))
            + integer(Int64(bitPattern: entry.id.sequence &- masterID.sequence))
        if !sameFields { bytes += integer(Int64(fieldCount)) }
        for (position, word) in entry.fields.enumerated() where !sameFields || position % 2 == 1 {
            bytes += element(word)
        }
        let elementCount = sameFields ? fieldCount + 3 : 2 * fieldCount + 4
        return bytes + integer(Int64(elementCount))
    }

    /// The field names of an entry, in order (its fields and values alternate).
    static func fieldNames(of entry: StreamEntry) -> [[UInt8]] {
        stride(from: 0, to: entry.fields.count, by: 2).map { entry.fields[$0] }
    }

    /// One listpack element holding `bytes`: as an integer when it reads as one exactly (as
    /// listpack's lpStringToInt64 does), else as a string; with its back length.
    static func element(_ bytes: [UInt8]) -> Int {
        if let value = KeyValueStore.parseInteger(bytes) { return integer(value) }
        let encoded =
            switch bytes.count {
            case ..<64: 1 + bytes.count
            case ..<4096: 2 + bytes.count
            default: 5 + bytes.count
            }
        return encoded + backLength(encoded)
    }

    /// One listpack integer element with its (one-byte) back length.
    static func integer(_ value: Int64) -> Int {
        let encoded =
            switch value {
            case 0...127: 1
            case -4096...4095: 2
            case -32768...32767: 3
            case -8_388_608...8_388_607: 4
            case -2_147_483_648...2_147_483_647: 5
            default: 9
            }
        return encoded + 1
    }

    /// The bytes of the back length after an element of `encoded` bytes.
    static func backLength(_ encoded: Int) -> Int {
        switch encoded {
        case ...127: 1
        case ..<16383: 2
        case ..<2_097_151: 3
        case ..<268_435_455: 4
        default: 5
        }
    }
}
