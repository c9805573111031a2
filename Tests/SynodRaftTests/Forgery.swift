import SynodConsensus
import SynodCore

@testable import SynodRaft

/// A message no correct peer sends, and the reason a replica in each role drops it for.
struct Forgery: CustomStringConvertible, Sendable {
    let name: String
    /// The message, given the replica it goes to and a member that is neither it nor the leader.
    let make: @Sendable (_ target: RaftReplica, _ bystander: NodeID) -> RaftMessage
    /// The reason a replica in each role drops it for; nil where the role may act on it (it
    /// must then not trap, and the group must keep working).
    let expected: @Sendable (TargetRole) -> RaftMessageDropReason?

    var description: String { name }

    init(
        _ name: String,
        _ reason: RaftMessageDropReason,
        onlyAs roles: Set<TargetRole> = Set(TargetRole.allCases),
        make: @escaping @Sendable (_ target: RaftReplica, _ bystander: NodeID) -> RaftMessage
    ) {
        self.name = name
        self.make = make
        self.expected = { roles.contains($0) ? reason : nil }
    }

    /// A message to `target` from `sender`, in the target's term unless another is given.
    static func message(
        _ target: RaftReplica,
        from sender: NodeID,
        term: Term? = nil,
        _ body: RaftMessage.Body
    ) -> RaftMessage {
        RaftMessage(from: sender, to: target.id, term: term ?? target.term, body: body)
    }

    static func index(_ base: LogIndex, plus offset: UInt64) -> LogIndex { LogIndex(base.rawValue + offset) }
    static func term(_ base: Term, plus offset: UInt64) -> Term { Term(base.rawValue + offset) }

    static let maxIndex = LogIndex(.max)
    static let maxTerm = Term(.max)
    static let stranger = HostileCluster.stranger
    static let tooManyEntries = (1...UInt64(RaftMessage.entriesMax + 1)).map {
        LogEntry(term: Term(1), index: LogIndex($0), payload: .noop)
    }

    static let all: [Forgery] = appends + elections + responses + snapshots

