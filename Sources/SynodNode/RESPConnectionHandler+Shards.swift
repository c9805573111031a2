import NIOCore
import SynodCommands
import SynodKeyValue

/// The commands about the whole keyspace on a node of several shards (`ShardRoute`): asked of
/// every shard's group and answered as one, and SCAN, which walks the shards one after the
/// other.
extension RESPConnectionHandler {
    /// Asks `command` (its share, for maxmemory) of every shard and answers with the answers
    /// combined, in this connection's order: each shard's group keeps the connection's order
    /// for its own part.
    func runOnEveryShard(_ command: ClientCommand, slot: Int, context: ChannelHandlerContext) {
        let driver = shared.driver
        let origin = self.origin
        let local = readsMayBeStale
        let isRead: Bool
        switch command {
        case .read:
            isRead = true
            driver.metrics.readRequests.increment()
            unansweredReads += 1
        default:
            isRead = false
            driver.metrics.writeRequests.increment()
        }
        let promise = driver.loop.makePromise(of: KeyValueResult.self)
        driver.loop.execute {
            Self.askEveryShard(command, driver: driver, origin: origin, local: local).cascade(to: promise)
        }
        replyWhenReady(promise.futureResult, slot: slot, isRead: isRead, context: context)
    }

    /// Asks `command` (its share, for maxmemory) of every shard's group, in the order of
    /// connection `origin` (from this replica's state as it is when `local`), and combines the
    /// answers (`ShardRoute.combine`). On the driver's loop.
    static func askEveryShard(
        _ command: ClientCommand,
        driver: NodeDriver,
        origin: UInt64,
        local: Bool
    ) -> EventLoopFuture<KeyValueResult> {
        precondition(driver.loop.inEventLoop, "driver state is confined to its loop")
        let count = driver.slotDivision.shardCount
        let answers = (0..<count).map { shard -> EventLoopFuture<KeyValueResult> in
            let group = NodeConfiguration.group(ofShard: shard)
            switch ShardRoute.part(of: command, forShard: shard, of: count) {
            case .read(let read) where local && driver.hostedGroups.contains(group):
                return driver.loop.makeSucceededFuture(driver.serveLocally(read, group: group))
            case .read(let read):
                let answer = driver.loop.makePromise(of: KeyValueResult.self)
                driver.read(read, promise: answer, origin: origin, group: group)
                return answer.futureResult
            case .write(let write):
                let answer = driver.loop.makePromise(of: KeyValueResult.self)
                driver.write(write, promise: answer, origin: origin, group: group)
                return answer.futureResult
            case .connection:
                preconditionFailure("a connection command goes to no shard")
            }
        }
        let start = Int.random(in: 0..<count)
        return EventLoopFuture.whenAllSucceed(answers, on: driver.loop).map {
            ShardRoute.combine($0, of: command, start: start)
        }
    }

    /// SCAN on a node of several shards: a page of the shard its cursor names, the cursor
    /// answered naming where the next page starts (`ShardedScanCursor`).
    func runScanOfShards(_ command: ClientCommand, slot: Int, context: ChannelHandlerContext) {
        guard case .read(.keyspace(.scan(let cursor, let options))) = command else {
            preconditionFailure("\(command) is not SCAN")
        }
        let driver = shared.driver
        let count = driver.slotDivision.shardCount
        driver.metrics.readRequests.increment()
        unansweredReads += 1
        guard let position = ShardedScanCursor(cursor, shardCount: count) else {
            // A cursor no page gave: nothing is left to scan, as Redis answers a made-up one.
            let done = driver.loop.makeSucceededFuture(KeyValueResult.array([.value(Array("0".utf8)), .array([])]))
            return replyWhenReady(done, slot: slot, isRead: true, context: context)
        }
        let read = ReadCommand.keyspace(.scan(cursor: position.storeCursor, options: options))
        let group = NodeConfiguration.group(ofShard: position.shard)
        let origin = self.origin
        let local = readsMayBeStale && driver.hostedGroups.contains(group)
        let promise = driver.loop.makePromise(of: KeyValueResult.self)
        driver.loop.execute {
            if local {
                promise.succeed(driver.serveLocally(read, group: group))
            } else {
                driver.read(read, promise: promise, origin: origin, group: group)
            }
        }
        let page = promise.futureResult.map { position.page($0, shardCount: count) }
        replyWhenReady(page, slot: slot, isRead: true, context: context)
    }
}
