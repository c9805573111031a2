/// Limits on what one client may send, each a named setting with Redis's default.
public struct RESPLimits: Hashable, Sendable {
    /// The longest bulk string (Redis `proto-max-bulk-len`).
    public var bulkBytesMax = 512 << 20
    /// The most arguments in one command (Redis refuses multibulk lengths over 1024 * 1024).
    public var arrayCountMax = 1024 * 1024
    /// The longest inline command, and the longest header line (`*N` or `$N`) in a multibulk.
    public var inlineBytesMax = 64 << 10

    public init() {}

    /// Throws a description of the first setting out of range.
    public func validate() throws(RESPLimitsError) {
        guard bulkBytesMax >= 1, arrayCountMax >= 1, inlineBytesMax >= 16 else { throw RESPLimitsError(limits: self) }
    }
}

public struct RESPLimitsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let limits: RESPLimits
    public var description: String { "invalid RESP limits \(limits)" }
}
