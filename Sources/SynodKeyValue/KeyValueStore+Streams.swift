/// The stream commands, with Redis 7.0's semantics and error texts. Times (ids made by `*`,
/// deliveries, consumers seen) are the log's clock, so every replica makes the same ids and
/// records the same deliveries.
extension KeyValueStore {
    mutating func execute(_ command: StreamWrite, change: inout Change) -> KeyValueResult {
        if let refusal = command.refusal { return .error(refusal) }
        let now = clockMilliseconds
        switch command {
        case .refusedAfterLookup(let refusal):
            return answer(refusal, at: now)
        case .add(let key, let id, let fields, let trim, let makeStream):
            var trimmed = 0
            let result = updateCollection(
                key,
                of: StreamValue.self,
                event: .xadd,
                missing: makeStream ? nil : .null,
                change: &change
            ) { stream in
                guard stream.lastID != .max else {
                    return CollectionUpdate(result: .error(Self.streamExhausted), changed: false)
                }
                guard let newID = Self.newID(id, after: stream.lastID, now: now) else {
                    return CollectionUpdate(result: .error(Self.streamIDNotIncreasing), changed: false)
                }
                stream.append(StreamEntry(id: newID, fields: fields))
                if let trim { trimmed = stream.trim(trim) }
                return CollectionUpdate(result: .value(newID.bytes), changed: true)
            }
            if trimmed > 0 { change.keyChanges.append(KeyChange(key: key, value: [], event: .xtrim)) }
            return result
        case .trim(let key, let trim):
            return updateCollection(key, of: StreamValue.self, event: .xtrim, missing: .integer(0), change: &change) {
                stream in
                let removed = stream.trim(trim)
                return CollectionUpdate(result: .integer(Int64(removed)), changed: removed > 0)
            }
        case .delete(let key, let ids):
            return updateCollection(key, of: StreamValue.self, event: .xdel, missing: .integer(0), change: &change) {
                stream in
                let deleted = ids.filter { stream.delete($0) }.count
                return CollectionUpdate(result: .integer(Int64(deleted)), changed: deleted > 0)
            }
        case .setID(let key, let lastID, let entriesAdded, let maxDeletedID):
            return updateCollection(
                key,
                of: StreamValue.self,
                event: .xsetid,
                missing: .error(Self.noSuchKey),
                change: &change
            ) { stream in
                if let refusal = Self.refusal(ofSetting: lastID, entriesAdded: entriesAdded, on: stream) {
                    return CollectionUpdate(result: .error(refusal), changed: false)
                }
                stream.lastID = lastID
                if let entriesAdded { stream.entriesAdded = UInt64(entriesAdded) }
                if let maxDeletedID, maxDeletedID != .zero { stream.maxDeletedID = maxDeletedID }
                return CollectionUpdate(result: .ok, changed: true)
            }
        case .createGroup(let key, let group, let start, let makeStream, let entriesRead):
            return updateCollection(
                key,
                of: StreamValue.self,
                event: .xgroupCreate,
                missing: makeStream ? nil : .error(Self.streamKeyMissing),
                change: &change
            ) { stream in
                guard stream.groups[group] == nil else {
                    return CollectionUpdate(result: .error(Self.groupExists), changed: false)
                }
                stream.groups[group] = StreamConsumerGroup(
                    lastDeliveredID: start ?? stream.lastID,
                    entriesRead: entriesRead
                )
                return CollectionUpdate(result: .ok, changed: true)
            }
        case .setGroupID(let key, let group, let start, let entriesRead):
            return updateGroup(key, group, event: .xgroupSetID, change: &change) { stream in
                stream.groups[group]!.lastDeliveredID = start ?? stream.lastID
                stream.groups[group]!.entriesRead = entriesRead
                return CollectionUpdate(result: .ok, changed: true)
            }
        case .destroyGroup(let key, let group):
            return updateCollection(
                key,
                of: StreamValue.self,
                event: .xgroupDestroy,
                missing: .error(Self.streamKeyMissing),
                change: &change
            ) { stream in
                let removed = stream.groups.removeValue(forKey: group) != nil
                return CollectionUpdate(result: .integer(removed ? 1 : 0), changed: removed)
            }
        case .createConsumer(let key, let group, let consumer):
            return updateGroup(key, group, event: .xgroupCreateConsumer, change: &change) { stream in
                let created = stream.groups[group]!.consumers[consumer] == nil
                if created { stream.groups[group]!.touchConsumer(consumer, at: now) }
                return CollectionUpdate(result: .integer(created ? 1 : 0), changed: created)
            }
        case .deleteConsumer(let key, let group, let consumer):
            return updateGroup(key, group, event: .xgroupDeleteConsumer, change: &change) { stream in
                guard let removed = stream.groups[group]!.consumers[consumer] else {
                    return CollectionUpdate(result: .integer(0), changed: false)
                }
                stream.groups[group]!.pending.removeAll { $0.consumer == consumer }
                stream.groups[group]!.consumers[consumer] = nil
                return CollectionUpdate(result: .integer(Int64(removed.pendingCount)), changed: true)
            }
        case .readGroup(let group, let consumer, let keys, let after, let count, let noAcknowledge):
            return readGroup(group, consumer, keys, after, count: count, noAcknowledge: noAcknowledge, change: &change)
        case .acknowledge(let key, let group, let ids):
            guard let kind = live(key, change: &change)?.kind else { return .integer(0) }
            guard kind == .stream else { return .error(Self.wrongType) }
            guard records[key]!.stream!.groups[group] != nil else { return .integer(0) }
            return updateCollection(key, of: StreamValue.self, event: .quiet, missing: .integer(0), change: &change) {
                stream in
                var acknowledged = 0
                for id in ids {
                    let (index, found) = stream.groups[group]!.pendingIndex(of: id)
                    guard found else { continue }
                    stream.groups[group]!.removePending(at: index)
                    acknowledged += 1
                }
                return CollectionUpdate(result: .integer(Int64(acknowledged)), changed: acknowledged > 0)
            }
        case .claim(let key, let group, let consumer, let minimumIdle, let ids, let options):
            if let refusal = groupRefusal(key, group, change: &change) { return .error(refusal) }
            let hasConsumer = records[key]!.stream!.groups[group]!.consumers[consumer] != nil
            defer { reportConsumerCreated(key, group, consumer, existed: hasConsumer, change: &change) }
            return updateCollection(key, of: StreamValue.self, event: .quiet, missing: .nullArray, change: &change) {
                stream in
                let claimed = Self.claim(ids, in: &stream, group, for: consumer, minimumIdle, options, at: now)
                return CollectionUpdate(result: .array(claimed), changed: true)
            }
        case .autoClaim(let key, let group, let consumer, let minimumIdle, let start, let count, let justID):
            if let refusal = groupRefusal(key, group, change: &change) { return .error(refusal) }
            let hasConsumer = records[key]!.stream!.groups[group]!.consumers[consumer] != nil
            defer { reportConsumerCreated(key, group, consumer, existed: hasConsumer, change: &change) }
            return updateCollection(key, of: StreamValue.self, event: .quiet, missing: .nullArray, change: &change) {
                stream in
                let answer = Self.autoClaim(
                    in: &stream,
                    group,
                    for: consumer,
                    minimumIdle,
                    from: start,
                    count: count,
                    justID: justID,
                    at: now
                )
                return CollectionUpdate(result: answer, changed: true)
            }
        }
    }

