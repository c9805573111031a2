import NIOCore
import NIOPosix
import SynodCommands
import SynodRESP

/// What happened to the ACL user a connection acts as, told to the connection on its loop.
enum AccessChange: Sendable {
    /// Deleted (ACL DELUSER), or changed or removed by ACL LOAD: Redis disconnects the client.
    case removed
    /// Changed by ACL SETUSER: a client subscribed to what it may no longer hear is
    /// disconnected, as Redis does; otherwise the new rules apply from the next command.
    case changed
}

/// ACL users on a connection: every command is checked against the connection's user (its
/// commands, keys and channels), and the ACL command manages this node's users. Users are per
/// node, as in Redis Cluster: ACL SETUSER on one node changes nothing on the others.
extension RESPConnectionHandler {
    /// The NOPERM error for running `words` as this connection's user, or nil when it may.
    func accessDenial(_ words: [[UInt8]], parsed: Result<ClientCommand, CommandRejection>) -> String? {
        // A user deleted meanwhile (its connections are being closed) may do nothing but log
        // in again or leave, as a new user may.
        let user = currentUser()
        guard !user.isUnrestricted else { return nil }
        // A subcommand given the wrong number of words fails before permissions, as in Redis.
        if case .failure(let rejection) = parsed, let name = CommandParser.aclName(of: words),
            rejection.error == CommandError.wrongArity(name)
        {
            return nil
        }
        return user.denial(of: words)?.message(user: userName)
    }

    /// The user this connection acts as, as it is now: looked up again only when the users may
    /// have changed (a lock and a lookup per command were 3% of a GET's cost). A user deleted
    /// meanwhile is a user with no rights.
    func currentUser() -> ACLUser {
        let changeCount = shared.authentication.changeCount
        if let cached = cachedUser, cached.changeCount == changeCount, cached.user.name == userName {
            return cached.user
        }
        let user = shared.authentication.user(named: userName) ?? ACLUser(name: userName)
        cachedUser = (changeCount, user)
        return user
    }

    /// This connection now acts as `name`.
    func authenticate(as name: [UInt8]) {
        isAuthenticated = true
        decoder.isAuthenticated = true
        userName = name
        let id = clientID
        shared.clients.withLockedValue { $0[id]?.user = name }
    }

    /// A way for other connections' ACL commands to reach this one, on its own loop.
    func accessChangeNotifier(context: ChannelHandlerContext) -> @Sendable (AccessChange) -> Void {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        return { change in
            loop.execute {
                let (handler, context) = bound.value
                handler.accessChanged(change, context: context)
            }
        }
    }

    func accessChanged(_ change: AccessChange, context: ChannelHandlerContext) {
        switch change {
        case .removed:
            context.close(promise: nil)
        case .changed:
            if !subscriptionsPermitted { context.close(promise: nil) }
        }
    }

    /// Whether this connection's user may still hear every channel and pattern it subscribed to.
    var subscriptionsPermitted: Bool {
        guard let user = shared.authentication.user(named: userName) else { return false }
        return subscribedChannels.allSatisfy { user.permitsSubscription(to: $0, isPattern: false) }
            && subscribedPatterns.allSatisfy { user.permitsSubscription(to: $0, isPattern: true) }
    }

    /// Tells the connections acting as `names` (this one aside) what happened to their user.
    func notifyConnections(of names: [[UInt8]], _ change: AccessChange) {
        guard !names.isEmpty else { return }
        let affected = Set(names)
        let me = clientID
        let records = shared.clients.withLockedValue { clients in
            clients.values.filter { affected.contains($0.user) && $0.id != me }
        }
        for record in records { record.accessChanged(change) }
        // This connection closes once its reply is out.
        guard affected.contains(userName) else { return }
        switch change {
        case .removed: closeAfterFlush = true
        case .changed: if !subscriptionsPermitted { closeAfterFlush = true }
        }
    }

