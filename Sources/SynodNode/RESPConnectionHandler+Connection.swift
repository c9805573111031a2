import NIOCore
import SynodCommands
import SynodCore
import SynodKeyValue
import SynodRESP

/// Commands about the connection and the server, answered without the log.
extension RESPConnectionHandler {
    /// What `CONFIG GET` reports (what redis-benchmark and common clients ask for).
    /// What CONFIG GET reports besides the tuning parameters and the replicated settings.
    static let configuration: [(String, String)] = [("databases", "1")]

    func runConnectionCommand(_ command: ConnectionCommand, slot: Int, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        switch command {
        case .ping(let message) where version == .resp2 && subscriptionCount > 0:
            writer.arrayHeader(2)
            writer.bulkString("pong")
            writer.bulkString(message ?? [])
        case .ping(let message):
            if let message { writer.bulkString(message) } else { writer.simpleString("PONG") }
        case .echo(let message):
            writer.bulkString(message)
        case .help(let lines):
            writer.arrayHeader(lines.count)
            for line in lines { writer.simpleString(line) }
        case .select:
            writer.simpleString("OK")
        case .readOnly:
            readsMayBeStale = true
            writer.simpleString("OK")
        case .readWrite:
            readsMayBeStale = false
            writer.simpleString("OK")
        case .watch(let key, let isPrefix, let from):
            if let refusal = watchesRefusal {
                writer.error(refusal)
                break
            }
            startWatch(key: key, isPrefix: isPrefix, from: from, slot: slot, context: context)
            return
        case .watchCancel:
            cancelWatches()
            writer.simpleString("OK")
        case .multi, .exec, .discard, .watchKeys, .unwatch:
            runTransactionCommand(command, slot: slot, context: context)
            return
        case .commandInfo(let names):
            writeCommandInfo(names, to: &writer)
        case .cluster(let subcommand, let key):
            runCluster(subcommand, key: key, slot: slot, context: context)
            return
        case .time:
            let microseconds = systemWallClockMicroseconds()
            writer.arrayHeader(2)
            writer.bulkString(String(microseconds / 1_000_000))
            writer.bulkString(String(microseconds % 1_000_000))
        case .subscribe, .unsubscribe, .psubscribe, .punsubscribe, .publish, .pubsubChannels, .pubsubNumsub,
            .pubsubNumpat, .configSet:
            runPubSubCommand(command, slot: slot, context: context)
            return
        case .quit:
            writer.simpleString("OK")
            closeAfterFlush = true
        case .acl(let command):
            runACLCommand(command, slot: slot, context: context)
            return
        case .auth(let credentials):
            switch shared.authentication.authenticate(credentials) {
            case .success(let user):
                authenticate(as: user)
                writer.simpleString("OK")
            case .failure(let refusal):
                writer.error(refusal.message)
            }
        case .hello(let protocolVersion, let name, let credentials):
            if let credentials {
                switch shared.authentication.authenticate(credentials) {
                case .success(let user): authenticate(as: user)
                case .failure(let refusal):
                    writer.error(refusal.message)
                    return complete(slot, writer.take(), context: context)
                }
            }
            if let protocolVersion { version = protocolVersion == 3 ? .resp3 : .resp2 }
            if let name { clientName = name }
            writer.version = version
            writeHello(to: &writer)
        case .clientSetName(let name):
            clientName = name.isEmpty ? nil : name
            writer.simpleString("OK")
        case .clientGetName:
            if let clientName { writer.bulkString(clientName) } else { writer.null() }
        case .clientID:
            writer.integer(Int64(clientID))
        case .clientCapabilities(let followsRedirections):
            if followsRedirections { declaredRedirections = true }
            writer.simpleString("OK")
        case .clientReply:
            // The mode changed when the command arrived (`handle`); only ON is answered.
            writer.simpleString("OK")
        case .clientTracking, .clientCaching, .clientGetRedirect:
            runTrackingCommand(command, slot: slot, context: context)
            return
        case .clientList, .clientInfo:
            // As in Redis, the command that lists this connection is its last command.
            recordActivity()
            noteCommand([Array("client".utf8), Array((command == .clientInfo ? "info" : "list").utf8)])
            let now = NIODeadline.now()
            let records = shared.clients.withLockedValue { $0 }
            let chosen =
                command == .clientInfo ? records[clientID].map { [$0] } ?? [] : records.values.sorted { $0.id < $1.id }
            let text = chosen.map { $0.line(now: now) + "\n" }.joined()
            writer.verbatim(text)
        case .clientKill(let id, let address, let oldForm):
            let me = clientID
            let victims = shared.clients.withLockedValue { clients in
                clients.values.filter { record in
                    (id.map { record.id == $0 } ?? true) && (address.map { record.address == $0 } ?? true)
                        && (oldForm || record.id != me)
                }
            }
            for victim in victims { victim.channel.close(promise: nil) }
            if oldForm {
                if victims.isEmpty { writer.error("ERR No such client") } else { writer.simpleString("OK") }
            } else {
                writer.integer(Int64(victims.count))
            }
        case .commandCount:
            writer.integer(Int64(CommandParser.commandNames.count))
        case .commandDocs(let names):
            writeCommandDocs(names, to: &writer)
        case .configGet(let patterns):
            // Redis matches CONFIG GET patterns without regard to case; names are lowercase.
            let lowercased = patterns.map { Glob.collapsingStars(Self.asciiLowercased($0)) }
            @Sendable func asked(_ name: String) -> Bool { lowercased.contains { Glob.matches($0, Array(name.utf8)) } }
            let driver = shared.driver
            let keyspace = shared.keyspaceEvents.withLockedValue { $0.flags }
            let tuning = TuningParameters.reported(shared.tuning.withLockedValue { $0 })
            let promise = driver.loop.makePromise(of: KeyValueResult.self)
            if !asked("maxmemory") && !asked("maxmemory-policy") {
                promise.succeed(.array([]))
            } else {
                // Replicated settings are read like data, in this connection's order: a
                // CONFIG SET through any node is seen by the next CONFIG GET. Each shard keeps
                // its share of maxmemory; the answer adds them up.
                let origin = self.origin
                let local = readsMayBeStale
                driver.loop.execute {
                    Self.askEveryShard(.read(.memoryLimit), driver: driver, origin: origin, local: local)
                        .cascade(to: promise)
                }
            }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.hop(to: context.eventLoop).whenSuccess { limit in
                let (handler, context) = bound.value
                var settings =
                    Self.configuration + tuning.map { ($0.name, $0.value) } + [
                        ("notify-keyspace-events", keyspace),
                        ("proto-max-bulk-len", String(handler.shared.configuration.requestBytesMax)),
                    ]
                if case .error(let error) = limit {
                    var writer = RESPWriter(version: handler.version)
                    writer.error(error.message)
                    return handler.complete(slot, writer.take(), context: context)
                }
                if case .array(let parts) = limit, parts.count == 2, case .integer(let maxBytes) = parts[0],
                    case .status(let policy) = parts[1]
                {
                    settings += [("maxmemory", String(maxBytes)), ("maxmemory-policy", policy)]
                }
                let matches = settings.filter { name, _ in asked(name) }
                var writer = RESPWriter(version: handler.version)
                writer.mapHeader(matches.count)
                for (name, value) in matches {
                    writer.bulkString(name)
                    writer.bulkString(value)
                }
                handler.complete(slot, writer.take(), context: context)
            }
            return
        case .info(let sections):
            recordActivity()
            let driver = shared.driver
            let shared = self.shared
            let names = sections.map { String(decoding: $0, as: UTF8.self).lowercased() }
            let future = driver.loop.submit { InfoReport.text(sections: names, driver: driver, shared: shared) }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            future.hop(to: context.eventLoop).whenComplete { result in
                let (handler, context) = bound.value
                var writer = RESPWriter(version: handler.version)
                switch result {
                case .success(let text): writer.bulkString(text)
                case .failure(let error): writer.error("ERR \(error)")
                }
                handler.complete(slot, writer.take(), context: context)
            }
            return
        }
        complete(slot, writer.take(), context: context)
    }

    func writeHello(to writer: inout RESPWriter) {
        writer.mapHeader(7)
        writer.bulkString("server")
        writer.bulkString("synod")
        writer.bulkString("version")
        writer.bulkString(InfoReport.redisCompatibleVersion)
        writer.bulkString("proto")
        writer.integer(Int64(version.rawValue))
        writer.bulkString("id")
        writer.integer(Int64(clientID))
        writer.bulkString("mode")
        writer.bulkString("standalone")
        writer.bulkString("role")
        writer.bulkString("master")
        writer.bulkString("modules")
        writer.arrayHeader(0)
    }

    /// What a client that has not authenticated gets instead of running `parsed`, or nil
    /// when it may run it (AUTH, HELLO with AUTH, QUIT, and requests that are refused anyway).
    static func refusalBeforeAuthentication(_ parsed: Result<ClientCommand, CommandRejection>) -> String? {
        switch parsed {
        case .failure, .success(.connection(.auth)), .success(.connection(.quit)): nil
        case .success(.connection(.hello(_, _, let credentials))):
            credentials == nil ? ClientAuthentication.helloRequiresAuthentication : nil
        case .success: ClientAuthentication.authenticationRequired
        }
    }

    static func asciiLowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
    }
}
