import SynodCore

/// Limits on what one client may send, each a named setting with Redis's default.
public struct RESPLimits: Hashable, Sendable {
    /// The most bytes one command may take on the wire, headers included (`--max-request-bytes`):
    /// what it becomes in the log is never larger (see `SizeLimits`).
    public var requestBytesMax = SizeLimits.requestBytesDefault
    /// The longest bulk string (Redis `proto-max-bulk-len`).
    public var bulkBytesMax = 512 << 20
    /// The most arguments in one command (Redis refuses multibulk lengths over 1024 * 1024).
    public var arrayCountMax = 1024 * 1024
    /// The longest inline command, and the longest header line (`*N` or `$N`) in a multibulk.
    public var inlineBytesMax = 64 << 10

    public init() {}

    /// The bytes `words` take as a multibulk request, headers included: what
    /// `requestBytesMax` limits (the decoder counts the same as the bytes arrive).
    public static func requestBytes(of words: [[UInt8]]) -> Int {
        words.reduce(headerBytes(words.count)) { $0 + headerBytes($1.count) + $1.count + 2 }
    }

    /// `*N\r\n` or `$N\r\n`.
    static func headerBytes(_ number: Int) -> Int {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits + 3
    }

    /// Throws a description of the first setting out of range.
    public func validate() throws(RESPLimitsError) {
        guard bulkBytesMax >= 1, arrayCountMax >= 1, inlineBytesMax >= 16,
            requestBytesMax >= 1024, requestBytesMax <= SizeLimits.requestBytesCeiling
        else { throw RESPLimitsError(limits: self) }
    }
}

public struct RESPLimitsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let limits: RESPLimits
    public var description: String { "invalid RESP limits \(limits)" }
}
