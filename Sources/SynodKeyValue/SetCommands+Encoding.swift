import SynodCore

/// The bytes of the typed set commands inside an entry or a forwarded read, as
/// `ListCommands+Encoding`.
extension SetWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .add(let key, let members):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(members, to: &writer)
        case .remove(let key, let members):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(members, to: &writer)
        case .pop(let key, let count):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
        case .move(let source, let destination, let member):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(source)
            writer.writeLengthPrefixed(destination)
            writer.writeLengthPrefixed(member)
        case .store(let operation, let destination, let keys):
            writer.write(UInt8(5))
            writer.write(operation.rawValue)
            writer.writeLengthPrefixed(destination)
            KeyValueEntry.write(keys, to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            self = .add(key: try reader.readLengthPrefixedBytes(), members: try KeyValueEntry.readKeys(from: &reader))
        case 2:
            self = .remove(
                key: try reader.readLengthPrefixedBytes(),
                members: try KeyValueEntry.readKeys(from: &reader)
            )
        case 3:
            let key = try reader.readLengthPrefixedBytes()
            self = .pop(key: key, count: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) })
        case 4:
            let source = try reader.readLengthPrefixedBytes()
            let destination = try reader.readLengthPrefixedBytes()
            self = .move(source: source, destination: destination, member: try reader.readLengthPrefixedBytes())
        case 5:
            let operation = try SetOperation(reading: &reader)
            let destination = try reader.readLengthPrefixedBytes()
            self = .store(
                operation: operation,
                destination: destination,
                keys: try KeyValueEntry.readKeys(from: &reader)
            )
        case let kind: throw .invalid("unknown set write \(kind)")
        }
    }
}

extension SetOperation {
    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let code = try reader.readUInt8()
        guard let operation = SetOperation(rawValue: code) else { throw .invalid("set operation \(code)") }
        self = operation
    }
}

extension SetRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .members(let key):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
        case .isMember(let key, let member):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(member)
        case .areMembers(let key, let members):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(members, to: &writer)
        case .cardinality(let key):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
        case .randomMembers(let key, let count):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
        case .combine(let operation, let keys):
            writer.write(UInt8(6))
            writer.write(operation.rawValue)
            KeyValueEntry.write(keys, to: &writer)
        case .intersectionCardinality(let keys, let limit):
            writer.write(UInt8(7))
            KeyValueEntry.write(keys, to: &writer)
            writer.write(UInt64(bitPattern: limit))
        case .scan(let key, let cursor, let options):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(key)
            writer.write(cursor)
            ScanOptions.write(options, to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1: self = .members(key: try reader.readLengthPrefixedBytes())
        case 2:
            self = .isMember(key: try reader.readLengthPrefixedBytes(), member: try reader.readLengthPrefixedBytes())
        case 3:
            self = .areMembers(
                key: try reader.readLengthPrefixedBytes(),
                members: try KeyValueEntry.readKeys(from: &reader)
            )
        case 4: self = .cardinality(key: try reader.readLengthPrefixedBytes())
        case 5:
            let key = try reader.readLengthPrefixedBytes()
            self = .randomMembers(
                key: key,
                count: try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            )
        case 6:
            let operation = try SetOperation(reading: &reader)
            self = .combine(operation: operation, keys: try KeyValueEntry.readKeys(from: &reader))
        case 7:
            let keys = try KeyValueEntry.readKeys(from: &reader)
            self = .intersectionCardinality(keys: keys, limit: Int64(bitPattern: try reader.readUInt64()))
        case 8:
            let key = try reader.readLengthPrefixedBytes()
            let cursor = try reader.readUInt64()
            self = .scan(key: key, cursor: cursor, options: try ScanOptions.readResult(from: &reader))
        case let kind: throw .invalid("unknown set read \(kind)")
        }
    }
}
