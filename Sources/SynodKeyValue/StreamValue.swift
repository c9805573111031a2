/// A stream entry's id: milliseconds and a sequence number, ordered as Redis orders them.
public struct StreamID: Hashable, Comparable, Sendable {
    public var milliseconds: UInt64
    public var sequence: UInt64

    public init(_ milliseconds: UInt64, _ sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    public static let zero = StreamID(0, 0)
    public static let max = StreamID(.max, .max)

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }

    /// The next id; nil after the last possible one.
    public var next: StreamID? {
        if sequence < .max { return StreamID(milliseconds, sequence + 1) }
        return milliseconds < .max ? StreamID(milliseconds + 1, 0) : nil
    }

    /// The id before; nil before 0-0.
    public var previous: StreamID? {
        if sequence > 0 { return StreamID(milliseconds, sequence - 1) }
        return milliseconds > 0 ? StreamID(milliseconds - 1, .max) : nil
    }

    /// `ms-seq`, as replies write it.
    public var bytes: [UInt8] { Array("\(milliseconds)-\(sequence)".utf8) }
}

/// One entry: its id and its fields and values, alternating, in the order XADD gave them.
public struct StreamEntry: Hashable, Sendable {
    public let id: StreamID
    public let fields: [[UInt8]]

    public init(id: StreamID, fields: [[UInt8]]) {
        self.id = id
        self.fields = fields
    }

    var byteCount: Int { fields.reduce(0) { $0 + $1.count } }
}

/// A run of entries as Redis keeps them in one listpack node: entries are appended to a node
/// until it holds `StreamValue.nodeCapacity` or its bytes would reach
/// `StreamNodeBytes.nodeMax`; deleted ones keep their slot and bytes until the whole node
/// goes. Approximate trimming (`~`) removes whole nodes only, so the layout is replicated
/// state: it decides what `XTRIM MAXLEN ~` keeps, the same on every replica and through a
/// snapshot.
///
/// Invariant: `entries` is not empty, in id order, and `entries.count <= slots`.
struct StreamNode: Hashable, Sendable {
    var entries: [StreamEntry]
    /// Entries ever appended here, deleted ones included.
    var slots: Int
    /// The node's listpack bytes in Redis 7.0, deleted entries included.
    var bytes: Int
    /// The id and field names of the node's first entry (its master entry in Redis), which
    /// later entries are written against.
    var masterID: StreamID
    var masterFields: [[UInt8]]
    /// The id last appended here, deleted or not: `MINID ~` removes a node whose last
    /// entry, as Redis reads it from the listpack's end, is below its threshold.
    var lastAppendedID: StreamID

    /// A new node holding `entry`.
    init(first entry: StreamEntry) {
        entries = [entry]
        slots = 1
        bytes = StreamNodeBytes.newNode(with: entry)
        masterID = entry.id
        masterFields = StreamNodeBytes.fieldNames(of: entry)
        lastAppendedID = entry.id
    }

    init(
        entries: [StreamEntry],
        slots: Int,
        bytes: Int,
        masterID: StreamID,
        masterFields: [[UInt8]],
        lastAppendedID: StreamID
    ) {
        self.entries = entries
        self.slots = slots
        self.bytes = bytes
        self.masterID = masterID
        self.masterFields = masterFields
        self.lastAppendedID = lastAppendedID
    }

    /// Whether `entry` goes into this node, as Redis 7.0's streamAppendItem decides.
    func takes(_ entry: StreamEntry) -> Bool {
        slots < StreamValue.nodeCapacity && bytes + entry.byteCount < StreamNodeBytes.nodeMax
    }

    mutating func append(_ entry: StreamEntry) {
        let sameFields =
            entry.fields.count == 2 * masterFields.count
            && masterFields.indices.allSatisfy { entry.fields[2 * $0] == masterFields[$0] }
        bytes += StreamNodeBytes.appended(entry, sameFields: sameFields, masterID: masterID)
        entries.append(entry)
        slots += 1
        lastAppendedID = entry.id
    }
}

/// An entry read by a consumer group and not acknowledged yet.
public struct PendingEntry: Hashable, Sendable {
    public let id: StreamID
    public var consumer: [UInt8]
    /// Log time of the last delivery (Unix milliseconds).
    public var deliveredAtMilliseconds: Int64
    public var deliveryCount: UInt64
}

/// A consumer of a group.
public struct StreamConsumer: Hashable, Sendable {
    /// Log time the consumer last read or claimed (Unix milliseconds).
    public var seenAtMilliseconds: Int64
    /// How many of the group's pending entries are this consumer's.
    public var pendingCount: Int
}

/// A consumer group: where it has read to, what its consumers hold unacknowledged, and its
/// consumers.
public struct StreamConsumerGroup: Hashable, Sendable {
    public var lastDeliveredID: StreamID
    /// How many entries the group has read (for its lag); -1 while unknown.
    public var entriesRead: Int64
    /// The pending entries list, in id order.
    public internal(set) var pending: [PendingEntry] = []
    public internal(set) var consumers: [[UInt8]: StreamConsumer] = [:]

