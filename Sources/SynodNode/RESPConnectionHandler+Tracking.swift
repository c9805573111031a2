import NIOCore
import SynodCommands
import SynodRESP

/// CLIENT TRACKING on a connection: the keys it reads are tracked (per OPTIN / OPTOUT and
/// CLIENT CACHING), and invalidations arrive as RESP3 pushes (`invalidate`) or, redirected, as
/// `__redis__:invalidate` messages on the connection that subscribed to it. A client's own
/// write is invalidated before its reply, so a local cache never serves a value older than the
/// client's own last write (unless it asked for NOLOOP: then its own writes are not reported,
/// exactly, because every entry carries the connection it came from).
extension RESPConnectionHandler {
    static let invalidationChannel = Array("__redis__:invalidate".utf8)

    func runTrackingCommand(_ command: ConnectionCommand, slot: Int, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        let driver = shared.driver
        let id = clientID
        switch command {
        case .clientTracking(let options?):
            // Invalidations come from the changes this node applies: it must apply every shard's.
            if driver.hostedGroups.count < driver.slotDivision.shardCount {
                writer.error(
                    "ERR CLIENT TRACKING needs a node that holds every shard; this one holds "
                        + "\(driver.hostedGroups.count) of \(driver.slotDivision.shardCount) (--replicas)"
                )
                break
            }
            if let redirect = options.redirect, shared.clients.withLockedValue({ $0[redirect] == nil }) {
                writer.error("ERR The client ID you want redirect to does not exist")
                break
            }
            if let refusal = trackingPrefixRefusal(options.prefixes) {
                writer.error(refusal)
                break
            }
            tracking = options
            trackedKeys = []
            let client = TrackingHub.Client(
                broadcast: options.broadcast,
                prefixes: options.prefixes,
                target: options.redirect ?? id,
                ownOrigin: options.noLoop ? origin : nil
            )
            driver.loop.execute { driver.tracking.enable(id, client) }
            writer.simpleString("OK")
        case .clientTracking(nil):
            tracking = nil
            trackedKeys = []
            driver.loop.execute { driver.tracking.disable(id) }
            writer.simpleString("OK")
        case .clientCaching(let yes):
            guard let tracking, tracking.optIn || tracking.optOut, tracking.optIn == yes else {
                writer.error(
                    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
                )
                break
            }
            cachingNext = yes
            writer.simpleString("OK")
        case .clientGetRedirect:
            writer.integer(Int64(tracking == nil ? -1 : tracking?.redirect ?? 0))
        default:
            preconditionFailure("\(command) is not a tracking command")
        }
        complete(slot, writer.take(), context: context)
    }

    /// Lets the hub reach this connection (for its own invalidations, or redirected ones).
    func registerInvalidations(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let connectionLoop = context.eventLoop
        let driver = shared.driver
        let id = clientID
        driver.loop.execute {
            driver.tracking.registerDeliverer(id) { keys in
                connectionLoop.execute {
                    let (handler, context) = bound.value
                    handler.invalidated(keys, context: context)
                }
            }
        }
    }

    func invalidated(_ keys: [[UInt8]], context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        if tracking != nil && tracking?.redirect == nil && version == .resp3 {
            for key in keys { trackedKeys.remove(key) }
            writer.pushHeader(2)
            writer.bulkString("invalidate")
        } else if subscribedChannels.contains(Self.invalidationChannel) {
            writer.pushHeader(3)
            writer.bulkString("message")
            writer.bulkString(Self.invalidationChannel)
        } else {
            return
        }
        writer.arrayHeader(keys.count)
        for key in keys { writer.bulkString(key) }
        replies.append(writer.take())
        flushReady(context: context)
    }

    /// Before a command runs: a read's keys become tracked; a write's keys that this client
    /// tracked are invalidated now, ahead of the write's reply.
    func trackBeforeRunning(_ command: ClientCommand, words: [[UInt8]], context: ChannelHandlerContext) {
        guard let tracking else { return }
        let caching = cachingNext
        cachingNext = nil
        guard !tracking.broadcast else { return }
        let driver = shared.driver
        let id = clientID
        switch command {
        case .read:
            let wanted = tracking.optIn ? caching == true : tracking.optOut ? caching != false : true
            guard wanted else { return }
            let keys = CommandParser.keys(of: words)
            guard !keys.isEmpty else { return }
            trackedKeys.formUnion(keys)
            driver.loop.execute { driver.tracking.track(id, keys) }
        case .write:
            // NOLOOP: the client keeps its own writes in mind; others' still invalidate.
            guard !tracking.noLoop else { return }
            let mine = CommandParser.keys(of: words).filter { trackedKeys.contains($0) }
            guard !mine.isEmpty else { return }
            for key in mine { trackedKeys.remove(key) }
            driver.loop.execute { driver.tracking.untrack(id, mine) }
            guard tracking.redirect == nil, version == .resp3 else { return }
            // Out of band, ahead of every reply still due: RESP3 allows a push anywhere.
            var writer = RESPWriter(version: version)
            writer.pushHeader(2)
            writer.bulkString("invalidate")
            writer.arrayHeader(mine.count)
            for key in mine { writer.bulkString(key) }
            writeOutput(context: context)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: writer.take())), promise: nil)
        case .connection:
            return
        }
    }
}