    static let appends: [Forgery] = [
        Forgery("append after index 2^64-1", .indexAboveLimit) { t, b in
            message(t, from: b, .append(previousIndex: maxIndex, previousTerm: t.term, entries: [], commit: maxIndex))
        },
        Forgery("append of an entry at index 2^64-1", .indexAboveLimit) { t, b in
            let entry = LogEntry(term: t.term, index: maxIndex, payload: .noop)
            return message(
                t,
                from: b,
                .append(previousIndex: LogIndex(.max - 1), previousTerm: t.term, entries: [entry], commit: .zero)
            )
        },
        Forgery("append ending one past the index limit", .indexAboveLimit) { t, b in
            let entry = LogEntry(term: t.term, index: index(.acceptedMax, plus: 1), payload: .noop)
            return message(
                t,
                from: b,
                .append(previousIndex: .acceptedMax, previousTerm: t.term, entries: [entry], commit: .zero)
            )
        },
        Forgery("append with commit 2^64-1", .indexAboveLimit) { t, b in
            message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: t.lastTerm, entries: [], commit: maxIndex)
            )
        },
        Forgery("append with an entry out of place", .malformed) { t, b in
            let entry = LogEntry(term: t.term, index: index(t.lastIndex, plus: 2), payload: .noop)
            return message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: t.lastTerm, entries: [entry], commit: t.commitIndex)
            )
        },
        Forgery("append with an entry of a later term than the message", .malformed) { t, b in
            let entry = LogEntry(term: term(t.term, plus: 1), index: index(t.lastIndex, plus: 1), payload: .noop)
            return message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: t.lastTerm, entries: [entry], commit: t.commitIndex)
            )
        },
        Forgery("append whose entry terms decrease", .malformed) { t, b in
            let entries = [
                LogEntry(term: t.term, index: index(t.lastIndex, plus: 1), payload: .noop),
                LogEntry(term: .zero, index: index(t.lastIndex, plus: 2), payload: .noop),
            ]
            return message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: t.lastTerm, entries: entries, commit: t.commitIndex)
            )
        },
        Forgery("append whose previous term is later than the message", .malformed) { t, b in
            message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: term(t.term, plus: 1), entries: [], commit: .zero)
            )
        },
        Forgery("append of more entries than the limit", .malformed) { t, b in
            message(
                t,
                from: b,
                .append(previousIndex: .zero, previousTerm: .zero, entries: tooManyEntries, commit: .zero)
            )
        },
        Forgery("heartbeat from the replica itself", .fromSelf) { t, _ in
            message(t, from: t.id, .heartbeat(commit: t.commitIndex, leaderTick: 0, readRound: nil))
        },
        Forgery("heartbeat one term past the limit", .termAboveLimit) { t, b in
            message(
                t,
                from: b,
                term: term(.acceptedMax, plus: 1),
                .heartbeat(commit: .zero, leaderTick: 0, readRound: nil)
            )
        },
        Forgery(
            "heartbeat at the target's term from a node that does not lead",
            .secondLeader,
            onlyAs: [.leader, .follower]
        ) {
            t,
            b in
            message(t, from: b, .heartbeat(commit: t.commitIndex, leaderTick: 0, readRound: nil))
        },
        Forgery(
            "append at the target's term from a node that does not lead",
            .secondLeader,
            onlyAs: [.leader, .follower]
        ) {
            t,
            b in
            message(
                t,
                from: b,
                .append(previousIndex: t.lastIndex, previousTerm: t.lastTerm, entries: [], commit: t.commitIndex)
            )
        },
    ]

    static let elections: [Forgery] = [
        Forgery("pre-vote from the replica itself", .fromSelf) { t, _ in
            message(t, from: t.id, term: term(t.term, plus: 1), .preVote(lastIndex: t.lastIndex, lastTerm: t.lastTerm))
        },
        Forgery("vote addressed to another node", .wrongRecipient) { t, b in
            RaftMessage(
                from: b,
                to: stranger,
                term: term(t.term, plus: 1),
                body: .vote(lastIndex: t.lastIndex, lastTerm: t.lastTerm, leadershipTransfer: true)
            )
        },
        Forgery("vote at term 2^64-1", .termAboveLimit) { t, b in
            message(
                t,
                from: b,
                term: maxTerm,
                .vote(lastIndex: t.lastIndex, lastTerm: t.lastTerm, leadershipTransfer: true)
            )
        },
        Forgery("pre-vote at term 2^64-1", .termAboveLimit) { t, b in
            message(t, from: b, term: maxTerm, .preVote(lastIndex: t.lastIndex, lastTerm: t.lastTerm))
        },
        // A replica that knows no leader answers a stranger's vote request (its membership
        // may be behind the candidate's); one that knows a leader drops it.
        Forgery("vote from a non-member", .nonMember, onlyAs: [.leader, .follower]) { t, _ in
            message(
                t,
                from: stranger,
                term: term(t.term, plus: 1),
                .vote(lastIndex: t.lastIndex, lastTerm: t.lastTerm, leadershipTransfer: true)
            )
        },
        Forgery("pre-vote response from a non-member", .nonMember) { t, _ in
            message(t, from: stranger, term: term(t.term, plus: 1), .preVoteResponse(granted: true))
        },
        Forgery("vote whose last term is after its term", .malformed) { t, b in
            message(
                t,
                from: b,
                term: term(t.term, plus: 1),
                .vote(lastIndex: LogIndex(1), lastTerm: term(t.term, plus: 2), leadershipTransfer: true)
            )
        },
        Forgery("pre-vote granted for a term never asked for", .answersUnsent) { t, b in
            message(t, from: b, term: term(t.term, plus: 5), .preVoteResponse(granted: true))
        },
        Forgery("timeout-now from a non-member", .nonMember) { t, _ in
            message(t, from: stranger, .timeoutNow)
        },
        Forgery("timeout-now from a member that does not lead", .secondLeader, onlyAs: [.follower]) { t, b in
            message(t, from: b, .timeoutNow)
        },
    ]

    static let responses: [Forgery] = [
        Forgery("append response at term 2^64-1", .termAboveLimit) { t, b in
            message(t, from: b, term: maxTerm, .appendResponse(.accepted(matchIndex: .zero)))
        },
        Forgery("append response from a non-member", .nonMember) { t, _ in
            message(t, from: stranger, .appendResponse(.accepted(matchIndex: t.lastIndex)))
        },
        Forgery("append acknowledgement past the leader's log", .answersUnsent, onlyAs: [.leader]) { t, b in
            message(t, from: b, .appendResponse(.accepted(matchIndex: index(t.lastIndex, plus: 1))))
        },
        Forgery("append acknowledgement of index 2^64-1", .indexAboveLimit) { t, b in
            message(t, from: b, .appendResponse(.accepted(matchIndex: maxIndex)))
        },
        Forgery("append rejection past the leader's log", .answersUnsent, onlyAs: [.leader]) { t, b in
            let rejected = index(t.lastIndex, plus: 1)
            return message(
                t,
                from: b,
                .appendResponse(.rejected(rejectedIndex: rejected, hintIndex: .zero, hintTerm: .zero))
            )
        },
        Forgery("append rejection hinting past the rejected index", .malformed) { t, b in
            message(
                t,
                from: b,
                .appendResponse(.rejected(rejectedIndex: LogIndex(1), hintIndex: LogIndex(2), hintTerm: .zero))
            )
        },
        Forgery("heartbeat response from the leader's future", .answersUnsent, onlyAs: [.leader]) { t, b in
            message(t, from: b, .heartbeatResponse(leaderTick: .max, readRound: 1))
        },
    ]

    static let snapshots: [Forgery] = [
        Forgery(
            "snapshot chunk at the target's term from a node that does not lead",
            .secondLeader,
            onlyAs: [.leader, .follower]
        ) {
            t,
            b in
            let chunk = SnapshotChunk(
                index: t.commitIndex,
                term: t.term(at: t.commitIndex)!,
                membership: t.membership,
                offset: 0,
                data: [],
                isLast: false
            )
            return message(t, from: b, .snapshotChunk(chunk))
        },
        Forgery("snapshot chunk at offset Int.max", .malformed) { t, b in
            message(t, from: b, .snapshotChunk(chunk(t, offset: .max, data: [1])))
        },
        Forgery("snapshot chunk at a negative offset", .malformed) { t, b in
            message(t, from: b, .snapshotChunk(chunk(t, offset: -1, data: [1])))
        },
        Forgery("snapshot chunk past the snapshot size limit", .malformed) { t, b in
            message(t, from: b, .snapshotChunk(chunk(t, offset: ConsensusEncoding.snapshotBytesMax, data: [1])))
        },
        Forgery("snapshot chunk at index 2^64-1", .indexAboveLimit) { t, b in
            message(t, from: b, .snapshotChunk(chunk(t, index: maxIndex)))
        },
        Forgery("snapshot chunk of a later term than the message", .malformed) { t, b in
            message(t, from: b, .snapshotChunk(chunk(t, term: term(t.term, plus: 1))))
        },
        Forgery("snapshot progress at offset Int.max", .malformed) { t, b in
            message(t, from: b, .snapshotResponse(.chunkStored(index: t.commitIndex, nextOffset: .max)))
        },
        Forgery("snapshot progress at a negative offset", .malformed) { t, b in
            message(t, from: b, .snapshotResponse(.chunkStored(index: t.commitIndex, nextOffset: -1)))
        },
        Forgery("snapshot installed past the leader's log", .answersUnsent, onlyAs: [.leader]) { t, b in
            message(t, from: b, .snapshotResponse(.installed(matchIndex: index(t.lastIndex, plus: 1))))
        },
        Forgery("snapshot installed at index 2^64-1", .indexAboveLimit) { t, b in
            message(t, from: b, .snapshotResponse(.installed(matchIndex: maxIndex)))
        },
    ]

    /// A chunk of a snapshot ahead of the target, for forgeries to spoil one field of.
    static func chunk(
        _ target: RaftReplica,
        index: LogIndex? = nil,
        term: Term? = nil,
        offset: Int = 0,
        data: [UInt8] = []
    ) -> SnapshotChunk {
        SnapshotChunk(
            index: index ?? Self.index(target.lastIndex, plus: 10),
            term: term ?? target.term,
            membership: target.membership,
            offset: offset,
            data: data,
            isLast: true
        )
    }
}
