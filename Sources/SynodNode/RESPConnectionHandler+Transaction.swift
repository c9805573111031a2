import NIOCore
import SynodCommands
import SynodKeyValue
import SynodRESP

/// MULTI, EXEC, DISCARD, WATCH and UNWATCH, as Redis answers them. The queued commands go
/// through the log as one entry (`KeyValueCommand.transaction`), so they apply atomically on
/// every replica; WATCH reads each key's version linearizably (through the leader), and the
/// entry carries those versions: if one has changed when it applies, wherever the change came
/// from, nothing runs and EXEC answers nil.
extension RESPConnectionHandler {
    /// Handles a parsed request while MULTI is open; false when it is not a transaction matter.
    func handleInTransaction(
        _ parsed: Result<ClientCommand, CommandRejection>,
        words: [[UInt8]],
        slot: Int,
        context: ChannelHandlerContext
    ) -> Bool {
        guard queuedSteps != nil else { return false }
        var writer = RESPWriter(version: version)
        let queues =
            switch parsed {
            case .success(let command): command.isQueuedInTransaction
            case .failure(let rejection): !rejection.isLookupFailure
            }
        if queues {
            // The queue becomes one log entry: it obeys the request limit as one request.
            queuedBytes += RESPLimits.requestBytes(of: words)
            guard queuedBytes <= decoder.limits.requestBytesMax, queuedSteps!.count < Self.queuedCommandsMax else {
                transactionFailed = true
                writer.error(
                    "ERR MULTI queue over its limit (\(Self.queuedCommandsMax) commands, "
                        + "max-request-bytes \(decoder.limits.requestBytesMax)); EXEC will discard the transaction"
                )
                complete(slot, writer.take(), context: context)
                return true
            }
        }
        switch parsed {
        case .failure(let rejection) where rejection.isLookupFailure:
            transactionFailed = true
            writer.error(rejection.message)
        case .failure(let rejection):
            // As in Redis: a command whose own arguments are wrong is queued, and its error is
            // its reply in EXEC's answer; the others still run.
            queuedSteps!.append(.local(.error(rejection.error)))
            writer.simpleString("QUEUED")
        case .success(.connection(.exec)):
            executeTransaction(slot: slot, context: context)
            return true
        case .success(.connection(.discard)):
            endTransaction()
            writer.simpleString("OK")
        case .success(.connection(.multi)):
            writer.error("ERR MULTI calls can not be nested")
        case .success(.connection(.watchKeys)):
            writer.error("ERR WATCH inside MULTI is not allowed")
        case .success(.write(let command)):
            queue(.write(command), words: words, to: &writer)
        case .success(.read(let command)):
            queue(.read(command), words: words, to: &writer)
        case .success(.connection(.ping(let message))):
            queuedSteps!.append(.local(message.map { .value($0) } ?? .status("PONG")))
            writer.simpleString("QUEUED")
        case .success(.connection(.echo(let message))):
            queuedSteps!.append(.local(.value(message)))
            writer.simpleString("QUEUED")
        case .success(.connection(.help(let lines))):
            queuedSteps!.append(.local(.array(lines.map { .status($0) })))
            writer.simpleString("QUEUED")
        case .success(.connection):
            transactionFailed = true
            writer.error("ERR Command not allowed inside a transaction")
        }
        complete(slot, writer.take(), context: context)
        return true
    }

    /// Queues a read or a write, unless its shard refuses it (on a node of several shards, as
    /// Redis Cluster refuses a key of another slot inside MULTI: EXEC then discards it all).
    func queue(_ step: TransactionStep, words: [[UInt8]], to writer: inout RESPWriter) {
        let command: ClientCommand =
            switch step {
            case .write(let write): .write(write)
            case .read(let read): .read(read)
            }
        if let refusal = shardRefusal(of: command, words: words) {
            transactionFailed = true
            writer.error(refusal.message)
            return
        }
        queuedSteps!.append(.step(step))
        writer.simpleString("QUEUED")
    }

    /// On a node of several shards, why a queued read or write cannot join the transaction:
    /// its keys are in another shard than the transaction's (Redis's CROSSSLOT), or it is
    /// about every shard. Notes the transaction's shard otherwise; nil on a node of one shard.
    func shardRefusal(of command: ClientCommand, words: [[UInt8]]) -> KeyValueError? {
        let division = shared.driver.slotDivision
        guard division.shardCount > 1, command.isReadOrWrite else { return nil }
        switch ShardRoute.of(command, words: words, division: division) {
        case .shard(let shard):
            if let chosen = transactionShard, chosen != shard { return ShardRoute.crossSlot }
            transactionShard = shard
            return nil
        case .everyShard, .shardOfScanCursor:
            let name = String(decoding: words[0].prefix(128), as: UTF8.self).uppercased()
            return KeyValueError(
                .invalidRequest,
                "ERR \(name) runs on every shard: not inside MULTI while the cluster has \(division.shardCount) shards"
            )
        case .refused(let error):
            return error
        }
    }

