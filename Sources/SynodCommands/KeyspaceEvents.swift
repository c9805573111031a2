import SynodKeyValue

/// Redis's `notify-keyspace-events`: which key changes are published, and on which channels
/// (`__keyspace@0__:<key>` with the event as message, `__keyevent@0__:<event>` with the key).
public struct KeyspaceEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let keyspace = KeyspaceEvents(rawValue: 1 << 0)  // K
    public static let keyevent = KeyspaceEvents(rawValue: 1 << 1)  // E
    public static let generic = KeyspaceEvents(rawValue: 1 << 2)  // g
    public static let string = KeyspaceEvents(rawValue: 1 << 3)  // $
    public static let list = KeyspaceEvents(rawValue: 1 << 4)  // l
    public static let set = KeyspaceEvents(rawValue: 1 << 5)  // s
    public static let hash = KeyspaceEvents(rawValue: 1 << 6)  // h
    public static let sortedSet = KeyspaceEvents(rawValue: 1 << 7)  // z
    public static let expired = KeyspaceEvents(rawValue: 1 << 8)  // x
    public static let evicted = KeyspaceEvents(rawValue: 1 << 9)  // e
    public static let stream = KeyspaceEvents(rawValue: 1 << 10)  // t
    public static let keyMiss = KeyspaceEvents(rawValue: 1 << 11)  // m
    public static let module = KeyspaceEvents(rawValue: 1 << 12)  // d
    public static let newKey = KeyspaceEvents(rawValue: 1 << 13)  // n
    /// `A`: every class but m and n.
    public static let all: KeyspaceEvents = [
        .generic, .string, .list, .set, .hash, .sortedSet, .expired, .evicted, .stream, .module,
    ]

    static let letters: [(Character, KeyspaceEvents)] = [
        ("g", .generic), ("$", .string), ("l", .list), ("s", .set), ("h", .hash), ("z", .sortedSet),
        ("x", .expired), ("e", .evicted), ("t", .stream), ("m", .keyMiss), ("d", .module), ("n", .newKey),
        ("K", .keyspace), ("E", .keyevent),
    ]

    public static let invalid =
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

    /// Parses flags as CONFIG SET takes them; nil for an unknown character.
    public init?(flags: String) {
        var events: KeyspaceEvents = []
        for character in flags {
            if character == "A" {
                events.formUnion(.all)
            } else if let (_, flag) = Self.letters.first(where: { $0.0 == character }) {
                events.formUnion(flag)
            } else {
                return nil
            }
        }
        self = events
    }

    /// The flags as CONFIG GET shows them (Redis's order, `A` when all of it is set).
    public var flags: String {
        var text = ""
        var rest = self
        if rest.isSuperset(of: .all) {
            text += "A"
            rest.subtract(.all)
        }
        for (letter, flag) in Self.letters where rest.contains(flag) { text.append(letter) }
        return text
    }

    /// The class a key event belongs to.
    static func eventClass(_ event: KeyEvent) -> KeyspaceEvents {
        switch event {
        case .set, .incrby, .incrbyfloat, .append, .setrange: .string
        case .del, .expire, .persist, .renameFrom, .renameTo, .copyTo: .generic
        case .expired: .expired
        case .evicted: .evicted
        case .hset, .hdel, .hincrby, .hincrbyfloat: .hash
        case .lpush, .rpush, .lpop, .rpop, .linsert, .lset, .lrem, .ltrim: .list
        case .sadd, .srem, .spop, .sinterstore, .sunionstore, .sdiffstore: .set
        case .zadd, .zincr, .zrem, .zremrangebyrank, .zremrangebyscore, .zremrangebylex, .zpopmin, .zpopmax,
            .zunionstore, .zinterstore, .zdiffstore, .zrangestore:
            .sortedSet
        case .xadd, .xtrim, .xdel, .xsetid, .xgroupCreate, .xgroupSetID, .xgroupDestroy, .xgroupCreateConsumer,
            .xgroupDeleteConsumer:
            .stream
        case .quiet: []
        }
    }

    /// The (channel, message) pairs to publish for one change; none if not enabled.
    public func notifications(for change: KeyChange) -> [(channel: [UInt8], message: [UInt8])] {
        let eventClass = Self.eventClass(change.event)
        guard !eventClass.isEmpty, contains(eventClass) else { return [] }
        let event = Array(change.event.rawValue.utf8)
        var notifications: [(channel: [UInt8], message: [UInt8])] = []
        if contains(.keyspace) { notifications.append((Array("__keyspace@0__:".utf8) + change.key, event)) }
        if contains(.keyevent) { notifications.append((Array("__keyevent@0__:".utf8) + event, change.key)) }
        return notifications
    }
}
