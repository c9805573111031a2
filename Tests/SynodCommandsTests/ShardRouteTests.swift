import SynodCommands
import SynodKeyValue
import SynodPartitioning
import Testing

/// Where a request goes on a node of several shards, and how the answers of every shard make
/// one (`ShardRoute`, `ShardedScanCursor`).
struct ShardRouteTests {
    static let division = SlotDivision(shardCount: 3)

    static func route(_ words: String...) -> ShardRoute {
        let request = words.map { Array($0.utf8) }
        guard case .success(let command) = CommandParser.parse(request) else {
            preconditionFailure("\(words) does not parse")
        }
        return ShardRoute.of(command, words: request, division: division)
    }

    static func shard(of key: String) -> Int { division.shard(of: Array(key.utf8)) }

    @Test func aCommandGoesToTheShardOfItsKeys() {
        // "foo" is in slot 12182 (the third shard), "bar" in 5061 (the first).
        #expect(Self.route("GET", "foo") == .shard(2))
        #expect(Self.route("SET", "bar", "1") == .shard(0))
        #expect(Self.route("HSET", "foo", "f", "v") == .shard(2))
        #expect(Self.route("MSET", "{foo}a", "1", "{foo}b", "2") == .shard(2))
        #expect(Self.route("BLPOP", "{bar}x", "{bar}y", "0") == .shard(0))
        #expect(Self.route("XREAD", "STREAMS", "foo", "$") == .shard(2))
        // A subcommand's key: OBJECT's, XGROUP's and XINFO's are not the container's words.
        #expect(Self.route("OBJECT", "ENCODING", "foo") == .shard(2))
        #expect(Self.route("XGROUP", "CREATE", "foo", "g", "0") == .shard(2))
        #expect(Self.route("XINFO", "STREAM", "foo") == .shard(2))
        #expect(Self.route("XGROUP", "HELP") == .shard(0))
    }

    @Test func keysOfDifferentShardsAreRefusedAsRedisClusterRefusesThem() {
        #expect(Self.shard(of: "foo") != Self.shard(of: "bar"))
        #expect(Self.route("MSET", "foo", "1", "bar", "2") == .refused(ShardRoute.crossSlot))
        #expect(Self.route("DEL", "foo", "bar") == .refused(ShardRoute.crossSlot))
        #expect(Self.route("RENAME", "foo", "bar") == .refused(ShardRoute.crossSlot))
        #expect(Self.route("SMOVE", "foo", "bar", "m") == .refused(ShardRoute.crossSlot))
    }

    @Test func coordinationLivesInTheFirstShard() {
        #expect(Self.route("LOCK.ACQUIRE", "orders", "me", "1000") == .shard(0))
        #expect(Self.route("LEASE.GRANT", "1000") == .shard(0))
        #expect(Self.route("SERVICE.REGISTER", "api", "i1", "10.0.0.1:80", "LEASE", "5") == .shard(0))
        // A write fenced by a lock or attached to a lease: its key must be there too.
        #expect(Self.route("SET", "bar", "v", "LEASE", "5") == .shard(0))
        guard case .refused(let error) = Self.route("SET", "foo", "v", "FENCE", "orders", "3") else {
            Issue.record("a fenced write of another shard's key was not refused")
            return
        }
        #expect(error.message.contains("first shard (slots 0-5461)"))
    }

