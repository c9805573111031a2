import NIOCore
import SynodCommands
import SynodKeyValue
import SynodRESP

/// WATCH.KEY, WATCH.PREFIX, SERVICE.WATCH and WATCH.CANCEL on a connection.
///
/// The reply to a watch is `["watching", key, revision]`, where `revision` is the first one
/// the stream may hold; then each applied revision that changed a watched key arrives as a
/// push (an array in RESP2): `["watch", revision, [[event, key, value-or-nil], ...]]`. A
/// client that reconnects asks for the revision after the last it saw. In RESP2 a watching
/// connection takes only WATCH.*, SERVICE.WATCH, PING and QUIT (as Redis's subscribe mode).
extension RESPConnectionHandler {
    enum WatchStart: Sendable {
        case started(id: UInt64, from: UInt64, replay: [WatchedRevision])
        case failed(String)
    }

    /// A batch of changes in a form that may cross threads.
    struct WatchedRevision: Sendable {
        let revision: UInt64
        let changes: [KeyChange]
    }

    func startWatch(key: [UInt8], isPrefix: Bool, from: UInt64?, slot: Int, context: ChannelHandlerContext) {
        if let refusal = ShardRoute.revisionWatchRefusal(shared.driver.slotDivision) {
            var writer = RESPWriter(version: version)
            writer.error(refusal.message)
            return complete(slot, writer.take(), context: context)
        }
        guard let from else {
            // "From now on" is linearizable: now is the leader's revision, read through it,
            // which a follower may not have applied yet (the watch waits for it there).
            let driver = shared.driver
            let promise = driver.loop.makePromise(of: KeyValueResult.self)
            let origin = self.origin
            driver.loop.execute { driver.read(.revision, promise: promise, origin: origin) }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = bound.value
                guard case .success(.integer(let revision)) = result, revision >= 0, revision < Int64.max else {
                    var writer = RESPWriter(version: handler.version)
                    switch result {
                    case .success(let other): Self.write(other, to: &writer)
                    case .failure(let error): writer.error("ERR \(error)")
                    }
                    return handler.complete(slot, writer.take(), context: context)
                }
                handler.startWatch(
                    key: key,
                    isPrefix: isPrefix,
                    from: UInt64(revision) + 1,
                    slot: slot,
                    context: context
                )
            }
            return
        }
        let driver = shared.driver
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let connectionLoop = context.eventLoop
        let promise = driver.loop.makePromise(of: WatchStart.self)
        driver.loop.execute {
            guard !driver.stopped else { return promise.succeed(.failed("ERR node stopping")) }
            do {
                let (id, replay) = try driver.watches.watch(key: key, isPrefix: isPrefix, from: from) { batches in
                    let revisions = batches?.map { WatchedRevision(revision: $0.revision, changes: $0.changes) }
                    connectionLoop.execute {
                        let (handler, context) = bound.value
                        handler.push(revisions, context: context)
                    }
                }
                let first = from
                promise.succeed(
                    .started(
                        id: id,
                        from: first,
                        replay: replay.map { WatchedRevision(revision: $0.revision, changes: $0.changes) }
                    )
                )
            } catch let WatchHub.WatchError.compacted(requested, oldest) {
                promise.succeed(
                    .failed("COMPACTED revision \(requested) is compacted on this node; the oldest it has is \(oldest)")
                )
            } catch {
                promise.succeed(.failed("ERR \(error)"))
            }
        }
        promise.futureResult.hop(to: connectionLoop).whenSuccess { start in
            let (handler, context) = bound.value
            var writer = RESPWriter(version: handler.version)
            switch start {
            case .started(let id, let first, let replay):
                handler.watchIDs.append(id)
                writer.arrayHeader(3)
                writer.bulkString("watching")
                writer.bulkString(key)
                writer.integer(Int64(first))
                handler.complete(slot, writer.take(), context: context)
                handler.push(replay, context: context)
            case .failed(let message):
                writer.error(message)
                handler.complete(slot, writer.take(), context: context)
            }
        }
    }

    /// Sends changes to the client after every reply already due; nil ends the watches (this
    /// node lost its history), and the connection closes so that the client resumes.
    func push(_ revisions: [WatchedRevision]?, context: ChannelHandlerContext) {
        guard let revisions else {
            watchIDs = []
            var writer = RESPWriter(version: version)
            writer.error("ERR watch ended: this node caught up from a snapshot; resume from your last revision")
            replies.append(writer.take())
            closeAfterFlush = true
            flushReady(context: context)
            return
        }
        guard !watchIDs.isEmpty, !revisions.isEmpty else { return }
        for batch in revisions {
            var writer = RESPWriter(version: version)
            writer.pushHeader(3)
            writer.bulkString("watch")
            writer.integer(Int64(batch.revision))
            writer.arrayHeader(batch.changes.count)
            for change in batch.changes {
                writer.arrayHeader(3)
                writer.bulkString(change.event.rawValue)
                writer.bulkString(change.key)
                if let value = change.value { writer.bulkString(value) } else { writer.null() }
            }
            replies.append(writer.take())
        }
        flushReady(context: context)
    }

    /// Ends this connection's watches.
    func cancelWatches() {
        guard !watchIDs.isEmpty else { return }
        let ids = watchIDs
        watchIDs = []
        let driver = shared.driver
        driver.loop.execute { for id in ids { driver.watches.cancel(id) } }
    }

    /// In RESP2, a watching connection's stream is pushes: only these commands may interleave.
    static func allowedWhileWatchingInRESP2(_ command: ClientCommand) -> Bool {
        switch command {
        case .connection(.watch), .connection(.watchCancel), .connection(.ping), .connection(.quit): true
        default: false
        }
    }
}
