/// The list commands, with Redis's semantics and error texts. A list is never empty in the
/// store: the command that takes its last element removes the key, as Redis does.
extension KeyValueStore {
    mutating func execute(_ command: ListWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        switch command {
        case .push(let key, let elements, let end, let onlyIfExists):
            return updateCollection(
                key,
                of: ListValue.self,
                event: end == .left ? .lpush : .rpush,
                missing: onlyIfExists ? .integer(0) : nil,
                change: &change
            ) { list in
                for element in elements { list.push(element, at: end) }
                return CollectionUpdate(result: .integer(Int64(list.count)), changed: true)
            }
        case .pop(let key, let end, let count):
            return updateCollection(
                key,
                of: ListValue.self,
                event: end == .left ? .lpop : .rpop,
                missing: count == nil ? .null : .nullArray,
                change: &change
            ) { list in
                guard let count else { return CollectionUpdate(result: .value(list.pop(at: end)!), changed: true) }
                let popped = (0..<min(count, Int64(list.count))).map { _ in KeyValueResult.value(list.pop(at: end)!) }
                return CollectionUpdate(result: .array(popped), changed: !popped.isEmpty)
            }
        case .popFromFirst(let keys, let end, let count):
            for key in keys {
                guard let kind = live(key, change: &change)?.kind else { continue }
                guard kind == .list else { return .error(Self.wrongType) }
                let popped = execute(.pop(key: key, end: end, count: count), change: &change)
                if case .error = popped { return popped }
                return .array([.value(key), popped])
            }
            return .nullArray
        case .set(let key, let index, let element):
            return updateCollection(
                key,
                of: ListValue.self,
                event: .lset,
                missing: .error(Self.noSuchKey),
                change: &change
            ) { list in
                guard let position = Self.position(of: index, in: list.count) else {
                    return CollectionUpdate(result: .error(Self.indexOutOfRange), changed: false)
                }
                list.replace(at: position, with: element)
                return CollectionUpdate(result: .ok, changed: true)
            }
        case .insert(let key, let after, let pivot, let element):
            return updateCollection(key, of: ListValue.self, event: .linsert, missing: .integer(0), change: &change) {
                list in
                guard let found = list.elements.firstIndex(of: pivot) else {
                    return CollectionUpdate(result: .integer(-1), changed: false)
                }
                list.insert(element, at: after ? found + 1 : found)
                return CollectionUpdate(result: .integer(Int64(list.count)), changed: true)
            }
        case .remove(let key, let count, let element):
            return updateCollection(key, of: ListValue.self, event: .lrem, missing: .integer(0), change: &change) {
                list in
                let removed = list.removeOccurrences(
                    of: element,
                    limit: count == 0 ? Int.max : Int(clamping: count.magnitude),
                    fromTail: count < 0
                )
                return CollectionUpdate(result: .integer(Int64(removed)), changed: removed > 0)
            }
        case .trim(let key, let start, let stop):
            // Redis reports LTRIM (and touches the key) even when nothing is trimmed.
            return updateCollection(key, of: ListValue.self, event: .ltrim, missing: .ok, change: &change) { list in
                list.keep(Self.inclusiveRange(start, stop, count: list.count) ?? 0..<0)
                return CollectionUpdate(result: .ok, changed: true)
            }
        case .move(let source, let destination, let from, let to):
            return move(from: source, at: from, to: destination, at: to, change: &change)
        case .blocking(let pop, let timeout):
            return block(pop, timeoutMilliseconds: timeout, change: &change)
        }
    }