    /// The id XADD gives its entry after `last`, or nil when it would not be above it.
    static func newID(_ request: StreamNewID, after last: StreamID, now: Int64) -> StreamID? {
        switch request {
        case .automatic:
            let milliseconds = UInt64(max(now, 0))
            return milliseconds > last.milliseconds ? StreamID(milliseconds, 0) : last.next
        case .milliseconds(let milliseconds):
            if milliseconds == last.milliseconds {
                return last.sequence == .max ? nil : StreamID(milliseconds, last.sequence + 1)
            }
            let id = StreamID(milliseconds, 0)
            return id > last ? id : nil
        case .explicit(let id):
            return id > last ? id : nil
        }
    }

    /// XSETID's checks against the stream, in Redis's order.
    static func refusal(ofSetting lastID: StreamID, entriesAdded: Int64?, on stream: StreamValue) -> KeyValueError? {
        if lastID < stream.maxDeletedID {
            return KeyValueError(
                .invalidRequest,
                "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
            )
        }
        guard let top = stream.lastEntry else { return nil }
        if lastID < top.id {
            return KeyValueError(
                .invalidRequest,
                "ERR The ID specified in XSETID is smaller than the target stream top item"
            )
        }
        if let entriesAdded, Int64(stream.count) > entriesAdded {
            return KeyValueError(
                .invalidRequest,
                "ERR The entries_added specified in XSETID is smaller than the target stream length"
            )
        }
        return nil
    }

