/// Decodes the commands a client sends, from a byte stream that arrives in pieces.
///
/// Two forms, as Redis accepts them: a multibulk array of bulk strings (`*2\r\n$3\r\nGET\r\n
/// $1\r\nk\r\n`, what client libraries send), and an inline command (`GET k\r\n`, what telnet
/// and redis-cli's inline mode send), with Redis's quoting rules. Bad input gets Redis's own
/// protocol error text; after one, the stream cannot be resynchronised and the decoder stays
/// failed, so the caller writes the error and closes the connection.
///
/// A multibulk is parsed as it arrives (the decoder remembers how far it got), so a large
/// value sent in many pieces costs linear time; limits bound every length before any memory
/// is reserved for it.
public struct RESPRequestDecoder: Sendable {
    public enum Output: Equatable, Sendable {
        /// One command: its name and arguments, as bytes.
        case command([[UInt8]])
        /// The buffered bytes do not yet hold a whole command.
        case needMoreData
        /// The stream is not valid RESP: reply `-ERR <message>` and close the connection.
        case protocolError(String)
        /// A whole request was read past and dropped (it is larger than `requestBytesMax`):
        /// reply `-ERR <message>`; the connection goes on.
        case refusedRequest(String)
    }

    public let limits: RESPLimits
    /// Until a client has authenticated, Redis's tighter limits apply: at most
    /// `unauthenticatedArrayCountMax` arguments of `unauthenticatedBulkBytesMax` bytes each.
    public var isAuthenticated = true
    public static let unauthenticatedArrayCountMax = 10
    public static let unauthenticatedBulkBytesMax = 16 << 10
    /// A bulk string this long or longer is received into an array of its own (`bigBulk`).
    static let bigBulkBytes = 32 << 10
    private var buffer: [UInt8] = []
    /// Where the next unread byte is. Invariant: `readIndex <= buffer.count`.
    private var readIndex = 0
    /// A multibulk in progress: the arguments read so far, how many are still due, and the
    /// length of the bulk string being read once its header is known.
    private var arguments: [[UInt8]] = []
    /// The bytes in `arguments`.
    private var argumentBytes = 0
    private var argumentsDue = 0
    private var bulkLength: Int?
    /// The bytes so far of the big bulk string being read (`bigBulkBytes` or longer): received
    /// straight into an array made for it once its header is read, which becomes the argument
    /// as it is, where a bulk in the receive buffer is copied out of it (and regrows it). For
    /// a 64 MiB value, that copy held the loop for tens of milliseconds.
    private var bigBulk: [UInt8]?
    /// The bytes of the multibulk in progress announced so far, headers included.
    private var requestBytes = 0
    /// Why the multibulk in progress is being skipped (it announced more than
    /// `requestBytesMax`): its bulks are read past as they arrive, never kept.
    private var skipping: String?
    private var failure: String?

    public init(limits: RESPLimits = RESPLimits()) { self.limits = limits }

    /// The bytes the receive buffer has room for (a big bulk is not in it: `bigBulk`).
    var bufferCapacity: Int { buffer.capacity }

    /// Bytes received and not yet decoded.
    public var bufferedCount: Int { buffer.count - readIndex }

    /// Bytes received and not yet handed out as commands: those not decoded, and the
    /// arguments already read of the multibulk in progress (Redis's query buffer, which
    /// `--client-query-buffer-limit` bounds).
    public var pendingBytes: Int { bufferedCount + argumentBytes + (bigBulk?.count ?? 0) }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        var rest = bytes[...]
        if bigBulk != nil, let length = bulkLength, readIndex == buffer.count {
            // The big bulk's own bytes go straight into its array (appended in place: no other
            // reference to it may be held here, or each append would copy it whole); what
            // follows it (its CRLF, the next requests) into the receive buffer.
            let direct = rest.prefix(length - bigBulk!.count)
            bigBulk!.append(contentsOf: direct)
            rest = rest.dropFirst(direct.count)
        }
        if readIndex > 0 && (readIndex >= buffer.count || readIndex > 1 << 16) {
            buffer.removeSubrange(..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: rest)
    }

    /// The next command, if the buffer holds one. Empty commands (a blank line, `*0`) are
    /// skipped, as Redis does.
    public mutating func next() -> Output {
        if let failure { return .protocolError(failure) }
        while true {
            let output: Output
            if argumentsDue > 0 {
                output = continueMultibulk()
            } else if readIndex < buffer.count {
                output = buffer[readIndex] == UInt8(ascii: "*") ? startMultibulk() : decodeInline()
            } else {
                return .needMoreData
            }
            switch output {
            case .command(let arguments) where arguments.isEmpty:
                continue
            case .protocolError(let message):
                failure = message
                return output
            default:
                return output
            }
        }
    }

    // MARK: - Lines

    /// The index of the `\r` of the next `\r\n` at or after `start`, or nil.
    private func lineEnd(from start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == UInt8(ascii: "\r") && buffer[index + 1] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }

