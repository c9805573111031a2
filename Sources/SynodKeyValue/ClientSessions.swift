import SynodCore

/// Exactly-once writes (Raft thesis, section 6.3): the replicated state remembers, per client
/// session, the results of the writes it applied, so that a copy of a write that was already
/// applied (the node that sent it retried it with the next leader, not knowing whether the old
/// one had replicated it) answers the first result again instead of applying twice.
///
/// A session is one node process: it numbers its writes with increasing request ids and sends,
/// with every write, the lowest id it still waits for (`acknowledgedBelow`); results below it
/// are forgotten. A session that sent nothing for `idleMilliseconds` of log time is forgotten
/// too (its node restarted or left; its requests ended long ago).
///
/// Everything here happens while applying entries and is in snapshots, so every replica
/// decides duplicates alike.
public struct ClientSessions: Hashable, Sendable {
    public struct Session: Hashable, Sendable {
        /// Every request below this was answered to the session's node: a copy that arrives
        /// later is a duplicate nobody waits for.
        public internal(set) var acknowledgedBelow: UInt64 = 0
        /// Results of applied requests, by request id; entries below `acknowledgedBelow` may
        /// linger until the next prune.
        public internal(set) var results: [UInt64: KeyValueResult] = [:]
        /// The log time of the session's newest entry.
        public internal(set) var lastActiveMilliseconds: Int64 = 0
        /// `results.count` after the last prune: pruning runs when it has doubled, so that it
        /// costs O(1) per entry however many results a pipeline keeps waiting.
        var countAfterPrune = 0

        /// The results a copy can still get: those below `acknowledgedBelow` answer nothing,
        /// whether or not pruned yet.
        var answerable: [UInt64: KeyValueResult] { results.filter { $0.key >= acknowledgedBelow } }

        /// Equal when they answer every copy alike (pruning is bookkeeping, not state).
        public static func == (left: Session, right: Session) -> Bool {
            left.acknowledgedBelow == right.acknowledgedBelow
                && left.lastActiveMilliseconds == right.lastActiveMilliseconds && left.answerable == right.answerable
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(acknowledgedBelow)
            hasher.combine(lastActiveMilliseconds)
            hasher.combine(answerable)
        }
    }

    public internal(set) var sessions: [UInt64: Session] = [:]

    /// Log time after which an idle session is forgotten: far longer than any node keeps
    /// retrying one request.
    public static let idleMilliseconds: Int64 = 10 * 60 * 1_000
    /// The most sessions and results per session a snapshot may hold (far above what nodes
    /// make: one session per node process, one result per write in flight).
    static let sessionsMax = 1 << 16
    static let resultsMax = 1 << 24

    public init() {}

    /// What a copy of a request its session already had answered (or gave up on) gets: nobody
    /// waits for it, and its command does not run.
    public static let acknowledgedCopy = KeyValueResult.error(
        KeyValueError(.duplicateRequest, "ERR duplicate of a write that was already applied and answered")
    )

    /// What a write of `session` numbered `requestID` is: new (nil), or a copy of one already
    /// applied, with the result to answer.
    public func duplicateResult(session: UInt64, requestID: UInt64) -> KeyValueResult? {
        guard let state = sessions[session] else { return nil }
        if requestID < state.acknowledgedBelow { return Self.acknowledgedCopy }
        return state.results[requestID]
    }

    /// Records that the session's node has every answer below `acknowledgedBelow`, and that it
    /// was active at `time`.
    mutating func touch(session: UInt64, acknowledgedBelow: UInt64, at time: Int64) {
        var state = sessions.removeValue(forKey: session) ?? Session()
        state.lastActiveMilliseconds = max(state.lastActiveMilliseconds, time)
        if acknowledgedBelow > state.acknowledgedBelow {
            state.acknowledgedBelow = acknowledgedBelow
            if state.results.count >= 2 * state.countAfterPrune + 16 {
                state.results = state.results.filter { $0.key >= acknowledgedBelow }
                state.countAfterPrune = state.results.count
            }
        }
        sessions[session] = state
    }

    mutating func record(_ result: KeyValueResult, session: UInt64, requestID: UInt64) {
        sessions.modifyValue(forKey: session) { $0.results[requestID] = result }
    }

    /// A wait that ended: the result a copy of the request that started it now answers.
    mutating func settle(ticket: UInt64, with result: KeyValueResult) {
        for (id, state) in sessions where state.results[ticket] == .waiting {
            sessions.modifyValue(forKey: id) { $0.results[ticket] = result }
            return
        }
    }

    /// The result some session recorded for request `ticket`, if one still holds it.
    func recordedResult(ofTicket ticket: UInt64) -> KeyValueResult? {
        for state in sessions.values {
            if let result = state.results[ticket] { return result }
        }
        return nil
    }

    /// Forgets the sessions idle since before `time - idleMilliseconds`.
    mutating func expire(at time: Int64) {
        let cutoff = time - Self.idleMilliseconds
        sessions = sessions.filter { $0.value.lastActiveMilliseconds >= cutoff }
    }

    // MARK: - Snapshots

    func write(to writer: inout ByteWriter) {
        writer.write(UInt64(sessions.count))
        for id in sessions.keys.sorted() {
            let state = sessions[id]!
            writer.write(id)
            writer.write(state.acknowledgedBelow)
            writer.write(UInt64(bitPattern: state.lastActiveMilliseconds))
            let answerable = state.answerable
            writer.write(UInt64(answerable.count))
            for requestID in answerable.keys.sorted() {
                writer.write(requestID)
                answerable[requestID]!.write(to: &writer)
            }
        }
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let count = try reader.readUInt64()
        guard count <= UInt64(Self.sessionsMax), count <= UInt64(reader.remainingCount) else {
            throw .invalid("\(count) sessions")
        }
        for _ in 0..<count {
            let id = try reader.readUInt64()
            var state = Session()
            state.acknowledgedBelow = try reader.readUInt64()
            state.lastActiveMilliseconds = Int64(bitPattern: try reader.readUInt64())
            let results = try reader.readUInt64()
            guard id != 0, results <= UInt64(Self.resultsMax), results <= UInt64(reader.remainingCount) else {
                throw .invalid("session \(id) with \(results) results")
            }
            for _ in 0..<results {
                let requestID = try reader.readUInt64()
                let result = try KeyValueResult(reading: &reader)
                guard requestID >= state.acknowledgedBelow, state.results.updateValue(result, forKey: requestID) == nil
                else { throw .invalid("session \(id): result \(requestID) twice or acknowledged") }
            }
            state.countAfterPrune = state.results.count
            guard sessions.updateValue(state, forKey: id) == nil else { throw .invalid("session \(id) twice") }
        }
    }
}
