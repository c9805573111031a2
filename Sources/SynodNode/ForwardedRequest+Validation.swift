import SynodCommands
import SynodKeyValue
import SynodPeerProtocol

/// The leader checks a forwarded request again before it proposes or serves it: a follower
/// sends only what its clients' commands parse to, so anything else (a command only a leader
/// proposes, words the parser would refuse) comes from a buggy or hostile peer and never
/// reaches the log. It is answered with the error, as applying it would answer.
extension ForwardedRequest {
    /// Why the request is refused, or nil when it is one a client could have sent.
    var refusal: KeyValueError? {
        switch self {
        case .write(let entry): Self.refusal(of: entry.command)
        case .read(.redis(let words)):
            // From a node before the typed reads: words a client could have sent.
            if case .success = RedisWordCommands.parseRead(words) {
                nil
            } else {
                KeyValueError(.invalidRequest, "ERR forwarded read is not a valid command")
            }
        case .read(.keyspace(.scan(_, let options))), .read(.hash(.scan(_, _, .success(let options)))):
            options.refusal
        case .read(.list(let read)): read.refusal
        case .read(.redisSet(let read)): read.refusal
        case .read(.sortedSet(let read)): read.refusal
        case .read(.stream(let read)): read.refusal
        case .read: nil
        }
    }

    static func refusal(of command: KeyValueCommand) -> KeyValueError? {
        switch command {
        case .removeExpired, .extendLeases, .sweep, .evict:
            return KeyValueError(.invalidRequest, "ERR forwarded write is one only the leader proposes")
        case .redis(let words):
            // From a node before the typed commands: words a client could have sent.
            guard case .success = RedisWordCommands.parseWrite(words) else {
                return KeyValueError(.invalidRequest, "ERR forwarded write is not a valid command")
            }
            return nil
        case .string(let write):
            return write.refusal
        case .hash(let write):
            return write.refusal
        case .list(let write):
            return write.refusal
        case .redisSet(let write):
            return write.refusal
        case .sortedSet(let write):
            return write.refusal
        case .stream(let write):
            return write.refusal
        case .fenced(_, _, let inner), .withLease(_, let inner):
            return refusal(of: inner)
        case .transaction(_, let steps):
            for step in steps {
                switch step {
                case .write(let inner): if let refusal = refusal(of: inner) { return refusal }
                case .read(let read): if let refusal = ForwardedRequest.read(read).refusal { return refusal }
                }
            }
            return nil
        case .set, .delete, .expire, .persist, .increment, .multiSet, .compareAndSet, .compareAndDelete,
            .leaseGrant, .leaseKeepAlive, .leaseRevoke, .acquire, .release, .refreshLock, .configure, .rename, .copy,
            .flushAll, .unblock, .settleHeldPops:
            return nil
        }
    }
}