    func runACLCommand(_ command: ACLCommand, slot: Int, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        let authentication = shared.authentication
        switch command {
        case .setUser(let name, let rules):
            do throws(CommandRejection) {
                _ = try authentication.withList { list throws(CommandRejection) in
                    try list.setUser(name, rules: rules, digest: ClientAuthentication.digest)
                }
                notifyConnections(of: [name], .changed)
                writer.simpleString("OK")
            } catch {
                writer.error(error.message)
            }
        case .getUser(let name):
            if let user = authentication.user(named: name) { Self.writeUser(user, to: &writer) } else { writer.null() }
        case .deleteUsers(let names):
            do throws(CommandRejection) {
                let deleted = try authentication.withList { list throws(CommandRejection) in
                    try list.deleteUsers(names)
                }
                notifyConnections(of: deleted, .removed)
                writer.integer(Int64(deleted.count))
            } catch {
                writer.error(error.message)
            }
        case .list:
            let lines = authentication.withList { $0.listLines }
            writer.arrayHeader(lines.count)
            for line in lines { writer.bulkString(line) }
        case .users:
            let names = authentication.withList { $0.sortedNames }
            writer.arrayHeader(names.count)
            for name in names { writer.bulkString(name) }
        case .whoAmI:
            writer.bulkString(userName)
        case .categories(let category):
            let names = category.map(CommandParser.commands(in:)) ?? ACLCategory.allCases.map(\.rawValue)
            writer.arrayHeader(names.count)
            for name in names { writer.bulkString(name) }
        case .dryRun(let name, let words):
            writeDryRun(user: name, words: words, to: &writer)
        case .generatePassword(let bits):
            writer.bulkString(Self.randomHex(digits: (bits + 3) / 4))
        case .help:
            writer.arrayHeader(CommandParser.aclHelp.count)
            for line in CommandParser.aclHelp { writer.simpleString(line) }
        case .load, .save:
            runACLFileCommand(command, slot: slot, context: context)
            return
        }
        complete(slot, writer.take(), context: context)
    }

    /// ACL GETUSER's reply: a map (a flat array in RESP2), with `flags` as a set.
    static func writeUser(_ user: ACLUser, to writer: inout RESPWriter) {
        writer.mapHeader(6)
        writer.bulkString("flags")
        writer.setHeader(user.flags.count)
        for flag in user.flags { writer.bulkString(flag) }
        writer.bulkString("passwords")
        writer.arrayHeader(user.passwordHexDigests.count)
        for digest in user.passwordHexDigests { writer.bulkString(digest) }
        writer.bulkString("commands")
        writer.bulkString(user.commandDescription)
        writer.bulkString("keys")
        writer.bulkString(user.keyDescription)
        writer.bulkString("channels")
        writer.bulkString(user.channelDescription)
        writer.bulkString("selectors")
        writer.arrayHeader(0)
    }

    func writeDryRun(user name: [UInt8], words: [[UInt8]], to writer: inout RESPWriter) {
        guard let user = shared.authentication.user(named: name) else {
            return writer.error("ERR User '\(String(decoding: name.prefix(128), as: UTF8.self))' not found")
        }
        if let refusal = CommandParser.dryRunRefusal(words) { return writer.error(refusal) }
        if let denial = user.denial(of: words) {
            writer.bulkString(denial.dryRunMessage(user: name))
        } else {
            writer.simpleString("OK")
        }
    }

    /// `digits` random lowercase hex digits (ACL GENPASS), from the system's secure generator.
    static func randomHex(digits: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<digits).map { _ in hex[Int(generator.next() & 0xF)] }, as: UTF8.self)
    }

    /// ACL LOAD and ACL SAVE: the file is read or written on a thread pool, never on the loop.
    func runACLFileCommand(_ command: ACLCommand, slot: Int, context: ChannelHandlerContext) {
        guard let path = shared.authentication.aclFilePath else {
            var writer = RESPWriter(version: version)
            writer.error(Self.noACLFile)
            return complete(slot, writer.take(), context: context)
        }
        let authentication = shared.authentication
        let isLoad = command == .load
        let saved = isLoad ? [] : authentication.withList { $0.fileBytes }
        let work = NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) {
            authentication.fileLock.withLock { () -> Result<[ACLUser], CommandRejection> in
                guard !isLoad else { return AccessControlFile.load(path) }
                return AccessControlFile.write(saved, to: path).map { .failure($0) } ?? .success([])
            }
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        work.whenComplete { result in
            let (handler, context) = bound.value
            var writer = RESPWriter(version: handler.version)
            switch result {
            case .success(.success(let users)):
                if isLoad {
                    let gone = authentication.withList { $0.replace(with: users) }
                    handler.notifyConnections(of: gone, .removed)
                }
                writer.simpleString("OK")
            case .success(.failure(let rejection)):
                writer.error(rejection.message)
            case .failure(let error):
                writer.error("ERR \(error)")
            }
            handler.complete(slot, writer.take(), context: context)
        }
    }

    static let noACLFile =
        "ERR This Synod node is not configured to use an ACL file. You may want to specify users via the "
        + "ACL SETUSER command, or start the node with --aclfile PATH to load and save them."
}