    /// Runs `body` on the stream at `key` whose group `group` exists; a missing key or group
    /// answers XGROUP's errors.
    private mutating func updateGroup(
        _ key: [UInt8],
        _ group: [UInt8],
        event: KeyEvent,
        change: inout Change,
        _ body: (inout StreamValue) -> CollectionUpdate
    ) -> KeyValueResult {
        updateCollection(
            key,
            of: StreamValue.self,
            event: event,
            missing: .error(Self.streamKeyMissing),
            change: &change
        ) {
            stream in
            guard stream.groups[group] != nil else {
                return CollectionUpdate(result: .error(Self.noGroup(group, key: key)), changed: false)
            }
            return body(&stream)
        }
    }

    /// WRONGTYPE, or NOGROUP (XCLAIM's, XAUTOCLAIM's wording) when the key or its group is
    /// missing; nil when both are there.
    private mutating func groupRefusal(_ key: [UInt8], _ group: [UInt8], change: inout Change) -> KeyValueError? {
        guard let record = live(key, change: &change) else { return Self.noKeyOrGroup(group, key: key) }
        guard let stream = record.stream else { return Self.wrongType }
        return stream.groups[group] == nil ? Self.noKeyOrGroup(group, key: key) : nil
    }

    /// XREADGROUP: checks every key (WRONGTYPE, NOGROUP) before it reads any.
    private mutating func readGroup(
        _ group: [UInt8],
        _ consumer: [UInt8],
        _ keys: [[UInt8]],
        _ after: [StreamID?],
        count: Int64,
        noAcknowledge: Bool,
        change: inout Change
    ) -> KeyValueResult {
        for key in keys {
            guard let record = live(key, change: &change) else {
                return .error(Self.noKeyOrGroup(group, key: key, suffix: " in XREADGROUP with GROUP option"))
            }
            guard let stream = record.stream else { return .error(Self.wrongType) }
            guard stream.groups[group] != nil else {
                return .error(Self.noKeyOrGroup(group, key: key, suffix: " in XREADGROUP with GROUP option"))
            }
        }
        let now = clockMilliseconds
        var answer: [KeyValueResult] = []
        for (key, start) in zip(keys, after) {
            let hasConsumer = records[key]!.stream!.groups[group]!.consumers[consumer] != nil
            defer { reportConsumerCreated(key, group, consumer, existed: hasConsumer, change: &change) }
            _ = updateCollection(key, of: StreamValue.self, event: .quiet, missing: .null, change: &change) { stream in
                let served = Self.serve(
                    &stream,
                    group,
                    consumer,
                    after: start,
                    count: count,
                    noAcknowledge: noAcknowledge,
                    at: now
                )
                if let served { answer += [.value(key), .array(served)] }
                return CollectionUpdate(result: .ok, changed: true)
            }
        }
        return answer.isEmpty ? .nullArray : .streams(answer)
    }

    /// Reports `xgroup-createconsumer` when a read or a claim made the consumer, as Redis does.
    private mutating func reportConsumerCreated(
        _ key: [UInt8],
        _ group: [UInt8],
        _ consumer: [UInt8],
        existed: Bool,
        change: inout Change
    ) {
        guard !existed, records[key]?.stream?.groups[group]?.consumers[consumer] != nil else { return }
        change.keyChanges.append(KeyChange(key: key, value: [], event: .xgroupCreateConsumer))
    }