    func runTransactionCommand(_ command: ConnectionCommand, slot: Int, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        switch command {
        case .multi:
            queuedSteps = []
            queuedBytes = 0
            transactionFailed = false
            writer.simpleString("OK")
        case .exec:
            writer.error("ERR EXEC without MULTI")
        case .discard:
            writer.error("ERR DISCARD without MULTI")
        case .unwatch:
            watchedVersions = []
            transactionShard = nil
            writer.simpleString("OK")
        case .watchKeys(let keys):
            if let refusal = watchedKeysRefusal(adding: keys) {
                writer.error(refusal)
                break
            }
            let division = shared.driver.slotDivision
            if division.shardCount > 1 {
                // The watched keys' versions are checked in the transaction's entry: one shard.
                let shards = Set(keys.map { division.shard(of: $0) })
                if shards.count > 1 || (transactionShard != nil && shards.first != transactionShard) {
                    writer.error(ShardRoute.crossSlot.message)
                    break
                }
                transactionShard = shards.first
            }
            watchKeys(keys, slot: slot, context: context)
            return
        default:
            preconditionFailure("\(command) is not a transaction command")
        }
        complete(slot, writer.take(), context: context)
    }

    /// Reads the keys' versions through the leader and remembers them (the first version of a
    /// key watched twice).
    func watchKeys(_ keys: [[UInt8]], slot: Int, context: ChannelHandlerContext) {
        let driver = shared.driver
        let promise = driver.loop.makePromise(of: KeyValueResult.self)
        let origin = self.origin
        let group = NodeConfiguration.group(ofShard: transactionShard ?? 0)
        driver.loop.execute {
            driver.read(.keyVersions(keys: keys), promise: promise, origin: origin, group: group)
        }
        // A read like any other: this connection's later writes wait for it.
        unansweredReads += 1
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            handler.unansweredReads -= 1
            var writer = RESPWriter(version: handler.version)
            switch result {
            case .success(.array(let versions)) where versions.count == keys.count:
                for (key, version) in zip(keys, versions) {
                    guard case .integer(let revision) = version,
                        !handler.watchedVersions.contains(where: { $0.key == key })
                    else { continue }
                    handler.watchedVersions.append(KeyVersion(key: key, revision: UInt64(revision)))
                }
                writer.simpleString("OK")
            case .success(let other):
                Self.write(other, to: &writer)
            case .failure(let error):
                writer.error("ERR \(error)")
            }
            handler.complete(slot, writer.take(), context: context)
        }
    }

    /// The most commands one MULTI may queue.
    static let queuedCommandsMax = 100_000

    /// A queued command: replicated, or answered by the node itself (PING, ECHO, and the
    /// error of a command whose arguments are wrong).
    enum QueuedCommand {
        case step(TransactionStep)
        case local(KeyValueResult)
    }

    func executeTransaction(slot: Int, context: ChannelHandlerContext) {
        let queued = queuedSteps ?? []
        let steps: [TransactionStep] = queued.compactMap { if case .step(let step) = $0 { step } else { nil } }
        let failed = transactionFailed
        let versions = watchedVersions
        let group = NodeConfiguration.group(ofShard: transactionShard ?? 0)
        endTransaction()
        guard !failed else {
            var writer = RESPWriter(version: version)
            writer.error("EXECABORT Transaction discarded because of previous errors.")
            complete(slot, writer.take(), context: context)
            return
        }
        shared.driver.metrics.writeRequests.increment()
        let driver = shared.driver
        let promise = driver.loop.makePromise(of: KeyValueResult.self)
        let command = KeyValueCommand.transaction(versions: versions, steps: steps)
        let origin = self.origin
        driver.loop.execute { driver.write(command, promise: promise, origin: origin, group: group) }
        // The replies of PING and ECHO go back among the others, in queue order.
        let merged = promise.futureResult.map { result -> KeyValueResult in
            guard case .array(let results) = result, results.count == steps.count else { return result }
            var replicated = results.makeIterator()
            return .array(
                queued.map { entry in
                    switch entry {
                    case .step: replicated.next()!
                    case .local(let reply): reply
                    }
                }
            )
        }
        replyWhenReady(merged, slot: slot, context: context)
    }

    /// EXEC and DISCARD end the transaction and forget the watched keys.
    func endTransaction() {
        queuedSteps = nil
        queuedBytes = 0
        transactionFailed = false
        watchedVersions = []
        transactionShard = nil
    }
}

extension ClientCommand {
    /// A replicated write or a read, which a shard's group serves.
    var isReadOrWrite: Bool {
        switch self {
        case .write, .read: true
        case .connection: false
        }
    }

    /// What MULTI queues rather than refuses.
    fileprivate var isQueuedInTransaction: Bool {
        switch self {
        case .write, .read, .connection(.ping), .connection(.echo): true
        default: false
        }
    }
}
