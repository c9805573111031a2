/// Bytes held without an allocation of their own when there are at most `inlineCapacity` of
/// them: inline in the record or the trie slot that holds them. Most of a cache's keys and
/// many of its values are that short, and as arrays each would cost a separate block (a
/// 32-byte header, then malloc's rounding: 16 bytes of key take a 48-byte block) and a pointer
/// to follow on every lookup. Longer bytes stay an array, shared rather than copied.
///
/// Invariant: the form follows from the count alone (inline exactly when `count <=
/// inlineCapacity`, with the unused inline bytes zero), so equal bytes are equal values.
public struct CompactBytes: Sendable, InlineByteString {
    public static var inlineCapacity: Int { 32 }

    private typealias Words = (UInt64, UInt64, UInt64, UInt64)

    private enum Storage: Sendable {
        case inline(Words, count: UInt8)
        case array([UInt8])
    }

    private var storage: Storage

    public init(_ bytes: [UInt8]) {
        guard bytes.count <= Self.inlineCapacity else {
            storage = .array(bytes)
            return
        }
        storage = .inline(Self.padded(bytes, into: (0, 0, 0, 0)), count: UInt8(bytes.count))
    }

    public var count: Int {
        switch storage {
        case .inline(_, let count): Int(count)
        case .array(let bytes): bytes.count
        }
    }

    public var array: [UInt8] {
        switch storage {
        case .inline(var words, let count):
            Swift.withUnsafeBytes(of: &words) { Array($0.prefix(Int(count))) }
        case .array(let bytes): bytes
        }
    }

    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(var words, let count):
            try Swift.withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(count)))) }
        case .array(let bytes): try bytes.withUnsafeBytes(body)
        }
    }
}

extension CompactBytes: Hashable {
    public static func == (left: CompactBytes, right: CompactBytes) -> Bool {
        switch (left.storage, right.storage) {
        case (.inline(let leftWords, let leftCount), .inline(let rightWords, let rightCount)):
            leftCount == rightCount && leftWords.0 == rightWords.0 && leftWords.1 == rightWords.1
                && leftWords.2 == rightWords.2 && leftWords.3 == rightWords.3
        case (.array(let leftBytes), .array(let rightBytes)): leftBytes == rightBytes
        case (.inline, .array), (.array, .inline): false
        }
    }
}
