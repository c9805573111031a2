import SynodCore
import SynodRuntime

/// The key-value store as the state machine a `GroupRuntime` replicates.
extension KeyValueStore: GroupStateMachine {
    public typealias Duties = KeyValueLeaderDuties

    public static func entry(for command: KeyValueCommand, identity: EntryIdentity) -> KeyValueEntry {
        KeyValueEntry(
            requestID: identity.requestID,
            timeMilliseconds: 0,
            command: command,
            origin: identity.origin,
            session: identity.session,
            acknowledgedBelow: identity.acknowledgedBelow
        )
    }

    public static func decodeEntry(_ bytes: [UInt8]) throws -> KeyValueEntry {
        try KeyValueEntry(decoding: bytes)
    }

    /// `extendLeases`: clients could not keep their leases alive while there was no leader, so
    /// a new leader gives every lease its full TTL again before any other entry of its term.
    public static func leaderOpeningEntry(at timeMilliseconds: Int64) -> KeyValueEntry? {
        KeyValueEntry(requestID: 0, timeMilliseconds: timeMilliseconds, command: .extendLeases)
    }

    public mutating func apply(_ entry: KeyValueEntry, at index: UInt64) -> Applied {
        applyReporting(entry, at: index)
    }

    public func recordedResult(session: UInt64, requestID: UInt64) -> KeyValueResult? {
        sessions.duplicateResult(session: session, requestID: requestID)
    }

    public func standing(ofWait requestID: UInt64) -> KeyValueResult {
        standing(ofTicket: requestID)
    }

    /// Blocked list commands end (`unblock`); lock waits end at their deadline.
    public static func abandonment(ofWaits requestIDs: [UInt64]) -> KeyValueCommand? {
        .unblock(tickets: requestIDs)
    }

    public static func settlement(delivered: [RequestKey], returned: [RequestKey]) -> KeyValueCommand? {
        .settleHeldPops(delivered: delivered, returned: returned)
    }

    public func holdsReply(_ key: RequestKey) -> Bool { blockedPops.held[key] != nil }

    /// A read touches the keys it looks at (not EXISTS, TYPE, TTL or OBJECT, as in Redis),
    /// for OBJECT IDLETIME.
    public mutating func noteServed(_ read: ReadCommand, at timeMilliseconds: Int64) {
        let seconds = UInt32(clamping: max(0, timeMilliseconds) / 1_000)
        read.forEachTouchedKey { key in records.modifyValue(forKey: key) { $0.accessedSeconds = seconds } }
    }

    /// An `unblock` of nothing: applying it only marks the session active.
    public static var sessionKeepAlive: KeyValueCommand? { .unblock(tickets: []) }

    public static func plantedEarlyAnswer(to command: KeyValueCommand) -> KeyValueResult? {
        guard case .set = command else { return nil }
        return .ok
    }
}

extension KeyValueResult: GroupReply {
    public static func refusal(_ refusal: GroupRefusal) -> KeyValueResult { .error(KeyValueError(refusal)) }
    public var isWaiting: Bool { self == .waiting }
}

extension KeyValueEntry: GroupEntry {}

extension KeyValueStore.Applied: AppliedEntry {
    public var answered: RequestKey? {
        guard session != 0, let requestID else { return nil }
        return RequestKey(session: session, requestID: requestID)
    }

    /// A request waiting in a lock's line is granted (its token), or gives up (nil, as Redis
    /// answers a lock not taken); a blocked list command gets its reply.
    public var settledWaits: [(requestID: UInt64, result: KeyValueResult)] {
        events.map { ($0.ticket, $0.result) }
    }
}

extension KeyValueStore.SnapshotDecoder: StateSnapshotDecoder {}
