import SynodKeyValue
import SynodPartitioning

/// Where a client's read or write goes when the keyspace is divided among shards, each a
/// consensus group on every node (`SlotDivision`), and how the answers of a command asked of
/// every shard make one.
///
/// - A command that names keys (by its key positions, `CommandParser.keys(of:)`) goes to the
///   shard that owns them; keys of different shards get Redis's CROSSSLOT error.
/// - A command that names none (locks, elections, leases, the service registry, whose keys
///   live there whatever their slot) goes to the first shard, which holds the coordination
///   state; so a write fenced by a lock or attached to a lease needs its key there.
/// - A command about the whole keyspace (DBSIZE, KEYS, RANDOMKEY, FLUSHALL, FLUSHDB, the
///   memory settings) goes to every shard; SCAN walks them one after the other, its cursor
///   naming the shard (`ShardedScanCursor`).
/// - Revision watches (WATCH.*, SERVICE.WATCH) follow one shard's revisions, so the node
///   refuses them while it has several.
public enum ShardRoute: Hashable, Sendable {
    case shard(Int)
    case everyShard
    /// SCAN: the shard its cursor names.
    case shardOfScanCursor
    case refused(KeyValueError)

    /// Where `command`, parsed from `words`, goes.
    public static func of(_ command: ClientCommand, words: [[UInt8]], division: SlotDivision) -> ShardRoute {
        guard division.shardCount > 1 else { return .shard(0) }
        switch command {
        case .read(let read): return of(read, words: words, division: division)
        case .write(let write): return of(write, words: words, division: division)
        case .connection: return .shard(0)
        }
    }

    static func of(_ read: ReadCommand, words: [[UInt8]], division: SlotDivision) -> ShardRoute {
        switch read {
        case .keyCount, .keyspace(.keys), .keyspace(.randomKey), .memoryLimit: .everyShard
        case .keyspace(.scan): .shardOfScanCursor
        case .revision: .refused(revisionWatchesRefusal(division))
        default: byKeys(words, division)
        }
    }

    static func of(_ write: KeyValueCommand, words: [[UInt8]], division: SlotDivision) -> ShardRoute {
        switch write {
        case .flushAll, .configure: return .everyShard
        case .fenced, .withLease:
            switch byKeys(words, division) {
            case .shard(let shard) where shard != 0:
                return .refused(
                    KeyValueError(
                        .invalidRequest,
                        "ERR a write fenced by a lock or attached to a lease needs its key in the first shard "
                            + "(slots \(slotRange(of: 0, division))), where locks and leases live while the cluster "
                            + "has \(division.shardCount) shards: a hash tag chooses a key's slot"
                    )
                )
            case let route: return route
            }
        default:
            return byKeys(words, division)
        }
    }

    /// The shard of every key the words name: the first for none, refused for several.
    static func byKeys(_ words: [[UInt8]], _ division: SlotDivision) -> ShardRoute {
        let keys = CommandParser.keys(of: words)
        guard let first = keys.first else { return .shard(0) }
        let shard = division.shard(of: first)
        for key in keys.dropFirst() where division.shard(of: key) != shard { return .refused(crossSlot) }
        return .shard(shard)
    }

    /// Redis Cluster's error for keys of different slots (here: of different shards).
    public static let crossSlot = KeyValueError(
        .invalidRequest,
        "CROSSSLOT Keys in request don't hash to the same slot"
    )

    static func revisionWatchesRefusal(_ division: SlotDivision) -> KeyValueError {
        KeyValueError(
            .invalidRequest,
            "ERR revision watches follow one shard's revisions: not served while the cluster has "
                + "\(division.shardCount) shards"
        )
    }

    /// The refusal of a WATCH.* or SERVICE.WATCH on a node of several shards, nil on one.
    public static func revisionWatchRefusal(_ division: SlotDivision) -> KeyValueError? {
        division.shardCount > 1 ? revisionWatchesRefusal(division) : nil
    }

    static func slotRange(of shard: Int, _ division: SlotDivision) -> String {
        let slots = division.slots(of: shard)
        return "\(slots.lowerBound)-\(slots.upperBound - 1)"
    }
}

