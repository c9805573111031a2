import SynodCommands
import SynodCore
import SynodKeyValue

/// A client request a follower hands to the leader, and the leader's answer.
public enum ForwardedRequest: Hashable, Sendable {
    /// A write, with the client it came from (see `KeyValueEntry.origin`).
    case write(KeyValueCommand, origin: UInt64 = 0)
    case read(ReadCommand)
}

/// The binary forms of forwarded requests and their results.
enum ForwardingEncoding {
    static let bytesMax = SizeLimits.commandBytesMax

    static func write(_ request: ForwardedRequest, to writer: inout ByteWriter) {
        switch request {
        case .write(let command, let origin):
            writer.write(UInt8(1))
            // The entry's own encoding; the leader stamps the time when it proposes.
            writer.writeLengthPrefixed(
                KeyValueEntry(requestID: 0, timeMilliseconds: 0, command: command, origin: origin).encoded
            )
        case .read(let command):
            writer.write(UInt8(2))
            command.write(to: &writer)
        }
    }

    static func readRequest(from reader: inout ByteReader) throws(ByteReader.Failure) -> ForwardedRequest {
        switch try reader.readUInt8() {
        case 1:
            let entry = try KeyValueEntry(decoding: try reader.readLengthPrefixed(maximumCount: bytesMax))
            return .write(entry.command, origin: entry.origin)
        case 2: return .read(try ReadCommand(reading: &reader))
        case let kind: throw .invalid("forwarded request kind \(kind)")
        }
    }

    static func write(_ result: KeyValueResult, to writer: inout ByteWriter) { result.write(to: &writer) }

    static func readResult(from reader: inout ByteReader) throws(ByteReader.Failure) -> KeyValueResult {
        try KeyValueResult(reading: &reader)
    }
}
