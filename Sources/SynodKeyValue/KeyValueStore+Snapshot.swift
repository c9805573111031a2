import SynodCore

/// The store as snapshot bytes: every field, keys in byte order, so equal stores give equal
/// bytes.
extension KeyValueStore {
    static let snapshotVersion: UInt8 = 1

    public var snapshotBytes: [UInt8] {
        var writer = ByteWriter(reservingCapacity: 64 + records.count * 48)
        writer.write(Self.snapshotVersion)
        writer.write(appliedIndex)
        writer.write(revision)
        writer.write(UInt64(bitPattern: clockMilliseconds))
        writer.write(UInt64(records.count))
        for key in records.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let record = records[key]!
            writer.writeLengthPrefixed(key)
            writer.writeLengthPrefixed(record.value)
            writer.write(UInt8(record.expiresAtMilliseconds == nil ? 0 : 1))
            writer.write(UInt64(bitPattern: record.expiresAtMilliseconds ?? 0))
            writer.write(record.createRevision)
            writer.write(record.modifyRevision)
        }
        return writer.bytes
    }

    /// Restores a store from `snapshotBytes`; an empty snapshot is the empty store.
    public init(snapshotBytes bytes: [UInt8]) throws(ByteReader.Failure) {
        self.init()
        guard !bytes.isEmpty else { return }
        var reader = ByteReader(bytes)
        guard try reader.readUInt8() == Self.snapshotVersion else { throw .invalid("unknown snapshot version") }
        appliedIndex = try reader.readUInt64()
        revision = try reader.readUInt64()
        clockMilliseconds = Int64(bitPattern: try reader.readUInt64())
        let count = try reader.readUInt64()
        guard count <= UInt64(reader.remainingCount) else { throw .invalid("\(count) records") }
        for _ in 0..<count {
            let key = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
            let value = try reader.readLengthPrefixed(maximumCount: KeyValueEntry.bytesMax)
            let hasExpiry = try reader.readUInt8() == 1
            let expiry = Int64(bitPattern: try reader.readUInt64())
            let record = Record(
                value: value,
                expiresAtMilliseconds: hasExpiry ? expiry : nil,
                createRevision: try reader.readUInt64(),
                modifyRevision: try reader.readUInt64()
            )
            guard record.modifyRevision <= revision, records.updateValue(record, forKey: key) == nil else {
                throw .invalid("a duplicate or impossible record")
            }
            if hasExpiry { keysWithExpiry.insert(key) }
        }
        guard reader.isAtEnd else { throw .invalid("\(reader.remainingCount) bytes after the records") }
    }
}
