import SynodCore

/// The bytes of the typed Redis writes inside an entry (`KeyValueEntry+Encoding`): a kind
/// byte, then the fields. Decoding checks every field as the entry's own decoding does.
extension StringWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .setIfAbsent(let key, let value):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(value)
        case .setExpiring(let key, let value, let milliseconds, let unit):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(value)
            writer.write(UInt64(bitPattern: milliseconds))
            writer.write(unit.rawValue)
        case .getSet(let key, let value):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(value)
        case .getDelete(let key):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
        case .getExpiring(let key, let expiry):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            switch expiry {
            case .unchanged:
                writer.write(UInt8(0))
                writer.write(UInt64(0))
            case .persist:
                writer.write(UInt8(1))
                writer.write(UInt64(0))
            case .afterMilliseconds(let milliseconds):
                writer.write(UInt8(2))
                writer.write(UInt64(bitPattern: milliseconds))
            case .atMilliseconds(let milliseconds):
                writer.write(UInt8(3))
                writer.write(UInt64(bitPattern: milliseconds))
            }
        case .setAllIfAbsent(let pairs):
            writer.write(UInt8(6))
            KeyValueEntry.write(pairs, to: &writer)
        case .incrementByFloat(let key, let increment):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(increment)
        case .append(let key, let value):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(value)
        case .setRange(let key, let offset, let value):
            writer.write(UInt8(9))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: offset))
            writer.writeLengthPrefixed(value)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func integer() throws(ByteReader.Failure) -> Int64 { Int64(bitPattern: try reader.readUInt64()) }
        switch try reader.readUInt8() {
        case 1:
            self = .setIfAbsent(key: try reader.readLengthPrefixedBytes(), value: try reader.readLengthPrefixedBytes())
        case 2:
            let key = try reader.readLengthPrefixedBytes()
            let value = try reader.readLengthPrefixedBytes()
            let milliseconds = try integer()
            let code = try reader.readUInt8()
            guard let unit = ExpiryUnit(rawValue: code) else { throw .invalid("expiry unit \(code)") }
            self = .setExpiring(key: key, value: value, milliseconds: milliseconds, unit: unit)
        case 3: self = .getSet(key: try reader.readLengthPrefixedBytes(), value: try reader.readLengthPrefixedBytes())
        case 4: self = .getDelete(key: try reader.readLengthPrefixedBytes())
        case 5:
            let key = try reader.readLengthPrefixedBytes()
            let kind = try reader.readUInt8()
            let amount = try integer()
            let expiry: GetExpiry
            switch kind {
            case 0 where amount == 0: expiry = .unchanged
            case 1 where amount == 0: expiry = .persist
            case 2: expiry = .afterMilliseconds(amount)
            case 3: expiry = .atMilliseconds(amount)
            default: throw .invalid("GETEX expiry kind \(kind)")
            }
            self = .getExpiring(key: key, expiry: expiry)
        case 6: self = .setAllIfAbsent(pairs: try KeyValueEntry.readPairs(from: &reader))
        case 7:
            self = .incrementByFloat(
                key: try reader.readLengthPrefixedBytes(),
                increment: try reader.readLengthPrefixedBytes()
            )
        case 8: self = .append(key: try reader.readLengthPrefixedBytes(), value: try reader.readLengthPrefixedBytes())
        case 9:
            let key = try reader.readLengthPrefixedBytes()
            let offset = try integer()
            self = .setRange(key: key, offset: offset, value: try reader.readLengthPrefixedBytes())
        case let kind: throw .invalid("unknown string write \(kind)")
        }
    }
}

extension HashWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .set(let key, let fields, let answersCount):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(fields, to: &writer)
            writer.write(UInt8(answersCount ? 1 : 0))
        case .setIfAbsent(let key, let field, let value):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
            writer.writeLengthPrefixed(value)
        case .delete(let key, let fields):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(fields, to: &writer)
        case .increment(let key, let field, let amount):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
            writer.write(UInt64(bitPattern: amount))
        case .incrementByFloat(let key, let field, let increment):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
            writer.writeLengthPrefixed(increment)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let fields = try KeyValueEntry.readPairs(from: &reader)
            self = .set(key: key, fields: fields, answersCount: try KeyValueEntry.readFlag(from: &reader))
        case 2:
            self = .setIfAbsent(
                key: try reader.readLengthPrefixedBytes(),
                field: try reader.readLengthPrefixedBytes(),
                value: try reader.readLengthPrefixedBytes()
            )
        case 3:
            self = .delete(key: try reader.readLengthPrefixedBytes(), fields: try KeyValueEntry.readKeys(from: &reader))
        case 4:
            let key = try reader.readLengthPrefixedBytes()
            let field = try reader.readLengthPrefixedBytes()
            self = .increment(key: key, field: field, by: Int64(bitPattern: try reader.readUInt64()))
        case 5:
            self = .incrementByFloat(
                key: try reader.readLengthPrefixedBytes(),
                field: try reader.readLengthPrefixedBytes(),
                increment: try reader.readLengthPrefixedBytes()
            )
        case let kind: throw .invalid("unknown hash write \(kind)")
        }
    }
}
