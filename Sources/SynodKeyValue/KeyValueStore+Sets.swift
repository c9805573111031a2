import SynodCore

/// The set commands, with Redis's semantics and error texts. A set is never empty in the
/// store: the command that removes its last member removes the key.
extension KeyValueStore {
    mutating func execute(_ command: SetWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        switch command {
        case .add(let key, let members):
            return updateCollection(key, of: SetValue.self, event: .sadd, missing: nil, change: &change) { set in
                let added = members.filter { set.insert($0) }.count
                return CollectionUpdate(result: .integer(Int64(added)), changed: added > 0)
            }
        case .remove(let key, let members):
            return updateCollection(key, of: SetValue.self, event: .srem, missing: .integer(0), change: &change) {
                set in
                let removed = members.filter { set.remove($0) }.count
                return CollectionUpdate(result: .integer(Int64(removed)), changed: removed > 0)
            }
        case .pop(let key, let count):
            // The members popped are chosen by a generator seeded with the entry's index: the
            // same on every replica, and different from one entry to the next.
            var random = SeededGenerator(seed: appliedIndex)
            return updateCollection(
                key,
                of: SetValue.self,
                event: .spop,
                missing: count == nil ? .null : .set([]),
                change: &change
            ) { set in
                guard let count else {
                    return CollectionUpdate(
                        result: .value(set.remove(at: random.nextIndex(below: set.count))),
                        changed: true
                    )
                }
                let popped = (0..<min(count, Int64(set.count))).map { _ in
                    KeyValueResult.value(set.remove(at: random.nextIndex(below: set.count)))
                }
                return CollectionUpdate(result: .set(popped), changed: !popped.isEmpty)
            }
        case .move(let source, let destination, let member):
            return move(member, from: source, to: destination, change: &change)
        case .store(let operation, let destination, let keys):
            let combined: SetValue
            switch combine(operation, keys, at: clockMilliseconds) {
            case .success(let result): combined = result
            case .failure(let error): return .error(error)
            }
            return replace(destination, with: combined, event: operation.storeEvent, change: &change)
        }
    }

    /// SMOVE: events as Redis sends them (`srem`, `del` for an emptied source, `sadd`).
    mutating func move(
        _ member: [UInt8],
        from source: [UInt8],
        to destination: [UInt8],
        change: inout Change
    ) -> KeyValueResult {
        guard let sourceKind = live(source, change: &change)?.kind else { return .integer(0) }
        let destinationKind = live(destination, change: &change)?.kind
        guard sourceKind == .set, destinationKind == nil || destinationKind == .set else {
            return .error(Self.wrongType)
        }
        if source == destination { return .integer(records[source]!.set!.contains(member) ? 1 : 0) }
        let removed = updateCollection(source, of: SetValue.self, event: .srem, missing: nil, change: &change) { set in
            let removed = set.remove(member)
            return CollectionUpdate(result: .integer(removed ? 1 : 0), changed: removed)
        }
        guard removed == .integer(1) else { return .integer(0) }
        _ = updateCollection(destination, of: SetValue.self, event: .sadd, missing: nil, change: &change) { set in
            CollectionUpdate(result: .ok, changed: set.insert(member))
        }
        return .integer(1)
    }

    /// The set at `key` at `now` (nil if there is none), or WRONGTYPE.
    func setValue(_ key: [UInt8], at now: Int64) -> Result<SetValue?, KeyValueError> {
        guard let live = record(of: key, at: now) else { return .success(nil) }
        return live.set.map { .success($0) } ?? .failure(Self.wrongType)
    }

