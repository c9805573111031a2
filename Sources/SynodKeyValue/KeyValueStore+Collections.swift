/// A value of many elements kept in a record (a hash, a list, a set) that commands change in
/// place.
protocol StoredCollection {
    static var kind: KeyValueStore.Record.Kind { get }
    static var empty: Self { get }
    var isEmpty: Bool { get }
    var count: Int { get }
    /// Takes the value out of `record`, leaving no reference to it there; nil (and the record
    /// unchanged) for another kind.
    static func take(from record: inout KeyValueStore.Record) -> Self?
    func put(into record: inout KeyValueStore.Record)
}

extension ListValue: StoredCollection {
    static var kind: KeyValueStore.Record.Kind { .list }
    static var empty: ListValue { ListValue([]) }
    static func take(from record: inout KeyValueStore.Record) -> ListValue? { record.takeList() }
    func put(into record: inout KeyValueStore.Record) { record.putList(self) }
}

extension HashValue: StoredCollection {
    static var kind: KeyValueStore.Record.Kind { .hash }
    static var empty: HashValue { HashValue([:]) }
    static func take(from record: inout KeyValueStore.Record) -> HashValue? { record.takeHash() }
    func put(into record: inout KeyValueStore.Record) { record.putHash(self) }
}

extension SetValue: StoredCollection {
    static var kind: KeyValueStore.Record.Kind { .set }
    static var empty: SetValue { SetValue([]) }
    static func take(from record: inout KeyValueStore.Record) -> SetValue? { record.takeSet() }
    func put(into record: inout KeyValueStore.Record) { record.putSet(self) }
}

extension SortedSetValue: StoredCollection {
    static var kind: KeyValueStore.Record.Kind { .sortedSet }
    static var empty: SortedSetValue { SortedSetValue([]) }
    static func take(from record: inout KeyValueStore.Record) -> SortedSetValue? { record.takeSortedSet() }
    func put(into record: inout KeyValueStore.Record) { record.putSortedSet(self) }
}

/// What a command's body did to a collection: its answer, and whether the collection changed
/// (one left as it was keeps its revision and reports no event).
struct CollectionUpdate {
    let result: KeyValueResult
    let changed: Bool
}

extension KeyValueStore {
    /// Runs `body` on the collection at `key`, changed in place: the record is taken out of
    /// the keys while it runs, so the collection has no other reference and adding an element
    /// copies nothing (unless a snapshot shares it). A missing key answers `missing`, or gets
    /// a new, empty collection when `missing` is nil; another kind answers WRONGTYPE. A
    /// collection left empty is removed, reported as `event` then `del`, as Redis reports it.
    mutating func updateCollection<Value: StoredCollection>(
        _ key: [UInt8],
        of type: Value.Type,
        event: KeyEvent,
        missing: KeyValueResult?,
        change: inout Change,
        _ body: (inout Value) -> CollectionUpdate
    ) -> KeyValueResult {
        let kind = live(key, change: &change)?.kind
        if let kind, kind != Value.kind { return .error(Self.wrongType) }
        if kind == nil, let missing { return missing }
        var record: Record
        var bytesBefore = 0
        if kind != nil, let stored = records.removeValue(forKey: key) {
            record = stored
            bytesBefore = Self.footprint(key: key, record: record)
        } else {
            record = Record(
                value: [],
                expiresAtMilliseconds: nil,
                createRevision: change.revision,
                modifyRevision: change.revision,
                lease: change.lease
            )
        }
        var value = Value.take(from: &record) ?? Value.empty
        let update = body(&value)
        value.put(into: &record)
        record.accessedSeconds = accessClockSeconds
        guard update.changed else {
            if kind != nil { records.updateValue(record, forKey: key) }
            return update.result
        }
        if kind != nil {
            // Back in place, with the bytes it had counted, so `store` and `remove` account
            // for the change from what it was.
            records.updateValue(record, forKey: key)
            datasetBytes += Self.footprint(key: key, record: record) - bytesBefore
        }
        change.keyEvent = event
        store(key, record, change: &change)
        if value.isEmpty {
            change.keyEvent = .del
            _ = remove(key, change: &change)
        }
        return update.result
    }

    /// Replaces whatever `destination` held (its TTL included) with `value`, the answer of a
    /// STORE command reported as `event`; an empty value removes the key, reported as `del`.
    /// Answers the value's size.
    mutating func replace<Value: StoredCollection>(
        _ destination: [UInt8],
        with value: Value,
        event: KeyEvent,
        change: inout Change
    ) -> KeyValueResult {
        _ = live(destination, change: &change)
        if value.isEmpty {
            change.keyEvent = .del
            _ = remove(destination, change: &change)
            return .integer(0)
        }
        var record = Record(
            value: [],
            expiresAtMilliseconds: nil,
            createRevision: records[destination]?.createRevision ?? change.revision,
            modifyRevision: change.revision,
            lease: nil
        )
        value.put(into: &record)
        change.keyEvent = event
        store(destination, record, change: &change)
        return .integer(Int64(value.count))
    }
}

extension StreamValue: StoredCollection {
    static var kind: KeyValueStore.Record.Kind { .stream }
    static var empty: StreamValue { StreamValue() }
    static func take(from record: inout KeyValueStore.Record) -> StreamValue? { record.takeStream() }
    func put(into record: inout KeyValueStore.Record) { record.putStream(self) }
}