    /// One key of XREADGROUP: new entries (`start` nil) moved into the consumer's pending
    /// entries, or the consumer's pending entries after `start` delivered again; nil when
    /// there is nothing new (the key is then left out of the answer).
    static func serve(
        _ stream: inout StreamValue,
        _ group: [UInt8],
        _ consumer: [UInt8],
        after start: StreamID?,
        count: Int64,
        noAcknowledge: Bool,
        at now: Int64
    ) -> [KeyValueResult]? {
        let limit = Int(clamping: count)
        guard let start else {
            let lastDelivered = stream.groups[group]!.lastDeliveredID
            guard let top = stream.lastEntry, top.id > lastDelivered, let from = lastDelivered.next else { return nil }
            stream.groups[group]!.touchConsumer(consumer, at: now)
            let entries = stream.entries(from: from, to: .max, limit: limit)
            for entry in entries {
                stream.advance(group, to: entry.id)
                if !noAcknowledge { stream.groups[group]!.deliver(entry.id, to: consumer, at: now, count: 1) }
            }
            return entries.map(reply)
        }
        stream.groups[group]!.touchConsumer(consumer, at: now)
        guard let from = start.next else { return [] }
        var served: [KeyValueResult] = []
        var index = stream.groups[group]!.pendingIndex(of: from).index
        while index < stream.groups[group]!.pending.count, limit == 0 || served.count < limit {
            let pending = stream.groups[group]!.pending[index]
            index += 1
            guard pending.consumer == consumer else { continue }
            guard let entry = stream.entry(pending.id) else {
                served.append(.array([.value(pending.id.bytes), .nullArray]))
                continue
            }
            stream.groups[group]!.deliver(entry.id, to: consumer, at: now, count: pending.deliveryCount + 1)
            served.append(reply(entry))
        }
        return served
    }

    /// XCLAIM on a stream whose group exists.
    static func claim(
        _ ids: [StreamID],
        in stream: inout StreamValue,
        _ group: [UInt8],
        for consumer: [UInt8],
        _ minimumIdle: Int64,
        _ options: StreamClaimOptions,
        at now: Int64
    ) -> [KeyValueResult] {
        if let lastID = options.lastID, lastID > stream.groups[group]!.lastDeliveredID {
            stream.groups[group]!.lastDeliveredID = lastID
        }
        var deliveredAt = options.idleMilliseconds.map { now &- $0 } ?? options.timeMilliseconds ?? now
        if deliveredAt < 0 || deliveredAt > now { deliveredAt = now }
        var claimed: [KeyValueResult] = []
        var consumerSeen = false
        for id in ids {
            let (index, found) = stream.groups[group]!.pendingIndex(of: id)
            guard let entry = stream.entry(id) else {
                if found { stream.groups[group]!.removePending(at: index) }
                continue
            }
            var deliveries: UInt64 = 1
            if found {
                let pending = stream.groups[group]!.pending[index]
                if minimumIdle > 0 && now &- pending.deliveredAtMilliseconds < minimumIdle { continue }
                deliveries = pending.deliveryCount
            } else if !options.force {
                continue
            }
            if !consumerSeen {
                stream.groups[group]!.touchConsumer(consumer, at: now)
                consumerSeen = true
            }
            if let retryCount = options.retryCount {
                deliveries = UInt64(clamping: retryCount)
            } else if !options.justID {
                deliveries &+= 1
            }
            stream.groups[group]!.deliver(id, to: consumer, at: deliveredAt, count: deliveries)
            claimed.append(options.justID ? .value(id.bytes) : reply(entry))
        }
        return claimed
    }

    /// XAUTOCLAIM on a stream whose group exists: [next cursor, claimed, deleted ids]. At
    /// most `count` entries are claimed or cleared, and ten times that looked at.
    static func autoClaim(
        in stream: inout StreamValue,
        _ group: [UInt8],
        for consumer: [UInt8],
        _ minimumIdle: Int64,
        from start: StreamID,
        count: Int64,
        justID: Bool,
        at now: Int64
    ) -> KeyValueResult {
        var attempts = count.multipliedReportingOverflow(by: 10).overflow ? Int64.max : count * 10
        var remaining = count
        var claimed: [KeyValueResult] = []
        var deleted: [KeyValueResult] = []
        var consumerSeen = false
        var index = stream.groups[group]!.pendingIndex(of: start).index
        while attempts > 0, remaining > 0, index < stream.groups[group]!.pending.count {
            attempts -= 1
            let pending = stream.groups[group]!.pending[index]
            guard let entry = stream.entry(pending.id) else {
                stream.groups[group]!.removePending(at: index)
                deleted.append(.value(pending.id.bytes))
                remaining -= 1
                continue
            }
            index += 1
            if minimumIdle > 0 && now &- pending.deliveredAtMilliseconds < minimumIdle { continue }
            if !consumerSeen {
                stream.groups[group]!.touchConsumer(consumer, at: now)
                consumerSeen = true
            }
            let deliveries = justID ? pending.deliveryCount : pending.deliveryCount &+ 1
            stream.groups[group]!.deliver(pending.id, to: consumer, at: now, count: deliveries)
            claimed.append(justID ? .value(pending.id.bytes) : reply(entry))
            remaining -= 1
        }
        let pendingEntries = stream.groups[group]!.pending
        let cursor = index < pendingEntries.count ? pendingEntries[index].id : .zero
        return .array([.value(cursor.bytes), .array(claimed), .array(deleted)])
    }

