import SynodConsensus
import SynodCore

/// The framing of one write-ahead-log record.
///
/// ```
/// offset  size  field
///      0     4  magic "SYNW"
///      4     1  kind
///      5     3  zero
///      8     4  payload length
///     12     4  CRC-32C of bytes 0..<12 (the header)
///     16     n  payload
///   16+n     4  CRC-32C of the header and the payload
///   20+n     4  end mark 3C C3 A5 5A
/// ```
///
/// The end mark's last byte is never zero and no single bit flip makes it zero, so a record
/// whose end mark is in place was written in full; a torn write (a prefix of the write, then
/// zeros or the end of the file) can never look complete. That is what lets recovery tell a
/// torn tail from a flipped bit (see `LogScanner`).
enum LogRecord {
    static let magic: UInt32 = 0x574E_5953
    static let endMark: UInt32 = 0x5AA5_C33C
    static let headerCount = 16
    static let footerCount = 8
    static let overheadCount = headerCount + footerCount
    /// The largest payload a record may carry (a batch of entries is split to fit).
    static let payloadBytesMax = SizeLimits.recordBytesMax
    /// The entries' own bytes (`LogEntry.sizeBytes`) one record takes at most; the rest of
    /// `payloadBytesMax` is room for their headers.
    static let entriesBytesMax = SizeLimits.commandBytesMax

    enum Kind: UInt8, Sendable {
        /// The first record of every segment: its sequence number and the format version.
        case segmentHeader = 1
        /// Entries of one group, at consecutive indexes; they replace any at those indexes
        /// and after.
        case entries = 2
        case hardState = 3
        /// The group's log now starts after a snapshot at (index, term), keeping the entries
        /// after it (compaction) or not (a snapshot that replaced the log); see `GroupLog`.
        case snapshotMarker = 4
    }

    static let formatVersion: UInt32 = 1

    /// Appends the framed record to `writer`.
    static func append(_ kind: Kind, to writer: inout ByteWriter, payload: (inout ByteWriter) -> Void) {
        let start = writer.bytes.count
        writer.write(magic)
        writer.write(kind.rawValue)
        writer.writeRaw([0, 0, 0])
        writer.write(UInt32(0))
        writer.write(UInt32(0))
        payload(&writer)
        let payloadCount = writer.bytes.count - start - headerCount
        precondition(payloadCount <= payloadBytesMax, "a log record of \(payloadCount) bytes")
        writer.overwrite(UInt32(payloadCount), at: start + 8)
        writer.overwrite(CRC32C.checksum(writer.bytes[start..<start + 12]), at: start + 12)
        writer.write(CRC32C.checksum(writer.bytes[start...]))
        writer.write(endMark)
    }

    static func segmentHeader(sequence: UInt64, to writer: inout ByteWriter) {
        append(.segmentHeader, to: &writer) {
            $0.write(sequence)
            $0.write(formatVersion)
        }
    }

    static func entries(_ entries: ArraySlice<LogEntry>, group: GroupID, to writer: inout ByteWriter) {
        append(.entries, to: &writer) {
            $0.write(group.rawValue)
            $0.write(UInt32(entries.count))
            for entry in entries { ConsensusEncoding.write(entry, to: &$0) }
        }
    }

    /// The bytes `entries(_:group:to:)` writes for `entries`, without writing them.
    static func entriesRecordByteCount(_ entries: ArraySlice<LogEntry>) -> Int {
        entries.reduce(overheadCount + 12) { $0 + ConsensusEncoding.encodedByteCount(of: $1) }
    }

    static func hardState(_ hardState: HardState, group: GroupID, to writer: inout ByteWriter) {
        append(.hardState, to: &writer) {
            $0.write(group.rawValue)
            ConsensusEncoding.write(hardState, to: &$0)
        }
    }

    static func snapshotMarker(
        _ position: LogPosition,
        replacesLog: Bool,
        group: GroupID,
        to writer: inout ByteWriter
    ) {
        append(.snapshotMarker, to: &writer) {
            $0.write(group.rawValue)
            $0.write(position.index.rawValue)
            $0.write(position.term.rawValue)
            $0.write(UInt8(replacesLog ? 1 : 0))
        }
    }
}

/// An index and the term of the entry there.
public struct LogPosition: Hashable, Sendable, CustomStringConvertible {
    public let index: LogIndex
    public let term: Term

    public init(index: LogIndex, term: Term) {
        self.index = index
        self.term = term
    }

    public static let zero = LogPosition(index: .zero, term: .zero)

    public var description: String { "\(term)/\(index)" }
}
