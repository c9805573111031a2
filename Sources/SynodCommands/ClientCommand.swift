import SynodKeyValue

/// A parsed client command.
public enum ClientCommand: Hashable, Sendable {
    /// A write, replicated through the log.
    case write(KeyValueCommand)
    /// A read, served from the state machine once it is linearizable to do so.
    case read(ReadCommand)
    /// A command about the connection or the server, answered by the node itself.
    case connection(ConnectionCommand)

    /// A read or a write of the replicated state, which a shard's group serves.
    public var isData: Bool {
        if case .connection = self { false } else { true }
    }
}

/// A user name and password a client presents (AUTH, HELLO ... AUTH).
public struct Credentials: Hashable, Sendable {
    /// nil when the client named none (AUTH password): the default user.
    public let username: [UInt8]?
    public let password: [UInt8]

    public init(username: [UInt8]?, password: [UInt8]) {
        self.username = username
        self.password = password
    }
}

public enum ConnectionCommand: Hashable, Sendable {
    case ping(message: [UInt8]?)
    /// A container's HELP (XGROUP HELP, XINFO HELP): these lines, as status replies.
    case help(lines: [String])
    case echo(message: [UInt8])
    /// HELLO [protover [AUTH user pass] [SETNAME name]].
    case hello(protocolVersion: Int?, clientName: [UInt8]?, credentials: Credentials? = nil)
    /// AUTH [username] password.
    case auth(Credentials)
    case select(database: Int)
    case quit
    case clientSetName([UInt8])
    case clientGetName
    case clientID
    case clientList
    /// CLIENT TRACKING on|off [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT]
    case clientTracking(TrackingOptions?)
    /// CLIENT CACHING yes|no: whether the next command's keys are tracked (OPTIN / OPTOUT).
    case clientCaching(Bool)
    case clientGetRedirect
    /// CLIENT CAPA: the capabilities the client declares; `redirect`, that it follows MOVED.
    case clientCapabilities(followsRedirections: Bool)
    /// CLIENT REPLY ON|OFF|SKIP: whether this connection's replies are sent.
    case clientReply(ReplyMode)
    case clientInfo
    /// CLIENT KILL: by id and/or address; the old form (an address alone) answers OK.
    case clientKill(id: Int?, address: String?, oldForm: Bool)
    case commandCount
    /// COMMAND, COMMAND DOCS and COMMAND INFO (enough for redis-cli's hints).
    case commandDocs(names: [[UInt8]])
    /// COMMAND (all, nil) and COMMAND INFO names.
    case commandInfo(names: [[UInt8]]?)
    /// CLUSTER INFO, MYID, KEYSLOT, SLOTS, SHARDS, NODES.
    case cluster(subcommand: String, key: [UInt8]?)
    case configGet(patterns: [[UInt8]])
    /// Later reads on this connection may be served by a follower from its own, possibly
    /// stale, state (Redis Cluster's READONLY).
    case readOnly
    /// Back to linearizable reads through the leader.
    case readWrite
    case info(sections: [[UInt8]])
    /// WATCH.KEY, WATCH.PREFIX and SERVICE.WATCH: stream the changes from `from` (nil: from
    /// now on).
    case watch(key: [UInt8], isPrefix: Bool, from: UInt64?)
    case watchCancel
    /// TIME: this node's clock.
    case time
    case multi
    case exec
    case discard
    /// WATCH (of MULTI/EXEC): EXEC fails if one of these keys changes first.
    case watchKeys([[UInt8]])
    case unwatch
    case subscribe(channels: [[UInt8]])
    /// No channels: all of them.
    case unsubscribe(channels: [[UInt8]])
    case psubscribe(patterns: [[UInt8]])
    case punsubscribe(patterns: [[UInt8]])
    case publish(channel: [UInt8], message: [UInt8])
    case pubsubChannels(pattern: [UInt8]?)
    case pubsubNumsub(channels: [[UInt8]])
    case pubsubNumpat
    /// CONFIG SET of the parameters a node keeps: notify-keyspace-events (when given) and
    /// the tuning parameters it accepts without acting on them (`TuningParameters`).
    case configSet(keyspaceEvents: KeyspaceEvents?, tuning: [TuningSetting])
    /// ACL SETUSER, GETUSER, ...: this node's users.
    case acl(ACLCommand)
}

public struct TrackingOptions: Hashable, Sendable {
    public var redirect: Int?
    public var prefixes: [[UInt8]] = []
    public var broadcast = false
    public var optIn = false
    public var optOut = false
    /// No invalidations for the client's own writes.
    public var noLoop = false

    public init() {}
}

/// CLIENT REPLY's modes: every reply sent (ON), none (OFF), or none for the next command
/// (SKIP). CLIENT REPLY OFF and SKIP get no reply themselves; ON answers OK.
public enum ReplyMode: Hashable, Sendable {
    case on, off, skip
}
