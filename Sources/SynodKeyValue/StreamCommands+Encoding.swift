import SynodCore

/// The bytes of the typed stream commands inside an entry or a forwarded read, as
/// `SetCommands+Encoding`. An id is its two 64-bit halves; an optional id or number is a flag
/// byte and the value.
extension StreamID {
    func write(to writer: inout ByteWriter) {
        writer.write(milliseconds)
        writer.write(sequence)
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        self.init(try reader.readUInt64(), try reader.readUInt64())
    }

    static func write(_ id: StreamID?, to writer: inout ByteWriter) {
        writer.write(UInt8(id == nil ? 0 : 1))
        (id ?? .zero).write(to: &writer)
    }

    static func readOptional(from reader: inout ByteReader) throws(ByteReader.Failure) -> StreamID? {
        let present = try KeyValueEntry.readFlag(from: &reader)
        let id = try StreamID(reading: &reader)
        guard present || id == .zero else { throw .invalid("an absent id with a value") }
        return present ? id : nil
    }

    static func write(_ ids: [StreamID], to writer: inout ByteWriter) {
        writer.write(UInt32(ids.count))
        for id in ids { id.write(to: &writer) }
    }

    static func readIDs(from reader: inout ByteReader) throws(ByteReader.Failure) -> [StreamID] {
        let count = Int(try reader.readUInt32())
        // Sixteen bytes an id: a count beyond the bytes left is refused first.
        guard count <= reader.remainingCount / 16 else { throw .invalid("\(count) ids") }
        var ids: [StreamID] = []
        for _ in 0..<count { ids.append(try StreamID(reading: &reader)) }
        return ids
    }
}

extension StreamTrim {
    func write(to writer: inout ByteWriter) {
        switch strategy {
        case .maxLength(let length):
            writer.write(UInt8(0))
            writer.write(UInt64(bitPattern: length))
        case .minimumID(let id):
            writer.write(UInt8(1))
            id.write(to: &writer)
        }
        writer.write(UInt8(approximate ? 1 : 0))
        writer.write(UInt64(bitPattern: limit))
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let strategy: Strategy =
            switch try reader.readUInt8() {
            case 0: .maxLength(Int64(bitPattern: try reader.readUInt64()))
            case 1: .minimumID(try StreamID(reading: &reader))
            case let kind: throw .invalid("trim strategy \(kind)")
            }
        let approximate = try KeyValueEntry.readFlag(from: &reader)
        self.init(strategy, approximate: approximate, limit: Int64(bitPattern: try reader.readUInt64()))
    }

    static func write(_ trim: StreamTrim?, to writer: inout ByteWriter) {
        writer.write(UInt8(trim == nil ? 0 : 1))
        trim?.write(to: &writer)
    }

    static func readOptional(from reader: inout ByteReader) throws(ByteReader.Failure) -> StreamTrim? {
        try KeyValueEntry.readFlag(from: &reader) ? try StreamTrim(reading: &reader) : nil
    }
}