    /// LMOVE: events as Redis sends them, the push to the destination first. Moving within one
    /// list rotates it in place, keeping its TTL.
    mutating func move(
        from source: [UInt8],
        at from: ListValue.End,
        to destination: [UInt8],
        at to: ListValue.End,
        change: inout Change
    ) -> KeyValueResult {
        let element: [UInt8]
        switch endElement(of: source, at: from, change: &change) {
        case .success(nil): return .null
        case .success(let found?): element = found
        case .failure(let error): return .error(error)
        }
        let popEvent: KeyEvent = from == .left ? .lpop : .rpop
        let pushEvent: KeyEvent = to == .left ? .lpush : .rpush
        if source == destination {
            let result = updateCollection(source, of: ListValue.self, event: pushEvent, missing: nil, change: &change) {
                list in
                list.push(list.pop(at: from)!, at: to)
                return CollectionUpdate(result: .value(element), changed: true)
            }
            change.keyChanges.append(KeyChange(key: source, value: [], event: popEvent))
            return result
        }
        if let kind = live(destination, change: &change)?.kind, kind != .list { return .error(Self.wrongType) }
        _ = updateCollection(destination, of: ListValue.self, event: pushEvent, missing: nil, change: &change) { list in
            list.push(element, at: to)
            return CollectionUpdate(result: .ok, changed: true)
        }
        _ = updateCollection(source, of: ListValue.self, event: popEvent, missing: nil, change: &change) { list in
            _ = list.pop(at: from)
            return CollectionUpdate(result: .ok, changed: true)
        }
        return .value(element)
    }

    /// The element at `end` of the list at `key` (nil when there is none), or WRONGTYPE. Holds
    /// no reference to the list after it returns, so the list is still changed in place.
    mutating func endElement(
        of key: [UInt8],
        at end: ListValue.End,
        change: inout Change
    ) -> Result<[UInt8]?, KeyValueError> {
        guard let record = live(key, change: &change) else { return .success(nil) }
        guard let list = record.list else { return .failure(Self.wrongType) }
        return .success(end == .left ? list.elements.first : list.elements.last)
    }

    func answer(_ read: ListRead, at now: Int64) -> KeyValueResult {
        guard let found = record(of: read.key, at: now) else {
            switch read {
            case .range: return .array([])
            case .length: return .integer(0)
            case .index: return .null
            case .position(_, _, _, let count, _): return count == nil ? .null : .array([])
            }
        }
        guard let list = found.list else { return .error(Self.wrongType) }
        switch read {
        case .range(_, let start, let stop):
            guard let range = Self.inclusiveRange(start, stop, count: list.count) else { return .array([]) }
            return .array(list.elements[range].map { .value($0) })
        case .length:
            return .integer(Int64(list.count))
        case .index(_, let index):
            return Self.position(of: index, in: list.count).map { .value(list.elements[$0]) } ?? .null
        case .position(_, let element, let rank, let count, let maxLength):
            if let refusal = read.refusal { return .error(refusal) }
            return Self.positions(of: element, in: list, rank: rank, count: count, maxLength: maxLength)
        }
    }

    /// LPOS: the indexes of the matches from the `rank`th on (from the tail when negative),
    /// looking at no more than `maxLength` elements (0: all).
    static func positions(
        of element: [UInt8],
        in list: ListValue,
        rank: Int64,
        count: Int64?,
        maxLength: Int64
    ) -> KeyValueResult {
        let indexes = rank > 0 ? Array(list.elements.indices) : list.elements.indices.reversed()
        let looked = maxLength == 0 ? indexes[...] : indexes.prefix(Int(clamping: maxLength))
        let skipped = Int(clamping: rank.magnitude) - 1
        let wanted = count.map { $0 == 0 ? Int.max : Int(clamping: $0) } ?? 1
        var matches = 0
        var found: [KeyValueResult] = []
        for index in looked where list.elements[index] == element {
            matches += 1
            guard matches > skipped else { continue }
            found.append(.integer(Int64(index)))
            if found.count == wanted { break }
        }
        guard count != nil else { return found.first ?? .null }
        return .array(found)
    }

    /// A list index (negative from the tail) as a position, or nil when it is out of range.
    static func position(of index: Int64, in count: Int) -> Int? {
        // `count + index` only for a negative index: no overflow.
        let position = index < 0 ? Int64(count) + index : index
        return position >= 0 && position < Int64(count) ? Int(position) : nil
    }

    /// LRANGE's and LTRIM's inclusive range with negative offsets from the tail, clamped as
    /// Redis clamps it; nil when it holds nothing.
    static func inclusiveRange(_ start: Int64, _ stop: Int64, count: Int) -> Range<Int>? {
        let length = Int64(count)
        var low = start < 0 ? length + start : start
        var high = stop < 0 ? length + stop : stop
        low = max(low, 0)
        guard low <= high, low < length else { return nil }
        high = min(high, length - 1)
        return Int(low)..<Int(high + 1)
    }
}