/// The one answer of a command every shard answered (`ShardRoute.everyShard`).
extension ShardRoute {
    /// What `command` asks of shard `shard`: itself, but for maxmemory, of which each shard
    /// keeps its share (the shares add up to the node's figure).
    public static func part(of command: ClientCommand, forShard shard: Int, of count: Int) -> ClientCommand {
        guard case .write(.configure(let maxBytes?, let policy)) = command else { return command }
        return .write(.configure(maxMemoryBytes: share(of: maxBytes, forShard: shard, of: count), policy: policy))
    }

    /// Shard `shard`'s share of `total`: equal shares, the first ones a byte more, and never
    /// 0 for a limit (0 is none).
    static func share(of total: Int, forShard shard: Int, of count: Int) -> Int {
        guard total > 0 else { return total }
        return max(1, total / count + (shard < total % count ? 1 : 0))
    }

    /// The shards' answers, in shard order, as one: the first error if any, else DBSIZE's sum,
    /// KEYS' keys, RANDOMKEY's key from the first shard (from `start`, round) that has one,
    /// the memory settings with the shares added up, OK for the writes.
    public static func combine(
        _ results: [KeyValueResult],
        of command: ClientCommand,
        start: Int = 0
    )
        -> KeyValueResult
    {
        if let error = results.first(where: { if case .error = $0 { true } else { false } }) { return error }
        switch command {
        case .read(.keyCount):
            return .integer(
                results.reduce(0) { total, result in
                    if case .integer(let count) = result { total + count } else { total }
                }
            )
        case .read(.keyspace(.keys)):
            return .array(
                results.flatMap { result -> [KeyValueResult] in if case .array(let keys) = result { keys } else { [] } }
            )
        case .read(.keyspace(.randomKey)):
            guard !results.isEmpty else { return .null }
            for offset in results.indices {
                let result = results[(start + offset) % results.count]
                if result != .null { return result }
            }
            return .null
        case .read(.memoryLimit):
            var total: Int64 = 0
            for case .array(let parts) in results where parts.count == 2 {
                if case .integer(let bytes) = parts[0] { total += bytes }
            }
            guard case .array(let first)? = results.first, first.count == 2 else { return results.first ?? .null }
            return .array([.integer(total), first[1]])
        default:
            return results.first ?? .null
        }
    }
}

/// SCAN's cursor over several shards: the store's cursor (a position at the start of one of
/// its buckets, so a multiple of 2^49) with the shard in its low bits. 0 starts at the first
/// shard; a shard's last page moves on to the next shard, and the last shard's ends the scan.
public struct ShardedScanCursor: Hashable, Sendable {
    /// The low bits that carry the shard.
    public static let shardBits = 16
    public let shard: Int
    public let storeCursor: UInt64

    public init(shard: Int, storeCursor: UInt64) {
        self.shard = shard
        self.storeCursor = storeCursor
    }

    /// The cursor a client sent; nil for one that names no shard of `count` (a cursor the
    /// client made up: the scan is over).
    public init?(_ cursor: UInt64, shardCount count: Int) {
        let shard = Int(cursor & (1 << Self.shardBits - 1))
        guard shard < count else { return nil }
        self.init(shard: shard, storeCursor: cursor & ~(1 << Self.shardBits - 1))
    }

    /// The cursor a client gets after a page of this shard that ended at `next` (0: the shard
    /// is done), given `count` shards.
    public static func after(shard: Int, next: UInt64, shardCount count: Int) -> UInt64 {
        if next != 0 { return next | UInt64(shard) }
        return shard + 1 < count ? UInt64(shard + 1) : 0
    }

    /// A store page (`[cursor, [keys]]`) with its cursor turned into the client's.
    public func page(_ result: KeyValueResult, shardCount count: Int) -> KeyValueResult {
        guard case .array(let parts) = result, parts.count == 2, case .value(let text) = parts[0],
            let next = UInt64(String(decoding: text, as: UTF8.self))
        else { return result }
        let cursor = Self.after(shard: shard, next: next, shardCount: count)
        return .array([.value(Array(String(cursor).utf8)), parts[1]])
    }
}
