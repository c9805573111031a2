/// Parses RESP2 replies from bytes that arrive in pieces (for clients that do not own a
/// blocking socket, such as the TLS one): simple strings, errors, integers, bulk strings,
/// arrays and RESP3's null. `next()` returns nil until a whole reply has arrived.
struct RESPReplyParser {
    /// Array nesting deeper than this is refused rather than followed (a test server's reply
    /// is never this deep).
    static let depthMax = 16
    /// Longer bulk strings are refused (Redis's proto-max-bulk-len is 512 MB).
    static let bulkBytesMax: Int64 = 512 << 20

    private var buffer: [UInt8] = []

    mutating func append(_ bytes: some Sequence<UInt8>) { buffer += bytes }

    /// The next whole reply, removed from the buffer; nil while it is incomplete.
    mutating func next() throws -> RESPReply? {
        var offset = 0
        guard let reply = try parse(at: &offset, depth: 0) else { return nil }
        buffer.removeFirst(offset)
        return reply
    }

    private func parse(at offset: inout Int, depth: Int) throws -> RESPReply? {
        guard depth <= Self.depthMax else { throw RESPProtocolError(description: "replies nested too deeply") }
        guard let line = line(at: &offset) else { return nil }
        guard let kind = line.first else { throw RESPProtocolError(description: "empty reply line") }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"): return .simpleString(rest)
        case UInt8(ascii: "-"): return .error(rest)
        case UInt8(ascii: ":"): return .integer(try integer(rest))
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "$"):
            let length = try integer(rest)
            guard length >= 0 else { return .bulkString(nil) }
            guard length <= Self.bulkBytesMax else { throw RESPProtocolError(description: "a bulk of \(length) bytes") }
            guard buffer.count - offset >= Int(length) + 2 else { return nil }
            defer { offset += Int(length) + 2 }
            return .bulkString(Array(buffer[offset..<offset + Int(length)]))
        case UInt8(ascii: "*"):
            let count = try integer(rest)
            guard count >= 0 else { return .array(nil) }
            var elements: [RESPReply] = []
            for _ in 0..<count {
                guard let element = try parse(at: &offset, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw RESPProtocolError(description: "unexpected reply type byte \(kind)")
        }
    }

    /// The line at `offset` without its CRLF, moving `offset` past it; nil if it is incomplete.
    private func line(at offset: inout Int) -> ArraySlice<UInt8>? {
        guard let end = buffer[offset...].firstIndex(of: 10), end > offset, buffer[end - 1] == 13 else { return nil }
        defer { offset = end + 1 }
        return buffer[offset..<end - 1]
    }

    private func integer(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw RESPProtocolError(description: "bad integer '\(text)'") }
        return value
    }
}
