import SynodConsensus
import SynodCore

/// Why a replica dropped a message without acting on it.
///
/// A correct peer never sends such a message: each reason is evidence of a forged, corrupted
/// or misrouted frame (or of a bug in a peer). Stale messages, which Raft expects (an older
/// term, an answer to a role the replica no longer has), are ignored as before and not
/// counted. The raw values are metric labels.
public enum RaftMessageDropReason: String, CaseIterable, Hashable, Sendable {
    /// `to` is not this replica.
    case wrongRecipient = "wrong-recipient"
    /// `from` is this replica: a replica never messages itself.
    case fromSelf = "from-self"
    /// The message's term, or a term it carries, is above `Term.acceptedMax`.
    case termAboveLimit = "term-above-limit"
    /// An index the message carries, or the last index of its entries, is above
    /// `LogIndex.acceptedMax`.
    case indexAboveLimit = "index-above-limit"
    /// Fields that contradict each other: entries out of place or of a term after the
    /// message's, a hint past the rejected index, a snapshot offset out of range, too many
    /// entries.
    case malformed
    /// The sender is not a member of the group as this replica knows it (see
    /// `RaftReplica.knowsAsMember(_:)`).
    case nonMember = "non-member"
    /// A leader's message in a term this replica already knows another leader of, or leads.
    case secondLeader = "second-leader"
    /// An answer to something this replica never sent: an acknowledgement past its last
    /// index, a heartbeat tick from its future, a snapshot offset past the snapshot's end, a
    /// pre-vote granted for a term it never asked for.
    case answersUnsent = "answers-unsent"
}

/// How many messages a replica dropped, in total and by reason. Counts only grow.
public struct DroppedMessageCounts: Hashable, Sendable {
    /// Every message dropped since the replica started.
    public private(set) var total: UInt64 = 0
    public private(set) var byReason: [RaftMessageDropReason: UInt64] = [:]
    /// The reason of the newest drop, for a driver that logs drops as they happen.
    public private(set) var lastReason: RaftMessageDropReason?

    public init() {}

    public subscript(reason: RaftMessageDropReason) -> UInt64 { byReason[reason] ?? 0 }

    mutating func record(_ reason: RaftMessageDropReason) {
        total += 1
        byReason[reason, default: 0] += 1
        lastReason = reason
    }
}

extension RaftMessage {
    /// Why this message cannot come from a correct replica, judged by its own fields alone:
    /// limits, and fields that contradict each other. Nil when they are consistent.
    ///
    /// Every check a handler relies on to keep its arithmetic and its preconditions safe is
    /// here, so that a message that passes can be handled without trapping whatever its
    /// values. Checks that need the receiver's state are in `RaftReplica.admissionFailure`.
    public var fieldViolation: RaftMessageDropReason? {
        guard term <= .acceptedMax else { return .termAboveLimit }
        switch body {
        case .preVote(let lastIndex, let lastTerm), .vote(let lastIndex, let lastTerm, _):
            guard lastIndex <= .acceptedMax else { return .indexAboveLimit }
            // A candidate's log holds no entry of a term after the one it campaigns in.
            return lastTerm <= term ? nil : .malformed
        case .preVoteResponse, .voteResponse, .heartbeatResponse, .timeoutNow:
            return nil
        case .append(let previousIndex, let previousTerm, let entries, let commit):
            return Self.appendViolation(term, previousIndex, previousTerm, entries, commit)
        case .appendResponse(.accepted(let matchIndex)):
            return matchIndex <= .acceptedMax ? nil : .indexAboveLimit
        case .appendResponse(.rejected(let rejectedIndex, let hintIndex, let hintTerm)):
            guard rejectedIndex <= .acceptedMax else { return .indexAboveLimit }
            // The hint is an entry of the follower's log at or below the rejected index.
            return hintIndex <= rejectedIndex && hintTerm <= term ? nil : .malformed
        case .heartbeat(let commit, _, _), .hibernate(let commit):
            return commit <= .acceptedMax ? nil : .indexAboveLimit
        case .snapshotChunk(let chunk):
            guard chunk.index <= .acceptedMax else { return .indexAboveLimit }
            // Checked so that `offset + data.count` cannot overflow and stays within the
            // largest snapshot a replica accepts.
            guard chunk.term <= term, chunk.offset >= 0, chunk.offset <= ConsensusEncoding.snapshotBytesMax,
                chunk.data.count <= ConsensusEncoding.snapshotBytesMax - chunk.offset
            else { return .malformed }
            return nil
        case .snapshotResponse(.chunkStored(let index, let nextOffset)):
            guard index <= .acceptedMax else { return .indexAboveLimit }
            return nextOffset >= 0 && nextOffset <= ConsensusEncoding.snapshotBytesMax ? nil : .malformed
        case .snapshotResponse(.installed(let index)), .snapshotResponse(.restart(let index)):
            return index <= .acceptedMax ? nil : .indexAboveLimit
        }
    }

    /// An append's entries follow `previousIndex` one by one, with terms that never decrease
    /// from `previousTerm` and never pass the leader's term; the last ends within the limit.
    private static func appendViolation(
        _ term: Term,
        _ previousIndex: LogIndex,
        _ previousTerm: Term,
        _ entries: [LogEntry],
        _ commit: LogIndex
    ) -> RaftMessageDropReason? {
        guard previousIndex <= .acceptedMax, commit <= .acceptedMax else { return .indexAboveLimit }
        guard entries.count <= entriesMax, previousTerm <= term else { return .malformed }
        // Both operands are bounded above, so the sum cannot overflow.
        guard previousIndex.rawValue + UInt64(entries.count) <= LogIndex.acceptedMax.rawValue else {
            return .indexAboveLimit
        }
        var expectedIndex = previousIndex
        var termFloor = previousTerm
        for entry in entries {
            expectedIndex = expectedIndex.next
            guard entry.index == expectedIndex, entry.term >= termFloor, entry.term <= term else { return .malformed }
            termFloor = entry.term
        }
        return nil
    }
}