    /// The integer on a header line (`*N` or `$N`), without its type byte.
    private func headerNumber(_ start: Int, _ end: Int) -> Int? {
        guard end > start, end - start <= 20 else { return nil }
        var value = 0
        var negative = false
        var index = start
        if buffer[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            guard index < end else { return nil }
        }
        while index < end {
            let byte = buffer[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (product, productOverflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, sumOverflow) = product.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !productOverflow, !sumOverflow else { return nil }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }

    // MARK: - Multibulk

    private mutating func startMultibulk() -> Output {
        guard let end = lineEnd(from: readIndex) else {
            return bufferedCount > limits.inlineBytesMax
                ? .protocolError("Protocol error: too big mbulk count string") : .needMoreData
        }
        guard let count = headerNumber(readIndex + 1, end), count <= limits.arrayCountMax else {
            return .protocolError("Protocol error: invalid multibulk length")
        }
        guard isAuthenticated || count <= Self.unauthenticatedArrayCountMax else {
            return .protocolError("Protocol error: unauthenticated multibulk length")
        }
        requestBytes = end + 2 - readIndex
        readIndex = end + 2
        guard count > 0 else { return .command([]) }
        arguments = []
        argumentBytes = 0
        arguments.reserveCapacity(min(count, 1024))
        argumentsDue = count
        bulkLength = nil
        return continueMultibulk()
    }

    private mutating func continueMultibulk() -> Output {
        while argumentsDue > 0 {
            if bulkLength == nil {
                guard readIndex < buffer.count else { return .needMoreData }
                guard buffer[readIndex] == UInt8(ascii: "$") else {
                    return .protocolError("Protocol error: expected '$', got '\(Self.printable(buffer[readIndex]))'")
                }
                guard let end = lineEnd(from: readIndex) else {
                    return bufferedCount > limits.inlineBytesMax
                        ? .protocolError("Protocol error: too big bulk count string") : .needMoreData
                }
                guard let length = headerNumber(readIndex + 1, end), length >= 0, length <= limits.bulkBytesMax else {
                    return .protocolError("Protocol error: invalid bulk length")
                }
                guard isAuthenticated || length <= Self.unauthenticatedBulkBytesMax else {
                    return .protocolError("Protocol error: unauthenticated bulk length")
                }
                // Checked when announced, before any of it is buffered. Neither sum overflows:
                // both terms are bounded far below Int.max. A request over the limit is still
                // valid RESP: it is read past and refused, and the connection goes on (Redis
                // would take it; closing would leave the client without the reason).
                requestBytes += end + 2 - readIndex + length + 2
                if skipping == nil && requestBytes > limits.requestBytesMax {
                    skipping = "ERR request larger than max-request-bytes (\(limits.requestBytesMax) bytes)"
                    arguments = []
                    argumentBytes = 0
                }
                readIndex = end + 2
                bulkLength = length
                if skipping == nil && length >= Self.bigBulkBytes {
                    // Room for all of it, made once (Redis too makes room past 32 KiB).
                    bigBulk = []
                    bigBulk!.reserveCapacity(length)
                }
            }
            if bigBulk != nil {
                // Bytes of the bulk that came in the receive buffer (with its header, or
                // behind other requests) move to its array; the rest arrive there directly.
                let moved = min(bulkLength! - bigBulk!.count, bufferedCount)
                bigBulk!.append(contentsOf: buffer[readIndex..<readIndex + moved])
                readIndex += moved
                guard bigBulk!.count == bulkLength!, bufferedCount >= 2 else { return .needMoreData }
                guard buffer[readIndex] == UInt8(ascii: "\r"), buffer[readIndex + 1] == UInt8(ascii: "\n") else {
                    return .protocolError("Protocol error: expected CRLF after a bulk string")
                }
                arguments.append(bigBulk!)
                argumentBytes += bulkLength!
                bigBulk = nil
                readIndex += 2
                bulkLength = nil
                argumentsDue -= 1
                continue
            }
            if skipping != nil {
                // Past the bulk's bytes as they arrive, down to its CRLF.
                let skipped = min(bulkLength!, bufferedCount)
                readIndex += skipped
                bulkLength! -= skipped
            }
            let length = bulkLength!
            guard bufferedCount >= length + 2 else { return .needMoreData }
            guard buffer[readIndex + length] == UInt8(ascii: "\r"), buffer[readIndex + length + 1] == UInt8(ascii: "\n")
            else { return .protocolError("Protocol error: expected CRLF after a bulk string") }
            if skipping == nil {
                arguments.append(Array(buffer[readIndex..<readIndex + length]))
                argumentBytes += length
            }
            readIndex += length + 2
            bulkLength = nil
            argumentsDue -= 1
        }
        defer {
            arguments = []
            argumentBytes = 0
            skipping = nil
        }
        if let skipping { return .refusedRequest(skipping) }
        return .command(arguments)
    }

    // MARK: - Inline

    private mutating func decodeInline() -> Output {
        guard let newline = buffer[readIndex...].firstIndex(of: UInt8(ascii: "\n")) else {
            return bufferedCount > limits.inlineBytesMax
                ? .protocolError("Protocol error: too big inline request") : .needMoreData
        }
        guard newline - readIndex <= limits.inlineBytesMax else {
            return .protocolError("Protocol error: too big inline request")
        }
        var end = newline
        if end > readIndex && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = buffer[readIndex..<end]
        readIndex = newline + 1
        guard let arguments = InlineSplitter.split(line) else {
            return .protocolError("Protocol error: unbalanced quotes in request")
        }
        return .command(arguments)
    }

    static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }
}
