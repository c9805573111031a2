import SynodCore

/// The bytes of the typed Redis reads, inside a forwarded read or a transaction entry
/// (`ReadCommand.write(to:)`): a kind byte, then the fields. Decoding checks every field.
extension StringRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .length(let key):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
        case .range(let key, let start, let end):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: start))
            writer.write(UInt64(bitPattern: end))
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1: self = .length(key: try reader.readLengthPrefixedBytes())
        case 2:
            let key = try reader.readLengthPrefixedBytes()
            let start = Int64(bitPattern: try reader.readUInt64())
            self = .range(key: key, start: start, end: Int64(bitPattern: try reader.readUInt64()))
        case let kind: throw .invalid("unknown string read \(kind)")
        }
    }
}

extension KeyspaceRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .expiryTime(let key, let unit):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.write(unit.rawValue)
        case .type(let key):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
        case .keys(let pattern):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(pattern)
        case .scan(let cursor, let options):
            writer.write(UInt8(4))
            writer.write(cursor)
            options.write(to: &writer)
        case .randomKey:
            writer.write(UInt8(5))
        case .encoding(let key):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(key)
        case .use(let key, let use):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.write(use.rawValue)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let code = try reader.readUInt8()
            guard let unit = ExpiryUnit(rawValue: code) else { throw .invalid("expiry unit \(code)") }
            self = .expiryTime(key: key, unit: unit)
        case 2: self = .type(key: try reader.readLengthPrefixedBytes())
        case 3: self = .keys(pattern: try reader.readLengthPrefixedBytes())
        case 4:
            let cursor = try reader.readUInt64()
            self = .scan(cursor: cursor, options: try ScanOptions(reading: &reader))
        case 5: self = .randomKey
        case 6: self = .encoding(key: try reader.readLengthPrefixedBytes())
        case 7:
            let key = try reader.readLengthPrefixedBytes()
            let code = try reader.readUInt8()
            guard let use = KeyUse(rawValue: code) else { throw .invalid("key use \(code)") }
            self = .use(key: key, use)
        case let kind: throw .invalid("unknown keyspace read \(kind)")
        }
    }
}

extension HashRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .get(let key, let field):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
        case .multiGet(let key, let fields):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(fields, to: &writer)
        case .getAll(let key):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
        case .fields(let key):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
        case .values(let key):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
        case .length(let key):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(key)
        case .exists(let key, let field):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
        case .valueLength(let key, let field):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(field)
        case .scan(let key, let cursor, let options):
            writer.write(UInt8(9))
            writer.writeLengthPrefixed(key)
            writer.write(cursor)
            ScanOptions.write(options, to: &writer)
        case .randomFields(let key, let count, let withValues):
            writer.write(UInt8(10))
            writer.writeLengthPrefixed(key)
            writer.write(UInt8(count == nil ? 0 : withValues ? 2 : 1))
            if let count { writer.write(UInt64(bitPattern: count)) }
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let kind = try reader.readUInt8()
        let key = try reader.readLengthPrefixedBytes()
        switch kind {
        case 1: self = .get(key: key, field: try reader.readLengthPrefixedBytes())
        case 2: self = .multiGet(key: key, fields: try KeyValueEntry.readKeys(from: &reader))
        case 3: self = .getAll(key: key)
        case 4: self = .fields(key: key)
        case 5: self = .values(key: key)
        case 6: self = .length(key: key)
        case 7: self = .exists(key: key, field: try reader.readLengthPrefixedBytes())
        case 8: self = .valueLength(key: key, field: try reader.readLengthPrefixedBytes())
        case 9:
            let cursor = try reader.readUInt64()
            self = .scan(key: key, cursor: cursor, options: try ScanOptions.readResult(from: &reader))
        case 10:
            let form = try reader.readUInt8()
            guard form <= 2 else { throw .invalid("unknown HRANDFIELD form \(form)") }
            let count = form == 0 ? nil : Int64(bitPattern: try reader.readUInt64())
            // The parser's bound, checked again: the words may come from an older or forged peer.
            guard count.map({ $0.magnitude <= UInt64(SetRead.randomMembersMax) }) ?? true else {
                throw .invalid("an HRANDFIELD count out of range")
            }
            self = .randomFields(key: key, count: count, withValues: form == 2)
        default: throw .invalid("unknown hash read \(kind)")
        }
    }
}

extension ScanOptions {
    /// HSCAN's and SSCAN's options, or the error they wait to answer once the key is looked
    /// up: a flag (0 options, 2 an error; 1 an error as nodes before typed errors wrote it),
    /// then either.
    static func write(_ options: Result<ScanOptions, KeyValueError>, to writer: inout ByteWriter) {
        switch options {
        case .success(let options):
            writer.write(UInt8(0))
            options.write(to: &writer)
        case .failure(let error):
            writer.write(UInt8(2))
            error.write(to: &writer)
        }
    }

    static func readResult(
        from reader: inout ByteReader
    ) throws(ByteReader.Failure) -> Result<
        ScanOptions, KeyValueError
    > {
        switch try reader.readUInt8() {
        case 0: .success(try ScanOptions(reading: &reader))
        case 1: .failure(try KeyValueError(readingStoredMessage: &reader))
        case 2: .failure(try KeyValueError(reading: &reader))
        case let flag: throw .invalid("scan options flag \(flag)")
        }
    }
}

extension ScanOptions {
    func write(to writer: inout ByteWriter) {
        writer.write(UInt8(pattern == nil ? 0 : 1))
        writer.writeLengthPrefixed(pattern ?? [])
        writer.write(UInt64(count))
        writer.write(UInt8(type == nil ? 0 : 1))
        writer.writeLengthPrefixed(Array((type ?? "").utf8))
        writer.write(UInt8(withValues ? 1 : 0))
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let hasPattern = try reader.readFlag()
        let pattern = try reader.readLengthPrefixedBytes()
        let count = try reader.readUInt64()
        guard (1...UInt64(Self.countMax)).contains(count) else { throw .invalid("SCAN count \(count)") }
        let hasType = try reader.readFlag()
        let type = String(decoding: try reader.readLengthPrefixed(maximumCount: 1 << 10), as: UTF8.self)
        self.init(
            pattern: hasPattern ? pattern : nil,
            count: Int(count),
            type: hasType ? type : nil,
            withValues: try reader.readFlag()
        )
    }
}

extension ByteReader {
    /// A byte that is 0 or 1; any other value is refused (no correct node writes it).
    mutating func readFlag() throws(ByteReader.Failure) -> Bool {
        let byte = try readUInt8()
        guard byte <= 1 else { throw .invalid("flag \(byte)") }
        return byte == 1
    }
}