    init(lastDeliveredID: StreamID, entriesRead: Int64) {
        self.lastDeliveredID = lastDeliveredID
        self.entriesRead = entriesRead
    }

    /// The position of `id` in `pending`, or where it would go.
    func pendingIndex(of id: StreamID) -> (index: Int, found: Bool) {
        var low = 0
        var high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return (low, low < pending.count && pending[low].id == id)
    }

    /// The consumer, created (seen now) if new; true when it was created.
    @discardableResult
    mutating func touchConsumer(_ name: [UInt8], at now: Int64) -> Bool {
        if consumers[name] != nil {
            consumers[name]!.seenAtMilliseconds = now
            return false
        }
        consumers[name] = StreamConsumer(seenAtMilliseconds: now, pendingCount: 0)
        return true
    }

    /// Gives the pending entry `id` to `consumer` (adding it if new), delivered at `now`.
    mutating func deliver(_ id: StreamID, to consumer: [UInt8], at now: Int64, count: UInt64) {
        let (index, found) = pendingIndex(of: id)
        if found {
            consumers[pending[index].consumer]?.pendingCount -= 1
            pending[index].consumer = consumer
            pending[index].deliveredAtMilliseconds = now
            pending[index].deliveryCount = count
        } else {
            pending.insert(
                PendingEntry(id: id, consumer: consumer, deliveredAtMilliseconds: now, deliveryCount: count),
                at: index
            )
        }
        consumers[consumer]?.pendingCount += 1
    }

    /// Removes the pending entry at `index`.
    mutating func removePending(at index: Int) {
        consumers[pending[index].consumer]?.pendingCount -= 1
        pending.remove(at: index)
    }
}

/// A stream: its entries in id order, kept in nodes as Redis keeps them, with the counters
/// XINFO reports and the consumer groups. Appending is O(1); finding an id is O(log n);
/// deleting one moves at most a node's entries. A stream is not removed when its last entry
/// goes (as in Redis): only DEL removes it.
///
/// Invariants: `count` is the entries' count and `entryBytes` their fields' bytes; every
/// entry's id is at most `lastID`.
public struct StreamValue: Hashable, Sendable {
    /// Redis's default `stream-node-max-entries`.
    static let nodeCapacity = 100

    private(set) var nodes: [StreamNode] = []
    public private(set) var count = 0
    public private(set) var entryBytes = 0
    /// The newest id ever added (or set by XSETID).
    public var lastID = StreamID.zero
    /// The greatest id XDEL removed.
    public var maxDeletedID = StreamID.zero
    /// Entries ever added.
    public var entriesAdded: UInt64 = 0
    public internal(set) var groups: [[UInt8]: StreamConsumerGroup] = [:]

    public init() {}

    /// A stream as a snapshot stored it: its nodes.
    init(nodes: [StreamNode]) {
        self.nodes = nodes.filter { !$0.entries.isEmpty }
        count = self.nodes.reduce(0) { $0 + $1.entries.count }
        entryBytes = self.nodes.reduce(0) { total, node in total + node.entries.reduce(0) { $0 + $1.byteCount } }
    }

    /// Never: an empty stream stays (`StoredCollection`).
    public var isEmpty: Bool { false }
    public var firstEntry: StreamEntry? { nodes.first?.entries.first }
    public var lastEntry: StreamEntry? { nodes.last?.entries.last }
    /// The first entry's id, 0-0 when there is none (XINFO's recorded-first-entry-id).
    public var firstID: StreamID { firstEntry?.id ?? .zero }
    /// The nodes, for a snapshot.
    var layout: [StreamNode] { nodes }
    var nodeCount: Int { nodes.count }

    /// Appends an entry whose id is above `lastID`.
    mutating func append(_ entry: StreamEntry) {
        precondition(entry.id > lastID, "a stream id going back")
        if let last = nodes.indices.last, nodes[last].takes(entry) {
            nodes[last].append(entry)
        } else {
            nodes.append(StreamNode(first: entry))
        }
        count += 1
        entryBytes += entry.byteCount
        lastID = entry.id
        entriesAdded += 1
    }

    /// The node and the position in it of the first entry at or after `id` (the end when none).
    private func position(atOrAfter id: StreamID) -> (node: Int, entry: Int) {
        var low = 0
        var high = nodes.count
        while low < high {
            let middle = (low + high) / 2
            if nodes[middle].entries.last!.id < id { low = middle + 1 } else { high = middle }
        }
        guard low < nodes.count else { return (nodes.count, 0) }
        let entries = nodes[low].entries
        var first = 0
        var last = entries.count
        while first < last {
            let middle = (first + last) / 2
            if entries[middle].id < id { first = middle + 1 } else { last = middle }
        }
        return (low, first)
    }

    public func entry(_ id: StreamID) -> StreamEntry? {
        let (node, index) = position(atOrAfter: id)
        guard node < nodes.count, nodes[node].entries[index].id == id else { return nil }
        return nodes[node].entries[index]
    }

