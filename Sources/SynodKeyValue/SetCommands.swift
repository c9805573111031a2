/// How SINTER, SUNION and SDIFF (and their STORE forms) combine sets.
public enum SetOperation: UInt8, Hashable, Sendable {
    case intersection = 0
    case union = 1
    /// The first set less every other.
    case difference = 2

    /// The command's name, as its STORE form's keyspace event says it.
    var storeEvent: KeyEvent {
        switch self {
        case .intersection: .sinterstore
        case .union: .sunionstore
        case .difference: .sdiffstore
        }
    }
}

/// The set writes, typed as they are replicated (`KeyValueCommand.set`) and run with Redis's
/// semantics (`KeyValueStore+Sets`).
public enum SetWrite: Hashable, Sendable {
    /// SADD: answers how many members are new.
    case add(key: [UInt8], members: [[UInt8]])
    /// SREM: answers how many were there.
    case remove(key: [UInt8], members: [[UInt8]])
    /// SPOP: one member (or nil) without a count; up to `count` members with one. Which
    /// members follows from the entry alone, so every replica pops the same ones.
    case pop(key: [UInt8], count: Int64?)
    /// SMOVE.
    case move(source: [UInt8], destination: [UInt8], member: [UInt8])
    /// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: the result replaces `destination` (removed when
    /// empty); answers its size.
    case store(operation: SetOperation, destination: [UInt8], keys: [[UInt8]])

    /// As `StringWrite.refusal`.
    public var refusal: KeyValueError? {
        switch self {
        case .add(_, let members): members.isEmpty ? RedisWordCommands.wrongArity("sadd") : nil
        case .remove(_, let members): members.isEmpty ? RedisWordCommands.wrongArity("srem") : nil
        case .pop(_, let count): (count ?? 0) < 0 ? KeyValueStore.mustBePositive : nil
        case .store(let operation, _, let keys):
            keys.isEmpty
                ? RedisWordCommands.wrongArity(["sinterstore", "sunionstore", "sdiffstore"][Int(operation.rawValue)])
                : nil
        case .move: nil
        }
    }
}

/// The set reads, typed (`ReadCommand.set`).
public enum SetRead: Hashable, Sendable {
    /// SMEMBERS.
    case members(key: [UInt8])
    /// SISMEMBER.
    case isMember(key: [UInt8], member: [UInt8])
    /// SMISMEMBER.
    case areMembers(key: [UInt8], members: [[UInt8]])
    /// SCARD.
    case cardinality(key: [UInt8])
    /// SRANDMEMBER: one member without a count; with one, up to `count` distinct members, or
    /// -`count` members that may repeat when negative.
    case randomMembers(key: [UInt8], count: Int64?)
    /// SINTER, SUNION, SDIFF.
    case combine(operation: SetOperation, keys: [[UInt8]])
    /// SINTERCARD: the intersection's size, counted up to `limit` (0: no limit).
    case intersectionCardinality(keys: [[UInt8]], limit: Int64)
    /// SSCAN key cursor [MATCH pattern] [COUNT count]: options whose error waits until the
    /// key is looked up, as `HashRead.scan`'s.
    case scan(key: [UInt8], cursor: UInt64, options: Result<ScanOptions, KeyValueError>)

    /// The keys it reads.
    public var keys: [[UInt8]] {
        switch self {
        case .members(let key), .isMember(let key, _), .areMembers(let key, _), .cardinality(let key),
            .randomMembers(let key, _), .scan(let key, _, _):
            [key]
        case .combine(_, let keys), .intersectionCardinality(let keys, _): keys
        }
    }

    /// The most members SRANDMEMBER with a negative count answers (members may repeat, so
    /// the set's size does not bound them): a reply that size is 2^20 bulk strings, and
    /// a larger count is refused rather than built in memory. Redis has no such limit; its
    /// client output buffer limit ends a connection that asks for too much.
    public static let randomMembersMax = 1 << 20

    /// As `ListRead.refusal`.
    public var refusal: KeyValueError? {
        switch self {
        case .randomMembers(_, let count):
            count.map { $0.magnitude > UInt64(Self.randomMembersMax) } == true
                ? KeyValueStore.tooManyRandomMembers : nil
        case .combine(_, let keys): keys.isEmpty ? KeyValueStore.syntax : nil
        case .intersectionCardinality(let keys, let limit):
            keys.isEmpty ? KeyValueStore.numberOfKeysNotPositive : limit < 0 ? KeyValueStore.limitNegative : nil
        case .scan(_, _, .success(let options)): options.refusal
        case .members, .isMember, .areMembers, .cardinality, .scan: nil
        }
    }
}

extension KeyValueStore {
    static let limitNegative = KeyValueError(.outOfRange, "ERR LIMIT can't be negative")
    static let tooManyRandomMembers = KeyValueError(
        .outOfRange,
        "ERR value is out of range, value must between -\(SetRead.randomMembersMax) and \(SetRead.randomMembersMax)"
    )
    static let moreKeysThanArguments = KeyValueError(
        .invalidRequest,
        "ERR Number of keys can't be greater than number of args"
    )
}
