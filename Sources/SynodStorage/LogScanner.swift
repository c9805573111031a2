import SynodCore

/// Splits one segment's bytes into records, and says how the segment ends.
///
/// The fault model (documented in docs/STORAGE.md): a crash keeps a prefix of the writes that
/// were not yet synced, possibly followed by zeros up to the size the writes reached; a bit
/// flip can strike any byte, synced or not. Under it, a record that fails its checks is a torn
/// tail exactly when the file from some point inside that record to its end is all zeros (or
/// the file ends inside it): a torn write cannot leave a complete record with its end mark.
/// Anything else is corruption, never truncated away.
struct LogScanner {
    struct Record {
        let offset: Int
        let kind: LogRecord.Kind
        let payload: ArraySlice<UInt8>
        var count: Int { payload.count + LogRecord.overheadCount }
    }

    enum Ending: Equatable {
        /// The last record ends at the end of the file.
        case clean
        /// An unfinished write starts at `offset`; everything from there on may be dropped.
        case torn(offset: Int)
        /// Data that was written in full no longer reads back as written.
        case corrupt(offset: Int, reason: String)
    }

    let bytes: [UInt8]
    /// Where the run of zeros that ends the file starts (`bytes.count` if the last byte is not zero).
    let zeroTailStart: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var start = bytes.count
        while start > 0 && bytes[start - 1] == 0 { start -= 1 }
        zeroTailStart = start
    }

    /// Every valid record from the start, and how the segment ends.
    func scan() -> (records: [Record], ending: Ending) {
        var records: [Record] = []
        var offset = 0
        while offset < bytes.count {
            switch record(at: offset) {
            case .success(let record):
                records.append(record)
                offset += record.count
            case .failure(let failure):
                return (records, classify(failure, at: offset))
            }
        }
        return (records, .clean)
    }

    private struct Failure: Error {
        /// Where the record would end, when its header could be trusted.
        let end: Int?
        let reason: String
    }

    private func classify(_ failure: Failure, at offset: Int) -> Ending {
        // A torn write leaves zeros (or nothing) from the cut to the end of the file; the cut
        // lies inside the failed record, before its end mark.
        let recordEnd = failure.end ?? offset + LogRecord.headerCount
        return zeroTailStart < recordEnd ? .torn(offset: offset) : .corrupt(offset: offset, reason: failure.reason)
    }

    private func field(_ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private func record(at offset: Int) -> Result<Record, Failure> {
        guard bytes.count - offset >= LogRecord.headerCount else {
            return .failure(Failure(end: nil, reason: "the file ends inside a record header"))
        }
        guard field(offset) == LogRecord.magic, bytes[offset + 5] == 0, bytes[offset + 6] == 0, bytes[offset + 7] == 0,
            CRC32C.checksum(bytes[offset..<offset + 12]) == field(offset + 12)
        else { return .failure(Failure(end: nil, reason: "record header checksum mismatch")) }
        let payloadCount = Int(field(offset + 8))
        let end = offset + LogRecord.overheadCount + payloadCount
        guard payloadCount <= LogRecord.payloadBytesMax else {
            return .failure(Failure(end: nil, reason: "record length \(payloadCount) over the limit"))
        }
        guard end <= bytes.count else {
            return .failure(Failure(end: end, reason: "the file ends inside a record"))
        }
        let payloadEnd = offset + LogRecord.headerCount + payloadCount
        guard field(payloadEnd + 4) == LogRecord.endMark,
            CRC32C.checksum(bytes[offset..<payloadEnd]) == field(payloadEnd)
        else { return .failure(Failure(end: end, reason: "record checksum mismatch")) }
        guard let kind = LogRecord.Kind(rawValue: bytes[offset + 4]) else {
            return .failure(Failure(end: end, reason: "unknown record kind \(bytes[offset + 4])"))
        }
        return .success(
            Record(offset: offset, kind: kind, payload: bytes[offset + LogRecord.headerCount..<payloadEnd])
        )
    }
}