extension StreamClaimOptions {
    func write(to writer: inout ByteWriter) {
        KeyValueEntry.writeOptional(idleMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
        KeyValueEntry.writeOptional(timeMilliseconds.map { UInt64(bitPattern: $0) }, to: &writer)
        KeyValueEntry.writeOptional(retryCount.map { UInt64(bitPattern: $0) }, to: &writer)
        writer.write(UInt8((force ? 1 : 0) | (justID ? 2 : 0)))
        StreamID.write(lastID, to: &writer)
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        self.init()
        idleMilliseconds = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
        timeMilliseconds = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
        retryCount = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
        let flags = try reader.readUInt8()
        guard flags < 4 else { throw .invalid("XCLAIM flags \(flags)") }
        force = flags & 1 != 0
        justID = flags & 2 != 0
        lastID = try StreamID.readOptional(from: &reader)
    }
}

extension StreamWrite {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .add(let key, let id, let fields, let trim, let makeStream):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            switch id {
            case .automatic:
                writer.write(UInt8(0))
                StreamID.zero.write(to: &writer)
            case .milliseconds(let milliseconds):
                writer.write(UInt8(1))
                StreamID(milliseconds, 0).write(to: &writer)
            case .explicit(let id):
                writer.write(UInt8(2))
                id.write(to: &writer)
            }
            KeyValueEntry.write(fields, to: &writer)
            StreamTrim.write(trim, to: &writer)
            writer.write(UInt8(makeStream ? 1 : 0))
        case .trim(let key, let trim):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
            trim.write(to: &writer)
        case .delete(let key, let ids):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(key)
            StreamID.write(ids, to: &writer)
        case .setID(let key, let lastID, let entriesAdded, let maxDeletedID):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            lastID.write(to: &writer)
            KeyValueEntry.writeOptional(entriesAdded.map { UInt64(bitPattern: $0) }, to: &writer)
            StreamID.write(maxDeletedID, to: &writer)
        case .createGroup(let key, let group, let start, let makeStream, let entriesRead):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            StreamID.write(start, to: &writer)
            writer.write(UInt8(makeStream ? 1 : 0))
            writer.write(UInt64(bitPattern: entriesRead))
        case .setGroupID(let key, let group, let start, let entriesRead):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            StreamID.write(start, to: &writer)
            writer.write(UInt64(bitPattern: entriesRead))
        case .destroyGroup(let key, let group):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
        case .createConsumer(let key, let group, let consumer), .deleteConsumer(let key, let group, let consumer):
            if case .createConsumer = self { writer.write(UInt8(8)) } else { writer.write(UInt8(9)) }
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            writer.writeLengthPrefixed(consumer)
        case .readGroup(let group, let consumer, let keys, let after, let count, let noAcknowledge):
            writer.write(UInt8(10))
            writer.writeLengthPrefixed(group)
            writer.writeLengthPrefixed(consumer)
            KeyValueEntry.write(keys, to: &writer)
            writer.write(UInt32(after.count))
            for start in after { StreamID.write(start, to: &writer) }
            writer.write(UInt64(bitPattern: count))
            writer.write(UInt8(noAcknowledge ? 1 : 0))
        case .acknowledge(let key, let group, let ids):
            writer.write(UInt8(11))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            StreamID.write(ids, to: &writer)
        case .claim(let key, let group, let consumer, let minimumIdle, let ids, let options):
            writer.write(UInt8(12))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            writer.writeLengthPrefixed(consumer)
            writer.write(UInt64(bitPattern: minimumIdle))
            StreamID.write(ids, to: &writer)
            options.write(to: &writer)
        case .autoClaim(let key, let group, let consumer, let minimumIdle, let start, let count, let justID):
            writer.write(UInt8(13))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            writer.writeLengthPrefixed(consumer)
            writer.write(UInt64(bitPattern: minimumIdle))
            start.write(to: &writer)
            writer.write(UInt64(bitPattern: count))
            writer.write(UInt8(justID ? 1 : 0))
        case .refusedAfterLookup(let refusal):
            writer.write(UInt8(14))
            refusal.write(to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func integer() throws(ByteReader.Failure) -> Int64 { Int64(bitPattern: try reader.readUInt64()) }
        func bytes() throws(ByteReader.Failure) -> [UInt8] { try reader.readLengthPrefixedBytes() }
        switch try reader.readUInt8() {
        case 1:
            let key = try bytes()
            let idKind = try reader.readUInt8()
            let given = try StreamID(reading: &reader)
            let id: StreamNewID
            switch idKind {
            case 0:
                guard given == .zero else { throw .invalid("an automatic id with a value") }
                id = .automatic
            case 1:
                guard given.sequence == 0 else { throw .invalid("an id's milliseconds with a sequence") }
                id = .milliseconds(given.milliseconds)
            case 2: id = .explicit(given)
            case let kind: throw .invalid("XADD id kind \(kind)")
            }
            let fields = try KeyValueEntry.readKeys(from: &reader)
            let trim = try StreamTrim.readOptional(from: &reader)
            self = .add(
                key: key,
                id: id,
                fields: fields,
                trim: trim,
                makeStream: try KeyValueEntry.readFlag(from: &reader)
            )
        case 2:
            let key = try bytes()
            self = .trim(key: key, trim: try StreamTrim(reading: &reader))
        case 3:
            let key = try bytes()
            self = .delete(key: key, ids: try StreamID.readIDs(from: &reader))
        case 4:
            let key = try bytes()
            let lastID = try StreamID(reading: &reader)
            let entriesAdded = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            self = .setID(
                key: key,
                lastID: lastID,
                entriesAdded: entriesAdded,
                maxDeletedID: try StreamID.readOptional(from: &reader)
            )
        case 5:
            let key = try bytes()
            let group = try bytes()
            let start = try StreamID.readOptional(from: &reader)
            let makeStream = try KeyValueEntry.readFlag(from: &reader)
            self = .createGroup(
                key: key,
                group: group,
                start: start,
                makeStream: makeStream,
                entriesRead: try integer()
            )
        case 6:
            let key = try bytes()
            let group = try bytes()
            let start = try StreamID.readOptional(from: &reader)
            self = .setGroupID(key: key, group: group, start: start, entriesRead: try integer())
        case 7:
            let key = try bytes()
            self = .destroyGroup(key: key, group: try bytes())
        case 8:
            let key = try bytes()
            let group = try bytes()
            self = .createConsumer(key: key, group: group, consumer: try bytes())
        case 9:
            let key = try bytes()
            let group = try bytes()
            self = .deleteConsumer(key: key, group: group, consumer: try bytes())
        case 10:
            let group = try bytes()
            let consumer = try bytes()
            let keys = try KeyValueEntry.readKeys(from: &reader)
            let count = Int(try reader.readUInt32())
            // Seventeen bytes a start: a count beyond the bytes left is refused first.
            guard count <= reader.remainingCount / 17 else { throw .invalid("\(count) starts") }
            var after: [StreamID?] = []
            for _ in 0..<count { after.append(try StreamID.readOptional(from: &reader)) }
            let readCount = try integer()
            self = .readGroup(
                group: group,
                consumer: consumer,
                keys: keys,
                after: after,
                count: readCount,
                noAcknowledge: try KeyValueEntry.readFlag(from: &reader)
            )
        case 11:
            let key = try bytes()
            let group = try bytes()
            self = .acknowledge(key: key, group: group, ids: try StreamID.readIDs(from: &reader))
        case 12:
            let key = try bytes()
            let group = try bytes()
            let consumer = try bytes()
            let minimumIdle = try integer()
            let ids = try StreamID.readIDs(from: &reader)
            self = .claim(
                key: key,
                group: group,
                consumer: consumer,
                minimumIdleMilliseconds: minimumIdle,
                ids: ids,
                options: try StreamClaimOptions(reading: &reader)
            )
        case 13:
            let key = try bytes()
            let group = try bytes()
            let consumer = try bytes()
            let minimumIdle = try integer()
            let start = try StreamID(reading: &reader)
            let count = try integer()
            self = .autoClaim(
                key: key,
                group: group,
                consumer: consumer,
                minimumIdleMilliseconds: minimumIdle,
                start: start,
                count: count,
                justID: try KeyValueEntry.readFlag(from: &reader)
            )
        case 14: self = .refusedAfterLookup(try LookupFirstRefusal(reading: &reader))
        case let kind: throw .invalid("unknown stream write \(kind)")
        }
    }
}

extension StreamRead {
    func write(to writer: inout ByteWriter) {
        switch self {
        case .range(let key, let start, let end, let count, let reverse):
            writer.write(UInt8(1))
            writer.writeLengthPrefixed(key)
            start.write(to: &writer)
            end.write(to: &writer)
            KeyValueEntry.writeOptional(count.map { UInt64(bitPattern: $0) }, to: &writer)
            writer.write(UInt8(reverse ? 1 : 0))
        case .length(let key):
            writer.write(UInt8(2))
            writer.writeLengthPrefixed(key)
        case .read(let keys, let after, let count):
            writer.write(UInt8(3))
            KeyValueEntry.write(keys, to: &writer)
            writer.write(UInt32(after.count))
            for start in after { StreamID.write(start, to: &writer) }
            writer.write(UInt64(bitPattern: count))
        case .pending(let key, let group, let range):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
            writer.write(UInt8(range == nil ? 0 : 1))
            if let range {
                range.start.write(to: &writer)
                range.end.write(to: &writer)
                writer.write(UInt64(bitPattern: range.count))
                writer.write(UInt64(bitPattern: range.minimumIdleMilliseconds))
                writer.write(UInt8(range.consumer == nil ? 0 : 1))
                writer.writeLengthPrefixed(range.consumer ?? [])
            }
        case .info(.stream(let key, let full, let count)):
            writer.write(UInt8(5))
            writer.writeLengthPrefixed(key)
            writer.write(UInt8(full ? 1 : 0))
            writer.write(UInt64(bitPattern: count))
        case .info(.groups(let key)):
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(key)
        case .info(.consumers(let key, let group)):
            writer.write(UInt8(7))
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(group)
        case .refusedAfterLookup(let refusal):
            writer.write(UInt8(8))
            refusal.write(to: &writer)
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func bytes() throws(ByteReader.Failure) -> [UInt8] { try reader.readLengthPrefixedBytes() }
        switch try reader.readUInt8() {
        case 1:
            let key = try bytes()
            let start = try StreamID(reading: &reader)
            let end = try StreamID(reading: &reader)
            let count = try KeyValueEntry.readOptional(from: &reader).map { Int64(bitPattern: $0) }
            self = .range(
                key: key,
                start: start,
                end: end,
                count: count,
                reverse: try KeyValueEntry.readFlag(from: &reader)
            )
        case 2:
            self = .length(key: try bytes())
        case 3:
            let keys = try KeyValueEntry.readKeys(from: &reader)
            let count = Int(try reader.readUInt32())
            guard count <= reader.remainingCount / 17 else { throw .invalid("\(count) starts") }
            var after: [StreamID?] = []
            for _ in 0..<count { after.append(try StreamID.readOptional(from: &reader)) }
            self = .read(keys: keys, after: after, count: Int64(bitPattern: try reader.readUInt64()))
        case 4:
            let key = try bytes()
            let group = try bytes()
            guard try KeyValueEntry.readFlag(from: &reader) else {
                self = .pending(key: key, group: group, range: nil)
                return
            }
            let start = try StreamID(reading: &reader)
            let end = try StreamID(reading: &reader)
            let count = Int64(bitPattern: try reader.readUInt64())
            let minimumIdle = Int64(bitPattern: try reader.readUInt64())
            let hasConsumer = try KeyValueEntry.readFlag(from: &reader)
            let consumer = try bytes()
            guard hasConsumer || consumer.isEmpty else { throw .invalid("an absent consumer with a name") }
            self = .pending(
                key: key,
                group: group,
                range: PendingRange(
                    start: start,
                    end: end,
                    count: count,
                    minimumIdleMilliseconds: minimumIdle,
                    consumer: hasConsumer ? consumer : nil
                )
            )
        case 5:
            let key = try bytes()
            let full = try KeyValueEntry.readFlag(from: &reader)
            self = .info(.stream(key: key, full: full, count: Int64(bitPattern: try reader.readUInt64())))
        case 6:
            self = .info(.groups(key: try bytes()))
        case 7:
            let key = try bytes()
            self = .info(.consumers(key: key, group: try bytes()))
        case 8: self = .refusedAfterLookup(try LookupFirstRefusal(reading: &reader))
        case let kind: throw .invalid("unknown stream read \(kind)")
        }
    }
}

/// A stream in a snapshot: its counters, its nodes as they are laid out (approximate trims
/// depend on the layout), and its groups by name. Every count and order is checked as it is
/// read: a snapshot comes from a peer or a file.
extension StreamValue {
    func write(to writer: inout ByteWriter) {
        lastID.write(to: &writer)
        maxDeletedID.write(to: &writer)
        writer.write(entriesAdded)
        writer.write(UInt64(nodes.count))
        for node in nodes {
            writer.write(UInt64(node.slots))
            writer.write(UInt64(node.bytes))
            node.masterID.write(to: &writer)
            KeyValueEntry.write(node.masterFields, to: &writer)
            node.lastAppendedID.write(to: &writer)
            writer.write(UInt64(node.entries.count))
            for entry in node.entries {
                entry.id.write(to: &writer)
                KeyValueEntry.write(entry.fields, to: &writer)
            }
        }
        writer.write(UInt64(groups.count))
        for name in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let group = groups[name]!
            writer.writeLengthPrefixed(name)
            group.lastDeliveredID.write(to: &writer)
            writer.write(UInt64(bitPattern: group.entriesRead))
            writer.write(UInt64(group.consumers.count))
            for consumer in group.consumers.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                writer.writeLengthPrefixed(consumer)
                writer.write(UInt64(bitPattern: group.consumers[consumer]!.seenAtMilliseconds))
            }
            writer.write(UInt64(group.pending.count))
            for pending in group.pending {
                pending.id.write(to: &writer)
                writer.writeLengthPrefixed(pending.consumer)
                writer.write(UInt64(bitPattern: pending.deliveredAtMilliseconds))
                writer.write(pending.deliveryCount)
            }
        }
    }

