import SynodCore

/// The bytes of the typed list commands inside an entry or a forwarded read: a kind byte,
/// then the fields. Decoding checks every field as the entry's own decoding does.
extension ListWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .push(let key, let elements, let end, let onlyIfExists):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            KeyValueEntry.write(elements, to: &writer)
            writer.write(end.rawValue)
            writer.write(UInt8(onlyIfExists ? 1 : 0))
        case .pop(let key, let end, let count):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            writer.write(end.rawValue)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
        case .popFromFirst(let keys, let end, let count):
            writer.write(UInt8(3))
            KeyValueEntry.write(keys, to: &writer)
            writer.write(end.rawValue)
            writer.write(UInt64(bitPattern: count))
        case .set(let key, let index, let element):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: index))
            writer.writeLengthPrefixed(element)
        case .insert(let key, let after, let pivot, let element):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            writer.write(UInt8(after ? 1 : 0))
            writer.writeLengthPrefixed(pivot)
            writer.writeLengthPrefixed(element)
        case .remove(let key, let count, let element):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: count))
            writer.writeLengthPrefixed(element)
        case .trim(let key, let start, let stop):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: start))
            writer.write(UInt64(bitPattern: stop))
        case .move(let source, let destination, let from, let to):
            writer.write(UInt8(8))
            writer.writeLengthPrefixed(source)
            writer.writeLengthPrefixed(destination)
            writer.write(from.rawValue)
            writer.write(to.rawValue)
        case .blocking(let pop, let timeout):
            writer.write(UInt8(9))
            writer.write(UInt64(bitPattern: timeout))
            switch pop {
            case .element(let keys, let end):
                writer.write(UInt8(1))
                KeyValueEntry.write(keys, to: &writer)
                writer.write(end.rawValue)
            case .elements(let keys, let end, let count):
                writer.write(UInt8(2))
                KeyValueEntry.write(keys, to: &writer)
                writer.write(end.rawValue)
                writer.write(UInt64(bitPattern: count))
            case .move(let source, let destination, let from, let to):
                writer.write(UInt8(3))
                writer.writeLengthPrefixed(source)
                writer.writeLengthPrefixed(destination)
                writer.write(from.rawValue)
                writer.write(to.rawValue)
            case .sortedSetMember(let keys, let end):
                writer.write(UInt8(4))
                KeyValueEntry.write(keys, to: &writer)
                writer.write(end.rawValue)
            case .sortedSetMembers(let keys, let end, let count):
                writer.write(UInt8(5))
                KeyValueEntry.write(keys, to: &writer)
                writer.write(end.rawValue)
                writer.write(UInt64(bitPattern: count))
            case .streamEntries(let keys, let after, let count):
                writer.write(UInt8(6))
                StreamRead.read(keys: keys, after: after, count: count).write(to: &writer)
            case .groupEntries(let group, let consumer, let keys, let after, let count, let noAcknowledge):
                writer.write(UInt8(7))
                StreamWrite.readGroup(
                    group: group,
                    consumer: consumer,
                    keys: keys,
                    after: after,
                    count: count,
                    noAcknowledge: noAcknowledge
                ).write(to: &writer)
            }
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func integer() throws(ByteReader.Failure) -> Int64 { Int64(bitPattern: try reader.readUInt64()) }
        func end() throws(ByteReader.Failure) -> ListValue.End {
            let code = try reader.readUInt8()
            guard let end = ListValue.End(rawValue: code) else { throw .invalid("list end \(code)") }
            return end
        }
        switch try reader.readUInt8() {
        case 1:
            let key = try reader.readLengthPrefixedBytes()
            let elements = try KeyValueEntry.readKeys(from: &reader)
            let end = try end()
            self = .push(
                key: key,
                elements: elements,
                end: end,
                onlyIfExists: try KeyValueEntry.readFlag(from: &reader)
            )
        case 2:
            let key = try reader.readLengthPrefixedBytes()
            let end = try end()
            let count = try KeyValueEntry.readOptional(from: &reader)
            self = .pop(key: key, end: end, count: count.map { Int64(bitPattern: $0) })
        case 3:
            let keys = try KeyValueEntry.readKeys(from: &reader)
            let end = try end()
            self = .popFromFirst(keys: keys, end: end, count: try integer())
        case 4:
            let key = try reader.readLengthPrefixedBytes()
            let index = try integer()
            self = .set(key: key, index: index, element: try reader.readLengthPrefixedBytes())
        case 5:
            let key = try reader.readLengthPrefixedBytes()
            let after = try KeyValueEntry.readFlag(from: &reader)
            let pivot = try reader.readLengthPrefixedBytes()
            self = .insert(key: key, after: after, pivot: pivot, element: try reader.readLengthPrefixedBytes())
        case 6:
            let key = try reader.readLengthPrefixedBytes()
            let count = try integer()
            self = .remove(key: key, count: count, element: try reader.readLengthPrefixedBytes())
        case 7:
            let key = try reader.readLengthPrefixedBytes()
            let start = try integer()
            self = .trim(key: key, start: start, stop: try integer())
        case 8:
            let source = try reader.readLengthPrefixedBytes()
            let destination = try reader.readLengthPrefixedBytes()
            let from = try end()
            self = .move(source: source, destination: destination, from: from, to: try end())
        case 9:
            let timeout = try integer()
            let pop: BlockingPop
            switch try reader.readUInt8() {
            case 1:
                let keys = try KeyValueEntry.readKeys(from: &reader)
                pop = .element(keys: keys, end: try end())
            case 2:
                let keys = try KeyValueEntry.readKeys(from: &reader)
                let end = try end()
                pop = .elements(keys: keys, end: end, count: try integer())
            case 3:
                let source = try reader.readLengthPrefixedBytes()
                let destination = try reader.readLengthPrefixedBytes()
                let from = try end()
                pop = .move(source: source, destination: destination, from: from, to: try end())
            case 4:
                let keys = try KeyValueEntry.readKeys(from: &reader)
                pop = .sortedSetMember(keys: keys, end: try SortedSetEnd(reading: &reader))
            case 5:
                let keys = try KeyValueEntry.readKeys(from: &reader)
                let end = try SortedSetEnd(reading: &reader)
                pop = .sortedSetMembers(keys: keys, end: end, count: try integer())
            case 6:
                guard case .read(let keys, let after, let count) = try StreamRead(reading: &reader) else {
                    throw .invalid("a blocking stream read of another kind")
                }
                pop = .streamEntries(keys: keys, after: after, count: count)
            case 7:
                guard
                    case .readGroup(let group, let consumer, let keys, let after, let count, let noAcknowledge) =
                        try StreamWrite(reading: &reader)
                else { throw .invalid("a blocking group read of another kind") }
                pop = .groupEntries(
                    group: group,
                    consumer: consumer,
                    keys: keys,
                    after: after,
                    count: count,
                    noAcknowledge: noAcknowledge
                )
            case let kind: throw .invalid("unknown blocking pop \(kind)")
            }
            self = .blocking(pop, timeoutMilliseconds: timeout)
        case let kind: throw .invalid("unknown list write \(kind)")
        }
    }
}

extension ListRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .range(let key, let start, let stop):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: start))
            writer.write(UInt64(bitPattern: stop))
        case .length(let key):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
        case .index(let key, let index):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            writer.write(UInt64(bitPattern: index))
        case .position(let key, let element, let rank, let count, let maxLength):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(element)
            writer.write(UInt64(bitPattern: rank))
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
            writer.write(UInt64(bitPattern: maxLength))
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func integer() throws(ByteReader.Failure) -> Int64 { Int64(bitPattern: try reader.readUInt64()) }
        let kind = try reader.readUInt8()
        let key = try reader.readLengthPrefixedBytes()
        switch kind {
        case 1:
            let start = try integer()
            self = .range(key: key, start: start, stop: try integer())
        case 2: self = .length(key: key)
        case 3: self = .index(key: key, index: try integer())
        case 4:
            let element = try reader.readLengthPrefixedBytes()
            let rank = try integer()
            let count = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            self = .position(key: key, element: element, rank: rank, count: count, maxLength: try integer())
        default: throw .invalid("unknown list read \(kind)")
        }
    }
}
