/// Appends fixed-width little-endian integers and length-prefixed byte strings to a buffer:
/// the one binary encoding that disk records and peer messages share.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes the count as a `UInt32`, then the bytes.
    public mutating func writeLengthPrefixed(_ data: [UInt8]) {
        precondition(data.count <= Int(UInt32.max), "a byte string longer than 4 GiB")
        write(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    public mutating func writeRaw(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    /// Overwrites four bytes at `offset` (for lengths and checksums known only at the end).
    public mutating func overwrite(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "overwrite past the end")
        withUnsafeBytes(of: value.littleEndian) { raw in
            for position in 0..<4 { bytes[offset + position] = raw[position] }
        }
    }
}

/// Reads what `ByteWriter` wrote, checking every length against what is left: input from a
/// disk or a peer is untrusted, so a short or lying buffer is an error, never a crash.
public struct ByteReader: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// The buffer ended `missingBytes` short of a field.
        case truncated(missingBytes: Int)
        /// A field holds a value the format does not allow.
        case invalid(String)
    }

    private let bytes: ArraySlice<UInt8>
    public private(set) var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remainingCount: Int { bytes.endIndex - position }
    public var isAtEnd: Bool { position == bytes.endIndex }

    private mutating func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
        guard count <= remainingCount else { throw .truncated(missingBytes: count - remainingCount) }
        defer { position += count }
        return bytes[position..<position + count]
    }

    public mutating func readUInt8() throws(Failure) -> UInt8 { try take(1).first! }

    public mutating func readUInt32() throws(Failure) -> UInt32 {
        let field = try take(4)
        var value: UInt32 = 0
        for (shift, byte) in field.enumerated() { value |= UInt32(byte) << (8 * shift) }
        return value
    }

    public mutating func readUInt64() throws(Failure) -> UInt64 {
        let field = try take(8)
        var value: UInt64 = 0
        for (shift, byte) in field.enumerated() { value |= UInt64(byte) << (8 * shift) }
        return value
    }

    /// Reads a `UInt32` count, then that many bytes; refuses counts above `maximumCount`.
    public mutating func readLengthPrefixed(maximumCount: Int) throws(Failure) -> [UInt8] {
        let count = Int(try readUInt32())
        guard count <= maximumCount else { throw .invalid("length \(count) over the limit \(maximumCount)") }
        return Array(try take(count))
    }

    public mutating func readRaw(count: Int) throws(Failure) -> ArraySlice<UInt8> { try take(count) }
}