    /// An entry as replies write it: [id, [field, value, ...]].
    static func reply(_ entry: StreamEntry) -> KeyValueResult {
        .array([.value(entry.id.bytes), .array(entry.fields.map { .value($0) })])
    }
}

/// The stream reads.
extension KeyValueStore {
    func streamValue(_ key: [UInt8], at now: Int64) -> Result<StreamValue?, KeyValueError> {
        guard let live = record(of: key, at: now) else { return .success(nil) }
        return live.stream.map { .success($0) } ?? .failure(Self.wrongType)
    }

    func answer(_ read: StreamRead, at now: Int64) -> KeyValueResult {
        if let refusal = read.refusal { return .error(refusal) }
        switch read {
        case .refusedAfterLookup(let refusal):
            return answer(refusal, at: now)
        case .range(let key, let start, let end, let count, let reverse):
            // Redis 7.0 answers COUNT 0 before it looks at the key.
            if count == 0 { return .nullArray }
            switch streamValue(key, at: now) {
            case .failure(let error): return .error(error)
            case .success(let stream):
                let entries =
                    stream?.entries(from: start, to: end, reverse: reverse, limit: Int(clamping: count ?? 0)) ?? []
                return .array(entries.map(Self.reply))
            }
        case .length(let key):
            switch streamValue(key, at: now) {
            case .failure(let error): return .error(error)
            case .success(let stream): return .integer(Int64(stream?.count ?? 0))
            }
        case .read(let keys, let after, let count):
            var streams: [StreamValue?] = []
            for key in keys {
                switch streamValue(key, at: now) {
                case .failure(let error): return .error(error)
                case .success(let stream): streams.append(stream)
                }
            }
            var answer: [KeyValueResult] = []
            for (index, stream) in streams.enumerated() {
                guard let stream, let start = after[index], let top = stream.lastEntry, top.id > start,
                    let from = start.next
                else { continue }
                let entries = stream.entries(from: from, to: .max, limit: Int(clamping: count))
                answer += [.value(keys[index]), .array(entries.map(Self.reply))]
            }
            return answer.isEmpty ? .nullArray : .streams(answer)
        case .pending(let key, let group, let range):
            return pending(key, group, range, at: now)
        case .info(let info):
            return self.info(info, at: now)
        }
    }

    private func pending(
        _ key: [UInt8],
        _ name: [UInt8],
        _ range: StreamRead.PendingRange?,
        at now: Int64
    ) -> KeyValueResult {
        let stream: StreamValue
        switch streamValue(key, at: now) {
        case .failure(let error): return .error(error)
        case .success(let found):
            guard let found else { return .error(Self.noKeyOrGroup(name, key: key)) }
            stream = found
        }
        guard let group = stream.groups[name] else { return .error(Self.noKeyOrGroup(name, key: key)) }
        guard let range else {
            guard let first = group.pending.first, let last = group.pending.last else {
                return .array([.integer(0), .null, .null, .nullArray])
            }
            let holders = group.consumers.filter { $0.value.pendingCount > 0 }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map { KeyValueResult.array([.value($0.key), .value(Array(String($0.value.pendingCount).utf8))]) }
            return .array([
                .integer(Int64(group.pending.count)), .value(first.id.bytes), .value(last.id.bytes), .array(holders),
            ])
        }
        if let consumer = range.consumer, group.consumers[consumer] == nil { return .array([]) }
        var answer: [KeyValueResult] = []
        var index = group.pendingIndex(of: range.start).index
        while Int64(answer.count) < range.count, index < group.pending.count, group.pending[index].id <= range.end {
            let entry = group.pending[index]
            index += 1
            if let consumer = range.consumer, entry.consumer != consumer { continue }
            let idle = now &- entry.deliveredAtMilliseconds
            if range.minimumIdleMilliseconds != 0 && idle < range.minimumIdleMilliseconds { continue }
            answer.append(
                .array([
                    .value(entry.id.bytes), .value(entry.consumer), .integer(max(idle, 0)),
                    .integer(Int64(clamping: entry.deliveryCount)),
                ])
            )
        }
        return .array(answer)
    }