    /// Reads a stream as snapshot `version` wrote it. Before version 9 a node's bytes and
    /// master entry were not written: they are rebuilt from its entries, as if none was deleted.
    init(reading reader: inout ByteReader, version: UInt8) throws(ByteReader.Failure) {
        func count(_ what: String) throws(ByteReader.Failure) -> Int {
            Int(try KeyValueStore.readCount(from: &reader, what: what))
        }
        let lastID = try StreamID(reading: &reader)
        let maxDeletedID = try StreamID(reading: &reader)
        let entriesAdded = try reader.readUInt64()
        var nodes: [StreamNode] = []
        var previous: StreamID?
        for _ in 0..<(try count("nodes")) {
            let slots = try count("slots")
            var master: (bytes: Int, id: StreamID, fields: [[UInt8]], lastAppendedID: StreamID)?
            if version >= 9 {
                let bytes = try reader.readUInt64()
                let id = try StreamID(reading: &reader)
                let fields = try KeyValueEntry.readKeys(from: &reader)
                let lastAppendedID = try StreamID(reading: &reader)
                guard bytes <= UInt64(UInt32.max), !fields.isEmpty, id <= lastAppendedID else {
                    throw .invalid("an impossible stream node")
                }
                master = (Int(bytes), id, fields, lastAppendedID)
            }
            var entries: [StreamEntry] = []
            for _ in 0..<(try count("entries")) {
                let id = try StreamID(reading: &reader)
                guard previous.map({ $0 < id }) ?? (id > .zero), id <= lastID else {
                    throw .invalid("stream ids out of order")
                }
                previous = id
                let fields = try KeyValueEntry.readKeys(from: &reader)
                guard !fields.isEmpty, fields.count % 2 == 0 else { throw .invalid("an entry without field pairs") }
                entries.append(StreamEntry(id: id, fields: fields))
            }
            guard !entries.isEmpty, entries.count <= slots, slots <= Self.nodeCapacity else {
                throw .invalid("a stream node of \(entries.count) entries in \(slots) slots")
            }
            if let master {
                // A node's ids run from its master's to its last appended, after the node before.
                guard master.id <= entries[0].id, entries.last!.id <= master.lastAppendedID,
                    master.lastAppendedID <= lastID, nodes.last.map({ $0.lastAppendedID < master.id }) ?? true
                else { throw .invalid("a stream node's ids outside its entries") }
                nodes.append(
                    StreamNode(
                        entries: entries,
                        slots: slots,
                        bytes: master.bytes,
                        masterID: master.id,
                        masterFields: master.fields,
                        lastAppendedID: master.lastAppendedID
                    )
                )
            } else {
                var node = StreamNode(first: entries[0])
                for entry in entries.dropFirst() { node.append(entry) }
                node.slots = slots
                nodes.append(node)
            }
        }
        self.init(nodes: nodes)
        guard UInt64(self.count) <= entriesAdded, maxDeletedID <= lastID else {
            throw .invalid("impossible stream counters")
        }
        self.lastID = lastID
        self.maxDeletedID = maxDeletedID
        self.entriesAdded = entriesAdded
        for _ in 0..<(try count("groups")) {
            let name = try reader.readLengthPrefixedBytes()
            let lastDelivered = try StreamID(reading: &reader)
            let entriesRead = Int64(bitPattern: try reader.readUInt64())
            guard entriesRead >= -1, groups[name] == nil else { throw .invalid("a group twice or its counter") }
            var group = StreamConsumerGroup(lastDeliveredID: lastDelivered, entriesRead: entriesRead)
            for _ in 0..<(try count("consumers")) {
                let consumer = try reader.readLengthPrefixedBytes()
                let seen = Int64(bitPattern: try reader.readUInt64())
                guard
                    group.consumers.updateValue(
                        StreamConsumer(seenAtMilliseconds: seen, pendingCount: 0),
                        forKey: consumer
                    )
                        == nil
                else { throw .invalid("a consumer twice") }
            }
            var previousPending: StreamID?
            for _ in 0..<(try count("pending entries")) {
                let id = try StreamID(reading: &reader)
                let consumer = try reader.readLengthPrefixedBytes()
                let deliveredAt = Int64(bitPattern: try reader.readUInt64())
                let deliveries = try reader.readUInt64()
                guard previousPending.map({ $0 < id }) ?? true, group.consumers[consumer] != nil else {
                    throw .invalid("pending entries out of order or of no consumer")
                }
                previousPending = id
                group.deliver(id, to: consumer, at: deliveredAt, count: deliveries)
            }
            groups[name] = group
        }
    }
}
