import SynodCommands
import SynodCore
import SynodKeyValue
import SynodRuntime

/// A client request a follower hands to the leader (a write as the entry the leader proposes,
/// with the follower's client session, request id and the client it came from; the leader
/// stamps the time), and the leader's answer.
public typealias ForwardedRequest = GroupRequest<KeyValueStore>
public typealias ForwardedOutcome = GroupOutcome<KeyValueStore>

/// The binary forms of forwarded requests and their results.
enum ForwardingEncoding {
    static let bytesMax = SizeLimits.commandBytesMax

    /// A forwarded write whose entry is already encoded.
    static func writeEncodedWrite(_ encodedEntry: [UInt8], to writer: inout ByteWriter) {
        writer.write(UInt8(1))
        writer.writeLengthPrefixed(encodedEntry)
    }

    static func write(_ request: ForwardedRequest, to writer: inout ByteWriter) {
        switch request {
        case .write(let entry):
            writeEncodedWrite(entry.encoded, to: &writer)
        case .read(let command):
            writer.write(UInt8(2))
            command.write(to: &writer)
        }
    }

    static func readRequest(from reader: inout ByteReader) throws(ByteReader.Failure) -> ForwardedRequest {
        switch try reader.readUInt8() {
        case 1:
            return .write(try KeyValueEntry(decoding: try reader.readLengthPrefixed(maximumCount: bytesMax)))
        case 2: return .read(try ReadCommand(reading: &reader))
        case let kind: throw .invalid("forwarded request kind \(kind)")
        }
    }

    static func write(_ result: KeyValueResult, to writer: inout ByteWriter) { result.write(to: &writer) }

    static func readResult(from reader: inout ByteReader) throws(ByteReader.Failure) -> KeyValueResult {
        try KeyValueResult(reading: &reader)
    }
}