    @Test func theWholeKeyspaceIsAskedOfEveryShard() {
        for words in [
            ["DBSIZE"], ["KEYS", "*"], ["RANDOMKEY"], ["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "SET", "maxmemory", "10"],
        ] {
            let request = words.map { Array($0.utf8) }
            guard case .success(let command) = CommandParser.parse(request) else {
                Issue.record("\(words) does not parse")
                continue
            }
            #expect(ShardRoute.of(command, words: request, division: Self.division) == .everyShard, "\(words)")
        }
        #expect(Self.route("SCAN", "0") == .shardOfScanCursor)
    }

    @Test func aNodeOfOneShardSendsEverythingToIt() {
        let one = SlotDivision(shardCount: 1)
        for words in [
            ["MSET", "foo", "1", "bar", "2"], ["DBSIZE"], ["SCAN", "0"], ["SET", "foo", "v", "FENCE", "l", "1"],
        ] {
            let request = words.map { Array($0.utf8) }
            guard case .success(let command) = CommandParser.parse(request) else { continue }
            #expect(ShardRoute.of(command, words: request, division: one) == .shard(0), "\(words)")
        }
        #expect(ShardRoute.revisionWatchRefusal(one) == nil)
        #expect(ShardRoute.revisionWatchRefusal(Self.division) != nil)
    }

    @Test func theShardsAnswersMakeOne() {
        #expect(ShardRoute.combine([.integer(2), .integer(0), .integer(5)], of: .read(.keyCount)) == .integer(7))
        #expect(
            ShardRoute.combine(
                [.array([.value([1])]), .array([]), .array([.value([2]), .value([3])])],
                of: .read(.keyspace(.keys(pattern: Array("*".utf8))))
            ) == .array([.value([1]), .value([2]), .value([3])])
        )
        let random = ReadCommand.keyspace(.randomKey)
        #expect(ShardRoute.combine([.null, .value([9]), .value([8])], of: .read(random), start: 0) == .value([9]))
        #expect(ShardRoute.combine([.null, .value([9]), .value([8])], of: .read(random), start: 2) == .value([8]))
        #expect(ShardRoute.combine([.null, .null], of: .read(random)) == .null)
        let error = KeyValueError(.outOfMemory, "OOM")
        #expect(ShardRoute.combine([.ok, .error(error), .ok], of: .write(.flushAll)) == .error(error))
        #expect(
            ShardRoute.combine(
                [.array([.integer(4), .status("allkeys-lru")]), .array([.integer(3), .status("allkeys-lru")])],
                of: .read(.memoryLimit)
            ) == .array([.integer(7), .status("allkeys-lru")])
        )
    }

    @Test func eachShardKeepsAShareOfMaxmemoryThatAddsUpToIt() {
        for total in [0, 1, 2, 10, 299_999, 300_001] {
            let shares = (0..<3).map { shard -> Int in
                guard
                    case .write(.configure(let bytes?, _)) = ShardRoute.part(
                        of: .write(.configure(maxMemoryBytes: total, policy: nil)),
                        forShard: shard,
                        of: 3
                    )
                else { return -1 }
                return bytes
            }
            // 0 is no limit, and stays none; a limit is at least a byte in every shard.
            #expect(total < 3 ? shares.allSatisfy { $0 == min(total, 1) } : shares.reduce(0, +) == total, "\(shares)")
            #expect(shares.max()! - shares.min()! <= 1)
        }
        #expect(ShardRoute.part(of: .read(.keyCount), forShard: 1, of: 3) == .read(.keyCount))
    }

    @Test func aScanCursorNamesTheShardAndWhereItsNextPageStarts() {
        #expect(ShardedScanCursor(0, shardCount: 3) == ShardedScanCursor(shard: 0, storeCursor: 0))
        let bucketStart: UInt64 = 5 << 49
        #expect(ShardedScanCursor.after(shard: 2, next: bucketStart, shardCount: 3) == bucketStart | 2)
        #expect(
            ShardedScanCursor(bucketStart | 2, shardCount: 3) == ShardedScanCursor(shard: 2, storeCursor: bucketStart)
        )
        // The end of a shard's keys moves on to the next shard; the last shard's ends the scan.
        #expect(ShardedScanCursor.after(shard: 0, next: 0, shardCount: 3) == 1)
        #expect(ShardedScanCursor(1, shardCount: 3) == ShardedScanCursor(shard: 1, storeCursor: 0))
        #expect(ShardedScanCursor.after(shard: 2, next: 0, shardCount: 3) == 0)
        // A cursor that names no shard (a client made it up) ends the scan.
        #expect(ShardedScanCursor(7, shardCount: 3) == nil)
        let page = ShardedScanCursor(shard: 1, storeCursor: 0).page(
            .array([.value(Array(String(bucketStart).utf8)), .array([.value([1])])]),
            shardCount: 3
        )
        #expect(page == .array([.value(Array(String(bucketStart | 1).utf8)), .array([.value([1])])]))
    }

    /// The store's SCAN cursors leave the low bits the shard takes free: every page of a
    /// store of many keys ends at a bucket's start.
    @Test func theStoresScanCursorsLeaveTheShardBitsFree() {
        var store = KeyValueStore()
        for index in 1...5_000 {
            let entry = KeyValueEntry(
                requestID: UInt64(index),
                timeMilliseconds: 1_000,
                command: .set(
                    key: Array("key:\(index)".utf8),
                    value: [1],
                    condition: .always,
                    expiry: .none,
                    returnPrevious: false
                )
            )
            _ = store.apply(encoded: entry.encoded, at: UInt64(index))
        }
        var cursor: UInt64 = 0
        var seen = 0
        var pages = 0
        repeat {
            let read = ReadCommand.keyspace(.scan(cursor: cursor, options: ScanOptions(count: 100)))
            guard case .array(let parts) = store.read(read, at: 1_000), case .value(let next) = parts[0],
                case .array(let keys) = parts[1], let nextCursor = UInt64(String(decoding: next, as: UTF8.self))
            else {
                Issue.record("SCAN answered no page")
                return
            }
            #expect(nextCursor & (1 << ShardedScanCursor.shardBits - 1) == 0)
            seen += keys.count
            cursor = nextCursor
            pages += 1
        } while cursor != 0
        #expect(seen == 5_000 && pages > 10)
    }
}
