import DequeModule
import NIOConcurrencyHelpers
import NIOCore
import SynodCommands
import SynodCore
import SynodKeyValue
import SynodPartitioning
import SynodRESP

/// What every client connection shares: the driver, and counters for INFO.
final class ClientContext: Sendable {
    let driver: NodeDriver
    let configuration: NodeConfiguration
    let authentication: ClientAuthentication
    /// notify-keyspace-events as CONFIG GET shows it (the driver keeps its own copy).
    let keyspaceEvents = NIOLockedValueBox(KeyspaceEvents())
    /// The tuning parameters CONFIG SET gave this node, by canonical name (`TuningParameters`).
    let tuning = NIOLockedValueBox([String: String]())
    let statistics = NIOLockedValueBox(Statistics())
    let startedAt = NIODeadline.now()

    struct Statistics {
        var connectedClients = 0
        var totalConnections = 0
        var commandsProcessed = 0
        var nextClientID = 1
        var rejectedConnections = 0
        /// Clients disconnected for exceeding the output buffer limit.
        var outputBufferDisconnections = 0
        /// Connections closed for sending HTTP (`POST`, `Host:`) to the client port.
        var crossProtocolRejections = 0
    }

    init(driver: NodeDriver, configuration: NodeConfiguration) {
        self.driver = driver
        self.configuration = configuration
        authentication = ClientAuthentication(
            password: configuration.requirePassword,
            protectedMode: configuration.protectedMode,
            aclFilePath: configuration.accessControl.filePath,
            fileUsers: configuration.accessControl.fileUsers
        )
    }

    /// The open connections, for CLIENT LIST, INFO and KILL.
    let clients = NIOLockedValueBox<[Int: ClientRecord]>([:])

    struct ClientRecord {
        let id: Int
        let channel: Channel
        let address: String
        let localAddress: String
        let createdAt: NIODeadline
        var name: [UInt8]?
        var lastActiveAt: NIODeadline
        var lastCommand = "NULL"
        var resp = 2
        /// The ACL user the connection acts as.
        var user = AccessControlList.defaultName
        /// Tells the connection, on its own loop, that its user changed or is gone.
        let accessChanged: @Sendable (AccessChange) -> Void
        var subscriptions = 0
        var patterns = 0
        var inMulti = false

        /// One line of CLIENT LIST, with Redis's field names.
        func line(now: NIODeadline) -> String {
            let age = (now - createdAt).nanoseconds / 1_000_000_000
            let idle = (now - lastActiveAt).nanoseconds / 1_000_000_000
            let flags = (subscriptions + patterns > 0 ? "P" : "") + (inMulti ? "x" : "")
            return
                "id=\(id) addr=\(address) laddr=\(localAddress) fd=-1 name=\(name.map { String(decoding: $0, as: UTF8.self) } ?? "") "
                + "age=\(age) idle=\(idle) flags=\(flags.isEmpty ? "N" : flags) db=0 sub=\(subscriptions) psub=\(patterns) "
                + "ssub=0 multi=\(inMulti ? 0 : -1) cmd=\(lastCommand) user=\(String(decoding: user, as: UTF8.self)) "
                + "redir=-1 resp=\(resp)"
        }
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address else { return "?:0" }
        return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    }
}

