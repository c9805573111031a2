/// The protocol version a connection speaks: RESP2 by default, RESP3 after `HELLO 3`.
public enum RESPVersion: Int, Hashable, Sendable {
    case resp2 = 2
    case resp3 = 3
}

/// Writes replies into a byte buffer, in the connection's protocol version. Each RESP3 type
/// has the RESP2 form Redis itself falls back to (a map becomes a flat array, null a null
/// bulk string, a boolean an integer, a double a bulk string, a push an array).
public struct RESPWriter: Sendable {
    public var version: RESPVersion
    public private(set) var bytes: [UInt8] = []

    public init(version: RESPVersion = .resp2) { self.version = version }

    /// Hands the bytes written so far to the caller and starts empty.
    public mutating func take() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    /// Starts empty, keeping the capacity (a connection's output, reused across flushes).
    public mutating func clear() { bytes.removeAll(keepingCapacity: true) }

    /// Appends bytes that are already RESP (a reply written by another writer).
    public mutating func append(encoded: [UInt8]) { bytes.append(contentsOf: encoded) }

    private mutating func line(_ prefix: UInt8, _ text: some StringProtocol) {
        bytes.append(prefix)
        bytes.append(contentsOf: text.utf8)
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// `+OK`: a short status with no CR or LF in it.
    public mutating func simpleString(_ text: String) {
        precondition(!text.utf8.contains(0x0D) && !text.utf8.contains(0x0A), "a simple string holds no line break")
        line(UInt8(ascii: "+"), text)
    }

    /// `-ERR ...`: the text must start with the error code (`ERR`, `WRONGTYPE`, ...). Line
    /// breaks are replaced by spaces, as Redis does.
    public mutating func error(_ text: String) {
        bytes.append(UInt8(ascii: "-"))
        bytes.append(contentsOf: text.utf8.map { $0 == 0x0D || $0 == 0x0A ? 0x20 : $0 })
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    public mutating func integer(_ value: Int64) { line(UInt8(ascii: ":"), String(value)) }

    public mutating func bulkString(_ value: some Collection<UInt8>) {
        line(UInt8(ascii: "$"), String(value.count))
        bytes.append(contentsOf: value)
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    public mutating func bulkString(_ text: String) { bulkString(Array(text.utf8)) }

    /// Text as Redis sends CLIENT LIST and INFO in RESP3 (`=N\r\ntxt:...`), a bulk string in RESP2.
    public mutating func verbatim(_ text: String) {
        guard version == .resp3 else { return bulkString(text) }
        let payload = Array("txt:".utf8) + Array(text.utf8)
        line(UInt8(ascii: "="), String(payload.count))
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// The absent value: `$-1` in RESP2, `_` in RESP3.
    public mutating func null() {
        switch version {
        case .resp2: bytes.append(contentsOf: Array("$-1\r\n".utf8))
        case .resp3: bytes.append(contentsOf: Array("_\r\n".utf8))
        }
    }

    /// An absent array: `*-1` in RESP2 (what EXEC answers when a WATCH fails), `_` in RESP3.
    public mutating func nullArray() {
        switch version {
        case .resp2: bytes.append(contentsOf: Array("*-1\r\n".utf8))
        case .resp3: bytes.append(contentsOf: Array("_\r\n".utf8))
        }
    }

    /// The header of an array of `count` elements; the caller writes them next.
    public mutating func arrayHeader(_ count: Int) { line(UInt8(ascii: "*"), String(count)) }

    /// The header of a map of `count` pairs (a flat array of `2 * count` in RESP2).
    public mutating func mapHeader(_ count: Int) {
        switch version {
        case .resp2: arrayHeader(2 * count)
        case .resp3: line(UInt8(ascii: "%"), String(count))
        }
    }

    /// The header of a set of `count` elements (an array in RESP2).
    public mutating func setHeader(_ count: Int) {
        switch version {
        case .resp2: arrayHeader(count)
        case .resp3: line(UInt8(ascii: "~"), String(count))
        }
    }

    /// The header of an out-of-band push of `count` elements (an array in RESP2, where pushes
    /// only go to connections in subscribe mode).
    public mutating func pushHeader(_ count: Int) {
        switch version {
        case .resp2: arrayHeader(count)
        case .resp3: line(UInt8(ascii: ">"), String(count))
        }
    }

    /// `#t` / `#f` in RESP3, `:1` / `:0` in RESP2.
    public mutating func boolean(_ value: Bool) {
        switch version {
        case .resp2: integer(value ? 1 : 0)
        case .resp3: line(UInt8(ascii: "#"), value ? "t" : "f")
        }
    }

    /// A double already written as text (`1.5`, `inf`): `,1.5` in RESP3, a bulk string in RESP2.
    public mutating func double(text: String) {
        switch version {
        case .resp2: bulkString(text)
        case .resp3: line(UInt8(ascii: ","), text)
        }
    }
}