    /// SINTER, SUNION, SDIFF of the sets at `keys`: a missing key is an empty set, and every
    /// key must hold a set (or nothing), as Redis checks them all.
    func combine(_ operation: SetOperation, _ keys: [[UInt8]], at now: Int64) -> Result<SetValue, KeyValueError> {
        var sets: [SetValue?] = []
        for key in keys {
            switch setValue(key, at: now) {
            case .success(let set): sets.append(set)
            case .failure(let error): return .failure(error)
            }
        }
        switch operation {
        case .intersection:
            guard !sets.contains(where: { $0 == nil }) else { return .success(SetValue([])) }
            let present = sets.map { $0! }.sorted { $0.count < $1.count }
            return .success(
                SetValue(present[0].members.filter { member in present.allSatisfy { $0.contains(member) } })
            )
        case .union:
            var union = SetValue([])
            for set in sets { for member in set?.members ?? [] { union.insert(member) } }
            return .success(union)
        case .difference:
            guard let first = sets[0] else { return .success(SetValue([])) }
            let others = sets.dropFirst().compactMap { $0 }
            return .success(SetValue(first.members.filter { member in !others.contains { $0.contains(member) } }))
        }
    }

    func answer(_ read: SetRead, at now: Int64, randomIndex: (Int) -> Int) -> KeyValueResult {
        if let refusal = read.refusal { return .error(refusal) }
        switch read {
        case .combine(let operation, let keys):
            return combine(operation, keys, at: now).map { .set($0.members.map { .value($0) }) }.value
        case .intersectionCardinality(let keys, let limit):
            return combine(.intersection, keys, at: now).map {
                .integer(limit == 0 ? Int64($0.count) : min(Int64($0.count), limit))
            }.value
        case .members(let key):
            return setValue(key, at: now).map { .set(($0?.members ?? []).map { .value($0) }) }.value
        case .isMember(let key, let member):
            return setValue(key, at: now).map { .integer($0?.contains(member) == true ? 1 : 0) }.value
        case .areMembers(let key, let members):
            return setValue(key, at: now).map { set in
                .array(members.map { .integer(set?.contains($0) == true ? 1 : 0) })
            }.value
        case .cardinality(let key):
            return setValue(key, at: now).map { .integer(Int64($0?.count ?? 0)) }.value
        case .randomMembers(let key, let count):
            return setValue(key, at: now).map { set in
                Self.randomMembers(of: set, count: count, randomIndex: randomIndex)
            }.value
        case .scan(let key, let cursor, let options):
            switch setValue(key, at: now) {
            case .failure(let error): return .error(error)
            case .success(nil): return .array([.value(Array("0".utf8)), .array([])])
            case .success(let set?):
                switch options {
                case .failure(let error): return .error(error)
                case .success(let options):
                    return Self.scanPage(
                        Array(set.members),
                        whole: Self.isIntegerSet(set),
                        from: cursor,
                        options,
                        value: nil
                    )
                }
            }
        }
    }

    /// SRANDMEMBER: one member (nil for no set) without a count; with one, the members at
    /// `randomPositions`.
    static func randomMembers(of set: SetValue?, count: Int64?, randomIndex: (Int) -> Int) -> KeyValueResult {
        guard let count else {
            guard let set else { return .null }
            return .value(set.members[randomIndex(set.count)])
        }
        guard let set else { return .array([]) }
        return .array(
            randomPositions(count, among: set.count, randomIndex: randomIndex).map { .value(set.members[$0]) }
        )
    }

    /// SRANDMEMBER's and ZRANDMEMBER's choice among `size` members by a count: distinct
    /// positions for a positive count (all of them, in order, when it asks for as many or
    /// more), positions that may repeat for a negative one, none for 0.
    static func randomPositions(_ count: Int64, among size: Int, randomIndex: (Int) -> Int) -> [Int] {
        guard size > 0, count != 0 else { return [] }
        if count < 0 {
            // At most `SetRead.randomMembersMax`: the parser refused more.
            let wanted = min(Int(clamping: count.magnitude), SetRead.randomMembersMax)
            return (0..<wanted).map { _ in randomIndex(size) }
        }
        guard count < Int64(size) else { return Array(0..<size) }
        var positions = Array(0..<size)
        for slot in 0..<Int(count) {
            positions.swapAt(slot, slot + randomIndex(size - slot))
        }
        return Array(positions.prefix(Int(count)))
    }

    /// Whether Redis 7.0 keeps the set as an intset: at most 512 members, each an integer.
    static func isIntegerSet(_ set: SetValue) -> Bool {
        set.count <= 512 && set.members.allSatisfy { parseInteger($0) != nil }
    }
}