/// One client connection: decodes requests, runs them (connection commands here, reads and
/// writes on the driver), and writes the replies in request order even though they complete
/// out of order. Pipelined requests beyond `pendingRepliesMax` pause reading until replies
/// drain.
final class RESPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let pendingRepliesMax = 1024

    let shared: ClientContext
    var decoder: RESPRequestDecoder
    var version = RESPVersion.resp2
    /// Whether this client may run commands (it has the password, or none is needed).
    var isAuthenticated = false
    /// The ACL user whose rules this connection's commands obey (`default` until AUTH).
    var userName = AccessControlList.defaultName
    /// `currentUser`'s last lookup, with the users' change count when it was made.
    var cachedUser: (changeCount: UInt64, user: ACLUser)?
    var clientID = 0
    var clientName: [UInt8]?
    /// Replies in request order; nil while a reply is still being computed.
    var replies: Deque<[UInt8]?> = []
    /// Replies whose turn has come, not yet handed to the channel: written as one buffer when
    /// the queued flush runs (`writeOutput`), however many requests a read cycle answered.
    var output = RESPWriter()
    /// This connection's place in its pipeline (`handlerAdded`), for replies the driver
    /// delivers (`receive`); nil once the handler is removed.
    var context: ChannelHandlerContext?
    /// The nils in `replies`.
    var unansweredCount = 0
    /// Reads sent to the driver and not yet answered.
    var unansweredReads = 0
    /// Commands decoded but not yet run, with their reply slots, in order (see `mustWait`).
    var held: [(words: [[UInt8]], slot: Int)] = []
    /// `runHeld` is on the stack: a command it runs that completes at once must not re-enter it.
    var runningHeld = false
    /// The number of the request whose reply is `replies[0]` (replies are numbered from 0 in
    /// request order, so a slot stays valid while earlier replies are written and removed).
    var firstReplyNumber = 0
    /// CLIENT REPLY's mode: `.skip` while the next command's reply is to go unsent.
    var replyMode = ReplyMode.on
    /// The replies (by number) that CLIENT REPLY leaves unsent.
    var silencedReplies: Set<Int> = []
    var closeAfterFlush = false
    /// After READONLY: reads are served by this node from its own state, possibly stale.
    var readsMayBeStale = false
    /// After CLIENT CAPA redirect: the client follows MOVED (as every client does on a node
    /// started with `--cluster-redirects`).
    var declaredRedirections = false
    /// A keyed command sent here while another node leads its shard is answered MOVED.
    var followsRedirections: Bool { declaredRedirections || shared.configuration.clusterRedirects }
    var readingPaused = false
    /// A flush is queued on the loop: replies that complete before it runs leave in one write.
    var flushQueued = false
    /// This connection's watches (WATCH.*), as the driver's `WatchHub` knows them.
    var watchIDs: [UInt64] = []
    var subscribedChannels: Set<[UInt8]> = []
    var subscribedPatterns: Set<[UInt8]> = []
    var subscriberRegistered = false
    /// The commands queued since MULTI; nil outside a transaction.
    var queuedSteps: [QueuedCommand]?
    /// The request bytes of the queued commands (they become one entry).
    var queuedBytes = 0
    /// A queued command was refused: EXEC will answer EXECABORT.
    var transactionFailed = false
    /// The versions WATCH read, checked when EXEC's entry applies.
    var watchedVersions: [KeyVersion] = []
    /// On a node of several shards, the shard the queued commands and the watched keys go
    /// to: one transaction is one entry of one shard's log.
    var transactionShard: Int?
    /// CLIENT TRACKING's options while it is on.
    var tracking: TrackingOptions?
    /// The keys this connection's reads made tracked (default mode).
    var trackedKeys: Set<[UInt8]> = []
    /// CLIENT CACHING yes|no, for the next command only.
    var cachingNext: Bool?
    /// Commands decoded since this connection's activity was last recorded in the shared
    /// statistics and its CLIENT LIST line, and the last of them: recorded once per read, not
    /// once per command (two locks per command cost 6% of a pipelined SET's time).
    var unrecordedCommands = 0
    var lastCommand: [[UInt8]] = []

    init(shared: ClientContext, limits: RESPLimits = RESPLimits()) {
        self.shared = shared
        self.decoder = RESPRequestDecoder(limits: limits)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelActive(context: ChannelHandlerContext) {
        let (id, accepted) = shared.statistics.withLockedValue { statistics -> (Int, Bool) in
            guard statistics.connectedClients < shared.configuration.clientConnectionsMax else {
                statistics.rejectedConnections += 1
                return (0, false)
            }
            statistics.connectedClients += 1
            statistics.totalConnections += 1
            defer { statistics.nextClientID += 1 }
            return (statistics.nextClientID, true)
        }
        guard accepted else {
            var writer = RESPWriter()
            writer.error("ERR max number of clients reached")
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: writer.take())), promise: nil)
            context.close(promise: nil)
            return
        }
        guard shared.authentication.admits(fromLoopback: context.channel.remoteAddress?.isLoopback == true) else {
            shared.statistics.withLockedValue {
                $0.connectedClients -= 1
                $0.rejectedConnections += 1
            }
            var writer = RESPWriter()
            writer.error(ClientAuthentication.protectedModeDenial)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: writer.take())), promise: nil)
            context.close(promise: nil)
            return
        }
        isAuthenticated = shared.authentication.opensWithoutPassword
        decoder.isAuthenticated = isAuthenticated
        clientID = id
        let now = NIODeadline.now()
        let record = ClientContext.ClientRecord(
            id: id,
            channel: context.channel,
            address: ClientContext.describe(context.channel.remoteAddress),
            localAddress: ClientContext.describe(context.channel.localAddress),
            createdAt: now,
            lastActiveAt: now,
            accessChanged: accessChangeNotifier(context: context)
        )
        shared.clients.withLockedValue { $0[id] = record }
        registerInvalidations(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if clientID != 0 { _ = shared.clients.withLockedValue { $0.removeValue(forKey: clientID) } }
        cancelWatches()
        unregisterSubscriber()
        if clientID != 0 {
            let driver = shared.driver
            let id = clientID
            let origin = self.origin
            driver.loop.execute {
                driver.tracking.disconnect(id)
                driver.clientGone(origin: origin)
            }
        }
        if clientID != 0 { shared.statistics.withLockedValue { $0.connectedClients -= 1 } }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closeAfterFlush else { return }
        decoder.append(unwrapInboundIn(data).readableBytesView)
        decodeAvailable(context: context)
        enforceQueryBufferLimit(context: context)
    }

    func decodeAvailable(context: ChannelHandlerContext) {
        defer { recordActivity() }
        while !closeAfterFlush && replies.count < Self.pendingRepliesMax {
            switch decoder.next() {
            case .command(let words) where Self.isCrossProtocolAttack(words):
                // A web page made a browser send HTTP here: close at once, answering nothing,
                // as Redis does (its "Possible SECURITY ATTACK detected").
                shared.statistics.withLockedValue { $0.crossProtocolRejections += 1 }
                closeAfterFlush = true
                context.close(promise: nil)
                return
            case .command(let words):
                unrecordedCommands += 1
                lastCommand = words
                handle(words, context: context)
            case .needMoreData:
                return
            case .protocolError(let message):
                var writer = RESPWriter(version: version)
                writer.error("ERR " + message)
                replies.append(writer.take())
                closeAfterFlush = true
                flushReady(context: context)
            case .refusedRequest(let message):
                // Read past whole: refused in its turn, and the connection goes on. Inside
                // MULTI it makes EXEC fail, as a command refused before queuing does.
                if queuedSteps != nil { transactionFailed = true }
                var writer = RESPWriter(version: version)
                writer.error(message)
                replies.append(writer.take())
                flushReady(context: context)
            }
        }
        updateReading(context: context)
    }

    /// An HTTP request line (`POST /...`) or header (`Host:`) decoded as an inline command.
    static func isCrossProtocolAttack(_ words: [[UInt8]]) -> Bool {
        guard let name = words.first, name.count == 4 || name.count == 5 else { return false }
        let lowercase = KeyValueStore.lowercased(name)
        return lowercase == "post" || lowercase == "host:"
    }

    /// Backpressure: stops reading requests while too many replies wait or while the client
    /// does not take the bytes already written (the channel is over its high water mark), and
    /// reads again once both have drained.
    func updateReading(context: ChannelHandlerContext) {
        let channel = context.channel
        let writable = channel.isWritable
        if !readingPaused && (replies.count >= Self.pendingRepliesMax || !writable) {
            readingPaused = true
            channel.setOption(.autoRead, value: false).whenFailure { _ in channel.close(promise: nil) }
        } else if readingPaused && writable && replies.count < Self.pendingRepliesMax / 2 {
            readingPaused = false
            channel.setOption(.autoRead, value: true).whenFailure { _ in channel.close(promise: nil) }
            decodeAvailable(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        updateReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    func handle(_ words: [[UInt8]], context: ChannelHandlerContext) {
        let slot = firstReplyNumber + replies.count
        replies.append(nil)
        unansweredCount += 1
        let parsed = CommandParser.parse(words)
        if silencesReply(parsed) { silencedReplies.insert(slot) }
        guard held.isEmpty && !mustWait(parsed) else {
            held.append((words, slot))
            return
        }
        run(words, parsed: parsed, slot: slot, context: context)
    }

    /// Runs a command whose turn has come (see `mustWait`).
    func run(
        _ words: [[UInt8]],
        parsed: Result<ClientCommand, CommandRejection>,
        slot: Int,
        context: ChannelHandlerContext
    ) {
        var parsed = parsed
        if !isAuthenticated, let refusal = Self.refusalBeforeAuthentication(parsed) {
            parsed = .failure(CommandRejection(refusal))
        } else if let denial = accessDenial(words, parsed: parsed) {
            parsed = .failure(CommandRejection(denial))
        }
        if case .success(let command) = parsed, version == .resp2, !watchIDs.isEmpty,
            !Self.allowedWhileWatchingInRESP2(command)
        {
            let name = String(decoding: words[0].prefix(128), as: UTF8.self).lowercased()
            parsed = .failure(
                CommandRejection(
                    "ERR Can't execute '\(name)': only WATCH.*, SERVICE.WATCH, PING and QUIT are allowed while watching"
                )
            )
        }
        if case .success(let command) = parsed, version == .resp2, subscriptionCount > 0,
            !Self.allowedWhileSubscribedInRESP2(command)
        {
            let name = String(decoding: words[0].prefix(128), as: UTF8.self).lowercased()
            parsed = .failure(
                CommandRejection(
                    "ERR Can't execute '\(name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                )
            )
        }
        if handleInTransaction(parsed, words: words, slot: slot, context: context) { return }
        if case .success(let command) = parsed { trackBeforeRunning(command, words: words, context: context) }
        // The group of the shard the command goes to (the only one when the node has one).
        var routed = NodeDriver.keyspaceGroup
        if shared.driver.slotDivision.shardCount > 1, case .success(let command) = parsed {
            switch ShardRoute.of(command, words: words, division: shared.driver.slotDivision) {
            case .shard(let shard): routed = NodeConfiguration.group(ofShard: shard)
            case .everyShard: return runOnEveryShard(command, slot: slot, context: context)
            case .shardOfScanCursor: return runScanOfShards(command, slot: slot, context: context)
            case .refused(let error): parsed = .failure(CommandRejection(error))
            }
        }
        let group = routed
        // The slot of the command's first key, for a client that follows MOVED to its leader.
        var movedSlot: Int?
        if followsRedirections, case .success(let command) = parsed, command.isData,
            let key = CommandParser.keys(of: words).first
        {
            movedSlot = Int(HashSlot.of(key: key).rawValue)
        }
        switch parsed {
        case .failure(let rejection):
            var writer = RESPWriter(version: version)
            writer.error(rejection.message)
            complete(slot, writer.take(), context: context)
        case .success(.connection(let command)):
            runConnectionCommand(command, slot: slot, context: context)
        case .success(.write(let command)):
            shared.driver.metrics.writeRequests.increment()
            let driver = shared.driver
            let recipient = ReplyRecipient.connection(replySlot(slot, isRead: false, context: context))
            let origin = self.origin
            let moved = movedSlot
            if driver.loop.inEventLoop {
                driver.write(command, replyTo: recipient, origin: origin, group: group, movedSlot: moved)
            } else {
                driver.loop.execute {
                    driver.write(command, replyTo: recipient, origin: origin, group: group, movedSlot: moved)
                }
            }
        case .success(.read(let command)):
            shared.driver.metrics.readRequests.increment()
            unansweredReads += 1
            let driver = shared.driver
            let reply = replySlot(slot, isRead: true, context: context)
            let origin = self.origin
            // A READONLY read of a shard held elsewhere goes there like any other.
            switch (readsMayBeStale && driver.hostedGroups.contains(group), driver.loop.inEventLoop) {
            case (true, true): reply.deliver(driver.serveLocally(command, group: group))
            case (true, false): driver.loop.execute { reply.deliver(driver.serveLocally(command, group: group)) }
            case (false, true):
                driver.read(command, replyTo: .connection(reply), origin: origin, group: group, movedSlot: movedSlot)
            case (false, false):
                let moved = movedSlot
                driver.loop.execute {
                    driver.read(command, replyTo: .connection(reply), origin: origin, group: group, movedSlot: moved)
                }
            }
        }
    }

    /// Where the driver answers the request in `slot`: this connection, on its own loop.
    func replySlot(_ slot: Int, isRead: Bool, context: ChannelHandlerContext) -> ConnectionReplySlot {
        ConnectionReplySlot(
            connection: NIOLoopBound(self, eventLoop: context.eventLoop),
            slot: slot,
            isRead: isRead,
            started: .now()
        )
    }

    /// The driver's answer to a request `run` sent it. The reply due next goes straight into
    /// the output (the common case: a pipeline answered in order); a later one waits in its
    /// slot for those before it.
    func receive(_ result: KeyValueResult, for reply: ConnectionReplySlot) {
        shared.driver.metrics.requestDuration.recordNanoseconds(Int64((NIODeadline.now() - reply.started).nanoseconds))
        if reply.isRead { unansweredReads -= 1 }
        guard let context else { return }  // The connection is gone.
        if reply.slot == firstReplyNumber && (silencedReplies.isEmpty || !silencedReplies.contains(reply.slot)) {
            output.version = version
            Self.write(result, to: &output)
            return complete(reply.slot, [], context: context)
        }
        var writer = RESPWriter(version: version)
        Self.write(result, to: &writer)
        complete(reply.slot, writer.take(), context: context)
    }

    /// Writes the result into its slot when it arrives, on this connection's loop.
    func replyWhenReady(
        _ future: EventLoopFuture<KeyValueResult>,
        slot: Int,
        isRead: Bool = false,
        context: ChannelHandlerContext
    ) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let started = NIODeadline.now()
        let duration = shared.driver.metrics.requestDuration
        future.hop(to: context.eventLoop).whenComplete { result in
            duration.recordNanoseconds(Int64((NIODeadline.now() - started).nanoseconds))
            let (handler, context) = bound.value
            if isRead { handler.unansweredReads -= 1 }
            var writer = RESPWriter(version: handler.version)
            switch result {
            case .success(let value): Self.write(value, to: &writer)
            case .failure(let error): writer.error("ERR \(error)")
            }
            handler.complete(slot, writer.take(), context: context)
        }
    }

    static func write(_ result: KeyValueResult, to writer: inout RESPWriter) {
        switch result {
        case .ok: writer.simpleString("OK")
        case .null: writer.null()
        case .integer(let value): writer.integer(value)
        case .value(let bytes): writer.bulkString(bytes)
        case .values(let values):
            writer.arrayHeader(values.count)
            for value in values {
                if let value { writer.bulkString(value) } else { writer.null() }
            }
        case .error(let error): writer.error(error.message)
        case .array(let elements):
            writer.arrayHeader(elements.count)
            for element in elements { write(element, to: &writer) }
        case .map(let elements):
            writer.mapHeader(elements.count / 2)
            for element in elements { write(element, to: &writer) }
        case .set(let elements):
            writer.setHeader(elements.count)
            for element in elements { write(element, to: &writer) }
        case .double(let value):
            writer.double(text: RedisDouble.text(value))
        case .pairs(let elements):
            // Flat in RESP2, [member, score] arrays in RESP3.
            if writer.version == .resp2 {
                writer.arrayHeader(elements.count)
                for element in elements { write(element, to: &writer) }
            } else {
                writePaired(elements, to: &writer)
            }
        case .streams(let elements):
            // [name, entries] arrays in RESP2, a map in RESP3.
            if writer.version == .resp2 {
                writePaired(elements, to: &writer)
            } else {
                writer.mapHeader(elements.count / 2)
                for element in elements { write(element, to: &writer) }
            }
        case .status(let text):
            writer.simpleString(text)
        case .nullArray:
            writer.nullArray()
        case .waiting:
            // The driver answers a waiting request only when its wait ends.
            writer.error("ERR internal: a waiting request was answered early")
        }
    }

    /// Elements alternating as pairs, written as an array of two-element arrays.
    private static func writePaired(_ elements: [KeyValueResult], to writer: inout RESPWriter) {
        writer.arrayHeader(elements.count / 2)
        for pair in stride(from: 0, to: elements.count - 1, by: 2) {
            writer.arrayHeader(2)
            write(elements[pair], to: &writer)
            write(elements[pair + 1], to: &writer)
        }
    }

    /// CLIENT REPLY: changes the mode as the command arrives (commands run in their order of
    /// arrival, so the mode applies to exactly the commands after it), and says whether this
    /// command's reply is left unsent.
    func silencesReply(_ parsed: Result<ClientCommand, CommandRejection>) -> Bool {
        if case .success(.connection(.clientReply(let mode))) = parsed {
            switch mode {
            case .on:
                replyMode = .on
                return false
            case .off:
                replyMode = .off
                return true
            case .skip:
                // As in Redis, SKIP while OFF changes nothing.
                if replyMode == .on { replyMode = .skip }
                return true
            }
        }
        switch replyMode {
        case .on:
            return false
        case .off:
            return true
        case .skip:
            replyMode = .on
            return true
        }
    }

    func complete(_ slot: Int, _ bytes: [UInt8], context: ChannelHandlerContext) {
        let silenced = !silencedReplies.isEmpty && silencedReplies.remove(slot) != nil
        replies[slot - firstReplyNumber] = silenced ? [] : bytes
        unansweredCount -= 1
        runHeld(context: context)
        flushReady(context: context)
    }

    /// Moves the replies at the head that are ready into the output, in order.
    func flushReady(context: ChannelHandlerContext) {
        var ready = 0
        while ready < replies.count, let bytes = replies[ready] {
            output.append(encoded: bytes)
            ready += 1
        }
        guard ready > 0 else { return }
        replies.removeFirst(ready)
        firstReplyNumber += ready
        if closeAfterFlush && replies.isEmpty {
            writeOutput(context: context)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: nil)
            context.close(promise: nil)
            return
        }
        queueFlush(context: context)
        updateReading(context: context)
    }

    /// This connection as the `origin` of the entries its writes become.
    var origin: UInt64 { shared.configuration.nodeID.rawValue << 32 | UInt64(clientID) }

    /// Records the commands decoded since the last time: once the bytes read are decoded, and
    /// when a command that reports this activity (CLIENT LIST and INFO, INFO) runs.
    func recordActivity() {
        guard unrecordedCommands > 0 else { return }
        let count = unrecordedCommands
        unrecordedCommands = 0
        shared.statistics.withLockedValue { $0.commandsProcessed += count }
        noteCommand(lastCommand)
        lastCommand = []
    }

    /// Keeps this connection's CLIENT LIST line current.
    func noteCommand(_ words: [[UInt8]]) {
        let name = KeyValueStore.lowercased(words[0].prefix(64).map { $0 })
        let subcommand =
            words.count > 1 && ["client", "config", "command", "cluster", "pubsub", "object"].contains(name)
            ? "|" + KeyValueStore.lowercased(Array(words[1].prefix(32))) : ""
        let state = (version == .resp3 ? 3 : 2, subscribedChannels.count, subscribedPatterns.count, queuedSteps != nil)
        let id = clientID
        let name_ = clientName
        shared.clients.withLockedValue { clients in
            clients.modifyValue(forKey: id) { client in
                client.lastActiveAt = .now()
                client.lastCommand = name + subcommand
                client.resp = state.0
                client.subscriptions = state.1
                client.patterns = state.2
                client.inMulti = state.3
                client.name = name_
            }
        }
    }

    /// Flushes once the work already queued on the loop has run: when a group commit completes
    /// many requests of this connection, their replies go out in one write, not one each.
    func queueFlush(context: ChannelHandlerContext) {
        guard !flushQueued else { return }
        flushQueued = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = bound.value
            handler.flushQueued = false
            handler.writeOutput(context: context)
            context.flush()
            handler.enforceOutputBufferLimit(context: context)
        }
    }

    /// Hands the output to the channel as one buffer (unflushed); before anything written
    /// around it (a push out of band), so that it keeps its place.
    func writeOutput(context: ChannelHandlerContext) {
        guard !output.bytes.isEmpty else { return }
        context.write(wrapOutboundOut(ByteBuffer(bytes: output.bytes)), promise: nil)
        output.clear()
    }

    /// A client that takes replies more slowly than it asks for them cannot hold unbounded
    /// memory: past `clientOutputBufferBytesMax` unsent bytes it is disconnected (Redis's
    /// client-output-buffer-limit; reading pauses long before that, so only replies already
    /// computed, such as one huge MGET, can get there).
    func enforceOutputBufferLimit(context: ChannelHandlerContext) {
        // A channel that cannot tell (already closing) has nothing left to limit.
        guard !context.channel.isWritable,
            let buffered = try? context.channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes),
            buffered > shared.configuration.clientOutputBufferBytesMax
        else { return }
        shared.statistics.withLockedValue { $0.outputBufferDisconnections += 1 }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
