/// The sizes each layer carries, written once and nested so that whatever a client may send
/// fits every layer under it: a request fits in a log entry's command, a command in a log
/// entry, an entry in a write-ahead-log record and in a peer frame.
///
/// A node refuses requests over its `--max-request-bytes` at the client edge, with a clear
/// error; that setting may not exceed `requestBytesCeiling`. The lower layers accept up to
/// their ceilings whatever the setting, so entries written by a node configured for larger
/// requests are still read after a restart or by a peer configured for smaller ones.
public enum SizeLimits {
    /// The largest request any node may be configured to accept (Redis's proto-max-bulk-len).
    public static let requestBytesCeiling = 512 << 20
    /// The default `--max-request-bytes`: large enough for any cache value in practice, small
    /// enough that one entry does not hold the log for long.
    public static let requestBytesDefault = 64 << 20
    /// Room for the headers around a request: entry and message fields, ids, lengths.
    public static let envelopeBytes = 64 << 10
    /// The largest command one log entry carries. A request's words encode to no more bytes
    /// than their RESP form (a 4-byte length per word, where RESP spends at least 6), and a
    /// typed command is smaller than its words.
    public static let commandBytesMax = requestBytesCeiling + envelopeBytes
    /// The largest write-ahead-log record: one entry at least, with its headers.
    public static let recordBytesMax = commandBytesMax + envelopeBytes
    /// The largest peer frame: one message carrying one entry at least, or one forwarded
    /// request, with its headers.
    public static let frameBytesMax = commandBytesMax + envelopeBytes
}
