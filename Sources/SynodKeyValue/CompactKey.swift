import SynodCore

/// A key's bytes in 24 bytes, without an allocation of their own when there are at most
/// `inlineCapacity` (22) of them: the key half of every slot of the keyspace's tries, so its
/// size is paid once per key. Most keys are that short (`key:000012345678`, `user:1042:cart`);
/// a longer one is an array, shared rather than copied. `CompactBytes` holds values the same
/// way in 40 bytes, with room for 32: a key of this type makes every trie slot 16 bytes
/// smaller than a `CompactBytes` key did.
///
/// Invariant: the form follows from the count alone (inline exactly when `count <=
/// inlineCapacity`, with the unused inline bytes zero), so equal bytes are equal values.
public struct CompactKey: Sendable, InlineByteString {
    public static var inlineCapacity: Int { 22 }

    /// The inline form's 22 bytes and its count: 23 bytes, so that with the case's tag the
    /// whole is 24 (three words of bytes would need a 25th byte for the tag, and round to 32).
    private enum Storage: Sendable {
        case inline(UInt64, UInt64, UInt32, UInt16, count: UInt8)
        case array([UInt8])
    }

    private var storage: Storage

    public init(_ bytes: [UInt8]) {
        guard bytes.count <= Self.inlineCapacity else {
            storage = .array(bytes)
            return
        }
        let words = Self.padded(bytes, into: (UInt64(0), UInt64(0), UInt64(0)))
        // The third word's low 48 bits hold bytes 16..<22 in whatever order the machine keeps
        // them: split and joined again by value, they come back in the same places.
        storage = .inline(
            words.0,
            words.1,
            UInt32(truncatingIfNeeded: words.2),
            UInt16(truncatingIfNeeded: words.2 >> 32),
            count: UInt8(bytes.count)
        )
    }

    public var count: Int {
        switch storage {
        case .inline(_, _, _, _, let count): Int(count)
        case .array(let bytes): bytes.count
        }
    }

    public var array: [UInt8] {
        switch storage {
        case .inline: withUnsafeBytes { Array($0) }
        case .array(let bytes): bytes
        }
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(let first, let second, let low, let high, let count):
            var words = (first, second, UInt64(low) | UInt64(high) << 32)
            return try Swift.withUnsafeBytes(of: &words) {
                try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(count))))
            }
        case .array(let bytes): return try bytes.withUnsafeBytes(body)
        }
    }
}

extension CompactKey: Hashable {
    /// XXH64 of the bytes with `seed`: the keyspace's tries read it with seed 0 (swift-collections'
    /// hash tries hash their keys this way), so a trie's shape, and the order it is walked in,
    /// depend on its keys alone, the same in every process and every run of a simulation seed.
    /// With `Hasher` (SipHash under a seed drawn per process) they did not, and walks and
    /// snapshots sorted each bucket to give the same order everywhere: half of what writing a
    /// snapshot cost. A fixed hash lets whoever picks the keys pick their hashes too; a trie is
    /// at most 13 levels deep whatever they are, and only keys whose 64 bits all agree share a
    /// node's linear list.
    public func _rawHashValue(seed: Int) -> Int {
        let hash = withUnsafeBytes { StableHash.xxh64($0, seed: UInt64(UInt(bitPattern: seed))) }
        return Int(truncatingIfNeeded: hash)
    }

    public static func == (left: CompactKey, right: CompactKey) -> Bool {
        switch (left.storage, right.storage) {
        case (.inline(let a0, let a1, let a2, let a3, let aCount), .inline(let b0, let b1, let b2, let b3, let bCount)):
            aCount == bCount && a0 == b0 && a1 == b1 && a2 == b2 && a3 == b3
        case (.array(let leftBytes), .array(let rightBytes)): leftBytes == rightBytes
        case (.inline, .array), (.array, .inline): false
        }
    }
}

/// Bytes kept compactly (`CompactBytes`, `CompactKey`): what follows from reading them.
public protocol InlineByteString {
    var count: Int { get }
    /// The bytes as an array (a copy when they are inline; shared when they are not).
    var array: [UInt8] { get }
    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result
}

extension InlineByteString {
    public var isEmpty: Bool { count == 0 }

    /// `bytes` at the start of `words` (zeros), the rest left zero; `bytes` must fit.
    static func padded<Words>(_ bytes: [UInt8], into words: Words) -> Words {
        var words = words
        withUnsafeMutableBytes(of: &words) { destination in
            precondition(bytes.count <= destination.count, "\(bytes.count) bytes do not fit inline")
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
        return words
    }

    /// The bytes, whatever their form: equal bytes hash alike.
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
