import SynodCommands
import SynodCore
import SynodKeyValue

/// A client request a follower hands to the leader, and the leader's answer.
public enum ForwardedRequest: Hashable, Sendable {
    case write(KeyValueCommand)
    case read(ReadCommand)
}

/// The binary forms of forwarded requests and their results.
enum ForwardingEncoding {
    static let keysMax = 1 << 20
    static let bytesMax = 512 << 20

    static func write(_ request: ForwardedRequest, to writer: inout ByteWriter) {
        switch request {
        case .write(let command):
            writer.write(UInt8(1))
            // The entry's own encoding; the leader stamps the time when it proposes.
            writer.writeLengthPrefixed(KeyValueEntry(requestID: 0, timeMilliseconds: 0, command: command).encoded)
        case .read(let command):
            writer.write(UInt8(2))
            switch command {
            case .get(let key):
                writer.write(UInt8(1))
                writer.writeLengthPrefixed(key)
            case .multiGet(let keys):
                writer.write(UInt8(2))
                writeKeys(keys, to: &writer)
            case .exists(let keys):
                writer.write(UInt8(3))
                writeKeys(keys, to: &writer)
            case .timeToLive(let key, let inMilliseconds):
                writer.write(UInt8(inMilliseconds ? 5 : 4))
                writer.writeLengthPrefixed(key)
            case .keyCount:
                writer.write(UInt8(6))
            }
        }
    }

    static func writeKeys(_ keys: [[UInt8]], to writer: inout ByteWriter) {
        writer.write(UInt32(keys.count))
        for key in keys { writer.writeLengthPrefixed(key) }
    }

    static func readKeys(from reader: inout ByteReader) throws(ByteReader.Failure) -> [[UInt8]] {
        let count = Int(try reader.readUInt32())
        guard count <= keysMax, count <= reader.remainingCount else { throw .invalid("\(count) keys") }
        var keys: [[UInt8]] = []
        for _ in 0..<count { keys.append(try reader.readLengthPrefixed(maximumCount: bytesMax)) }
        return keys
    }

    static func readRequest(from reader: inout ByteReader) throws(ByteReader.Failure) -> ForwardedRequest {
        switch try reader.readUInt8() {
        case 1:
            let entry = try KeyValueEntry(decoding: try reader.readLengthPrefixed(maximumCount: bytesMax))
            return .write(entry.command)
        case 2:
            switch try reader.readUInt8() {
            case 1: return .read(.get(key: try reader.readLengthPrefixed(maximumCount: bytesMax)))
            case 2: return .read(.multiGet(keys: try readKeys(from: &reader)))
            case 3: return .read(.exists(keys: try readKeys(from: &reader)))
            case 4:
                return .read(
                    .timeToLive(key: try reader.readLengthPrefixed(maximumCount: bytesMax), inMilliseconds: false)
                )
            case 5:
                return .read(
                    .timeToLive(key: try reader.readLengthPrefixed(maximumCount: bytesMax), inMilliseconds: true)
                )
            case 6: return .read(.keyCount)
            case let kind: throw .invalid("read kind \(kind)")
            }
        case let kind: throw .invalid("forwarded request kind \(kind)")
        }
    }

    static func write(_ result: KeyValueResult, to writer: inout ByteWriter) {
        switch result {
        case .ok:
            writer.write(UInt8(1))
        case .null:
            writer.write(UInt8(2))
        case .integer(let value):
            writer.write(UInt8(3))
            writer.write(UInt64(bitPattern: value))
        case .value(let bytes):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(bytes)
        case .values(let values):
            writer.write(UInt8(5))
            writer.write(UInt32(values.count))
            for value in values {
                writer.write(UInt8(value == nil ? 0 : 1))
                writer.writeLengthPrefixed(value ?? [])
            }
        case .error(let message):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(Array(message.utf8))
        }
    }

    static func readResult(from reader: inout ByteReader) throws(ByteReader.Failure) -> KeyValueResult {
        switch try reader.readUInt8() {
        case 1: return .ok
        case 2: return .null
        case 3: return .integer(Int64(bitPattern: try reader.readUInt64()))
        case 4: return .value(try reader.readLengthPrefixed(maximumCount: bytesMax))
        case 5:
            let count = Int(try reader.readUInt32())
            guard count <= keysMax, count <= reader.remainingCount else { throw .invalid("\(count) values") }
            var values: [[UInt8]?] = []
            for _ in 0..<count {
                let present = try reader.readUInt8() == 1
                let bytes = try reader.readLengthPrefixed(maximumCount: bytesMax)
                values.append(present ? bytes : nil)
            }
            return .values(values)
        case 6: return .error(String(decoding: try reader.readLengthPrefixed(maximumCount: 1 << 16), as: UTF8.self))
        case let kind: throw .invalid("result kind \(kind)")
        }
    }
}
