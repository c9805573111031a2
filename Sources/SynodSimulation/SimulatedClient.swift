import SynodCore
import SynodKeyValue

/// What a simulated client asks for.
enum ClientOperation: Hashable, Sendable, CustomStringConvertible {
    case get(key: UInt8)
    /// Reads a lock's resource key.
    case readResource(lock: UInt8)
    case write(SimulatedCommand.Operation)
    /// A command of the Redis surface as words, parsed by the node (`SimulatedWords`).
    case command(words: [[UInt8]], isWrite: Bool)
    /// MULTI, these commands, EXEC: one transaction entry.
    case transaction(commands: [[[UInt8]]])

    var description: String {
        func text(_ words: [[UInt8]]) -> String {
            words.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        }
        switch self {
        case .command(let words, _): return text(words)
        case .transaction(let commands): return "multi(\(commands.map(text).joined(separator: "; ")))"
        default: break
        }
        return switch self {
        case .get(let key): "get(\(key))"
        case .readResource(let lock): "read-resource(\(lock))"
        case .write(.acquire(let lock, let owner)): "acquire(\(lock), client\(owner))"
        case .write(.release(let lock, let owner)): "release(\(lock), client\(owner))"
        case .write(.fencedPut(let lock, let token, let value)): "fenced-put(\(lock), token \(token), \(value))"
        case .write(.leaseGrant(let ttl)): "lease-grant(\(ttl) ms)"
        case .write(.leaseKeepAlive(let id)): "lease-keepalive(\(id))"
        case .write(.waitAcquire(let lock, let owner, let ttl, let wait, let lease)):
            "wait-acquire(\(lock), client\(owner), ttl \(ttl) ms, wait \(wait) ms, lease \(lease.map(String.init) ?? "none"))"
        case .write(.waitRelease(let lock, let owner)): "wait-release(\(lock), client\(owner))"
        case .write(.put(let key, let value)): "put(\(key), \(value))"
        case .write(.compareAndSet(let key, let expected, let new)):
            "cas(\(key), \(expected.map(String.init) ?? "absent") -> \(new))"
        case .write(.delete(let key)): "delete(\(key))"
        case .command, .transaction: ""
        }
    }

    /// Whether it may change the state (and so is sent again, with its identity, when its
    /// answer does not come).
    var isWrite: Bool {
        switch self {
        case .get, .readResource: false
        case .write, .transaction: true
        case .command(_, let isWrite): isWrite
        }
    }

    /// The one-byte key it reads or writes; nil for lock operations.
    var key: UInt8? {
        switch self {
        case .get(let key): key
        case .write(.put(let key, _)), .write(.compareAndSet(let key, _, _)), .write(.delete(let key)): key
        case .readResource, .write(.acquire), .write(.release), .write(.fencedPut), .write(.leaseGrant),
            .write(.leaseKeepAlive), .write(.waitAcquire), .write(.waitRelease), .command, .transaction:
            nil
        }
    }

    /// The bytes of the key a read reads.
    var readKey: [UInt8]? {
        switch self {
        case .get(let key): SimulatedCommand.key(key)
        case .readResource(let lock): SimulatedCommand.resourceKey(lock)
        case .write, .command, .transaction: nil
        }
    }
}

/// What a node answers a client.
enum ClientReply: Hashable, Sendable {
    /// Not done here (this node does not lead, or refused it): no effect; try `leader`.
    case redirect(leader: NodeID?)
    case value(UInt64?)
    case applied(SimulatedCommand.Outcome)
    /// The result of a command of the Redis surface, as the state machine gave it.
    case result(KeyValueResult)
}

/// One client operation as the history records it: when it was called and, if it returned,
/// when and with what.
struct ClientHistoryEntry: Sendable {
    let clientID: Int
    /// The request id, the same in every attempt (with the client's session, its identity).
    let requestID: UInt64
    let operation: ClientOperation
    let callMicroseconds: UInt64
    /// Nil while pending, and forever when the client timed out (outcome unknown).
    var returnMicroseconds: UInt64?
    var reply: ClientReply?
}

/// A client that issues one operation at a time, retries redirects, sends a write whose answer
/// did not come again (keeping its identity), and gives up on an operation after its last
/// timeout (recording it as indeterminate).
struct SimulatedClient: Sendable {
    let id: Int
    var leaderGuess: NodeID
    /// The request in flight: its id, its history position, the node it went to, and how
    /// many times it was sent (a write is sent again, with the same id, after a timeout or
    /// a redirect: the state machine applies it once).
    var outstanding: (requestID: UInt64, historyIndex: Int, node: NodeID, attempts: Int)?
    /// The read pipelined behind the outstanding write, if any (`PipelinedRead`).
    var pipelinedRead: UInt64?
    /// Every request below this was answered or given up: the state machine may forget it.
    var acknowledgedBelow: UInt64 = 0
    var stopped = false
    /// The fencing token this client last got for each lock, used in its fenced writes.
    var tokens: [UInt8: UInt64] = [:]
    /// The leases this client was granted, newest last.
    var leases: [UInt64] = []

    init(id: Int, leaderGuess: NodeID) {
        self.id = id
        self.leaderGuess = leaderGuess
    }
}