    /// The entries from `start` to `end` (both included), up to `limit` (0: all), from the end
    /// when `reverse`.
    public func entries(from start: StreamID, to end: StreamID, reverse: Bool = false, limit: Int = 0) -> [StreamEntry]
    {
        guard start <= end else { return [] }
        var found: [StreamEntry] = []
        if !reverse {
            var (node, index) = position(atOrAfter: start)
            while node < nodes.count {
                let entries = nodes[node].entries
                while index < entries.count {
                    guard entries[index].id <= end, limit == 0 || found.count < limit else { return found }
                    found.append(entries[index])
                    index += 1
                }
                node += 1
                index = 0
            }
            return found
        }
        var (node, index) = end == .max ? (nodes.count, 0) : position(atOrAfter: end.next!)
        // Step back to the last entry at or before `end`.
        while true {
            if index == 0 {
                guard node > 0 else { return found }
                node -= 1
                index = nodes[node].entries.count
            }
            index -= 1
            let entry = nodes[node].entries[index]
            guard entry.id >= start, limit == 0 || found.count < limit else { return found }
            found.append(entry)
        }
    }

    /// Removes the entry `id`; false if there is none.
    mutating func delete(_ id: StreamID) -> Bool {
        let (node, index) = position(atOrAfter: id)
        guard node < nodes.count, nodes[node].entries[index].id == id else { return false }
        remove(node: node, index: index)
        if id > maxDeletedID { maxDeletedID = id }
        return true
    }

    private mutating func remove(node: Int, index: Int) {
        let entry = nodes[node].entries.remove(at: index)
        count -= 1
        entryBytes -= entry.byteCount
        if nodes[node].entries.isEmpty { nodes.remove(at: node) }
    }

    /// Removes entries from the head as XTRIM (and XADD's trim) does: exactly to the
    /// threshold, or, when `approximate`, whole nodes only and at most `limit` entries
    /// (0: no limit), as Redis 7.0's streamTrim counts them. Answers how many went.
    mutating func trim(_ trim: StreamTrim) -> Int {
        var removed = 0
        func isTrimmed(_ entry: StreamEntry, remaining: Int) -> Bool {
            switch trim.strategy {
            case .maxLength(let length): Int64(remaining) > length
            case .minimumID(let id): entry.id < id
            }
        }
        while let first = nodes.first {
            if trim.limit > 0 && Int64(removed + Self.nodeCapacity) > trim.limit { break }
            let wholeNode: Bool =
                switch trim.strategy {
                case .maxLength(let length): Int64(count - first.entries.count) >= length
                case .minimumID(let id): first.lastAppendedID < id
                }
            if wholeNode {
                nodes.removeFirst()
                count -= first.entries.count
                entryBytes -= first.entries.reduce(0) { $0 + $1.byteCount }
                removed += first.entries.count
                continue
            }
            if trim.approximate { break }
            while let entry = nodes.first?.entries.first, isTrimmed(entry, remaining: count) {
                remove(node: 0, index: 0)
                removed += 1
            }
            break
        }
        return removed
    }

    /// Whether an entry between `start` and the end may have been deleted (Redis's
    /// streamRangeHasTombstones): entries-read counters are exact only without one.
    func mayHaveDeletions(after start: StreamID) -> Bool {
        guard count > 0, maxDeletedID != .zero, firstID <= maxDeletedID else { return false }
        return start <= maxDeletedID
    }

    /// How many entries came before `id` in the stream's whole history, when that can be
    /// known (Redis's streamEstimateDistanceFromFirstEverEntry); -1 when not.
    func entriesRead(through id: StreamID) -> Int64 {
        guard entriesAdded > 0 else { return 0 }
        let added = Int64(clamping: entriesAdded)
        if count == 0 && id <= lastID { return added }
        if id == lastID { return added }
        if id > lastID { return -1 }
        if maxDeletedID == .zero || maxDeletedID < firstID {
            if id < firstID { return added - Int64(count) }
            if id == firstID { return added - Int64(count) + 1 }
        }
        return -1
    }

    /// XINFO GROUPS' lag of `group`: entries not read yet, or nil when it cannot be known.
    func lag(of group: StreamConsumerGroup) -> Int64? {
        guard entriesAdded > 0 else { return 0 }
        let added = Int64(clamping: entriesAdded)
        if group.entriesRead != -1 && !mayHaveDeletions(after: group.lastDeliveredID) {
            return added - group.entriesRead
        }
        let read = entriesRead(through: group.lastDeliveredID)
        return read == -1 ? nil : added - read
    }

    /// Moves `group`'s last delivered id to `id`, counting the read as Redis does.
    mutating func advance(_ name: [UInt8], to id: StreamID) {
        guard let group = groups[name], id > group.lastDeliveredID else { return }
        if group.entriesRead != -1 && !mayHaveDeletions(after: id) {
            groups[name]!.entriesRead += 1
        } else if entriesAdded > 0 {
            groups[name]!.entriesRead = entriesRead(through: id)
        }
        groups[name]!.lastDeliveredID = id
    }

    /// The group's pending entries' count across the stream (for memory accounting).
    var pendingCount: Int { groups.values.reduce(0) { $0 + $1.pending.count } }
}