    private func info(_ info: StreamInfo, at now: Int64) -> KeyValueResult {
        let key: [UInt8] =
            switch info {
            case .stream(let key, _, _), .groups(let key), .consumers(let key, _): key
            }
        let stream: StreamValue
        switch streamValue(key, at: now) {
        case .failure(let error): return .error(error)
        case .success(let found):
            guard let found else { return .error(Self.noSuchKey) }
            stream = found
        }
        func field(_ name: String) -> KeyValueResult { .value(Array(name.utf8)) }
        let groupNames = stream.groups.keys.sorted { $0.lexicographicallyPrecedes($1) }
        switch info {
        case .groups:
            return .array(
                groupNames.map { name in
                    let group = stream.groups[name]!
                    return .map([
                        field("name"), .value(name), field("consumers"), .integer(Int64(group.consumers.count)),
                        field("pending"), .integer(Int64(group.pending.count)), field("last-delivered-id"),
                        .value(group.lastDeliveredID.bytes), field("entries-read"),
                        group.entriesRead == -1 ? .null : .integer(group.entriesRead), field("lag"),
                        stream.lag(of: group).map { .integer($0) } ?? .null,
                    ])
                }
            )
        case .consumers(_, let name):
            guard let group = stream.groups[name] else { return .error(Self.noGroup(name, key: key)) }
            return .array(
                group.consumers.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { consumer, state in
                    .map([
                        field("name"), .value(consumer), field("pending"), .integer(Int64(state.pendingCount)),
                        field("idle"), .integer(max(now &- state.seenAtMilliseconds, 0)),
                    ])
                }
            )
        case .stream(_, let full, let count):
            var answer: [KeyValueResult] = [
                field("length"), .integer(Int64(stream.count)), field("radix-tree-keys"),
                .integer(Int64(stream.nodeCount)), field("radix-tree-nodes"), .integer(Int64(stream.nodeCount + 1)),
                field("last-generated-id"), .value(stream.lastID.bytes), field("max-deleted-entry-id"),
                .value(stream.maxDeletedID.bytes), field("entries-added"),
                .integer(Int64(clamping: stream.entriesAdded)),
                field("recorded-first-entry-id"), .value(stream.firstID.bytes),
            ]
            guard full else {
                answer += [
                    field("groups"), .integer(Int64(stream.groups.count)), field("first-entry"),
                    stream.firstEntry.map(Self.reply) ?? .null, field("last-entry"),
                    stream.lastEntry.map(Self.reply) ?? .null,
                ]
                return .map(answer)
            }
            let limit = Int(clamping: count)
            let entries = stream.entries(from: .zero, to: .max, limit: limit)
            answer += [field("entries"), .array(entries.map(Self.reply)), field("groups")]
            answer.append(
                .array(
                    groupNames.map { name in
                        let group = stream.groups[name]!
                        let pending = limit == 0 ? group.pending[...] : group.pending.prefix(limit)
                        return .map([
                            field("name"), .value(name), field("last-delivered-id"),
                            .value(group.lastDeliveredID.bytes),
                            field("entries-read"), group.entriesRead == -1 ? .null : .integer(group.entriesRead),
                            field("lag"), stream.lag(of: group).map { .integer($0) } ?? .null, field("pel-count"),
                            .integer(Int64(group.pending.count)), field("pending"),
                            .array(
                                pending.map {
                                    .array([
                                        .value($0.id.bytes), .value($0.consumer), .integer($0.deliveredAtMilliseconds),
                                        .integer(Int64(clamping: $0.deliveryCount)),
                                    ])
                                }
                            ),
                            field("consumers"),
                            .array(
                                group.consumers.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
                                    consumer,
                                    state in
                                    let own = group.pending.filter { $0.consumer == consumer }
                                    return .map([
                                        field("name"), .value(consumer), field("seen-time"),
                                        .integer(state.seenAtMilliseconds), field("pel-count"),
                                        .integer(Int64(state.pendingCount)), field("pending"),
                                        .array(
                                            (limit == 0 ? own[...] : own.prefix(limit)).map {
                                                .array([
                                                    .value($0.id.bytes), .integer($0.deliveredAtMilliseconds),
                                                    .integer(Int64(clamping: $0.deliveryCount)),
                                                ])
                                            }
                                        ),
                                    ])
                                }
                            ),
                        ])
                    }
                )
            )
            return .map(answer)
        }
    }
}
