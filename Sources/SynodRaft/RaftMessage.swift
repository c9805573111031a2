import SynodConsensus
import SynodCore

/// A message between two replicas of one Raft group. The driver tags it with the group id.
public struct RaftMessage: Hashable, Sendable, CustomStringConvertible {
    public var from: NodeID
    public var to: NodeID
    /// The sender's term; for pre-votes, the term the sender would campaign in.
    public var term: Term
    public var body: Body

    public init(from: NodeID, to: NodeID, term: Term, body: Body) {
        self.from = from
        self.to = to
        self.term = term
        self.body = body
    }

    public enum Body: Hashable, Sendable {
        /// Would you vote for me in `term`? Changes no state at the receiver.
        case preVote(lastIndex: LogIndex, lastTerm: Term)
        case preVoteResponse(granted: Bool)
        /// Vote for me in `term`. `leadershipTransfer` overrides the receivers' leader lease.
        case vote(lastIndex: LogIndex, lastTerm: Term, leadershipTransfer: Bool)
        case voteResponse(granted: Bool)
        /// Append `entries` after (`previousIndex`, `previousTerm`); the leader has committed
        /// up to `commit`.
        case append(previousIndex: LogIndex, previousTerm: Term, entries: [LogEntry], commit: LogIndex)
        case appendResponse(AppendResult)
        /// Keeps followers from campaigning; carries a commit index no higher than the
        /// follower's match, the leader's tick (echoed, for leases) and an optional read round.
        case heartbeat(commit: LogIndex, leaderTick: UInt64, readRound: UInt64?)
        case heartbeatResponse(leaderTick: UInt64, readRound: UInt64?)
        /// One chunk of a snapshot; chunks arrive in order from offset 0.
        case snapshotChunk(SnapshotChunk)
        case snapshotResponse(SnapshotResult)
        /// Campaign now, ignoring timers and pre-vote: the leader is handing over.
        case timeoutNow
        /// The group is idle: commit up to `commit` (no higher than the follower's match) and
        /// stop counting the election timeout until something wakes it (`RaftReplica+Hibernation`).
        case hibernate(commit: LogIndex)
    }

    public var description: String { "\(from)->\(to) t\(term) \(body)" }
}

/// A follower's answer to an append.
public enum AppendResult: Hashable, Sendable {
    /// The follower's log matches the leader's up to `matchIndex`.
    case accepted(matchIndex: LogIndex)
    /// No entry at `rejectedIndex` with the leader's previous term. The hint is the follower's
    /// last entry at or below it whose term is at most the leader's previous term, so the
    /// leader can skip whole terms instead of one entry per round trip.
    case rejected(rejectedIndex: LogIndex, hintIndex: LogIndex, hintTerm: Term)
}

/// A piece of a snapshot being installed on a follower.
public struct SnapshotChunk: Hashable, Sendable {
    public var index: LogIndex
    public var term: Term
    public var membership: Membership
    public var offset: Int
    public var data: [UInt8]
    public var isLast: Bool

    public init(index: LogIndex, term: Term, membership: Membership, offset: Int, data: [UInt8], isLast: Bool) {
        self.index = index
        self.term = term
        self.membership = membership
        self.offset = offset
        self.data = data
        self.isLast = isLast
    }
}

/// A follower's answer to a snapshot chunk.
public enum SnapshotResult: Hashable, Sendable {
    /// The chunk ending at `nextOffset` was stored; send the next one.
    case chunkStored(index: LogIndex, nextOffset: Int)
    /// The whole snapshot is installed; the follower's log matches up to `matchIndex`.
    case installed(matchIndex: LogIndex)
    /// The chunk did not continue what the follower holds; start again from offset 0.
    case restart(index: LogIndex)
}
