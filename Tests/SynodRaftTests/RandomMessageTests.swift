import SynodConsensus
import SynodCore
import Testing

@testable import SynodRaft

/// Draws Raft messages with every field at its limits, near the values the receiver holds, or
/// random: the garbage and the near misses a forger would try.
struct MessageFuzzer {
    var random: SeededGenerator
    /// Senders and receivers to draw from: the members, a joining node, a stranger, the largest id.
    let nodes = [1, 2, 3, 4, 9, UInt64.max].map { NodeID($0) }

    /// More entries than an append may carry, and exactly as many (following index 0).
    static let tooManyEntries = entries(count: RaftMessage.entriesMax + 1)
    static let mostEntries = entries(count: RaftMessage.entriesMax)

    static func entries(count: Int) -> [LogEntry] {
        (1...UInt64(count)).map { LogEntry(term: Term(1), index: LogIndex($0), payload: .noop) }
    }

    static let limits: [UInt64] = [
        0, 1, 2, .max, .max - 1, 1 << 62 - 1, 1 << 62, 1 << 62 + 1, UInt64(Int64.max), UInt64(Int64.max) + 1,
    ]

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func pick<Element>(_ values: [Element]) -> Element { values[random.nextIndex(below: values.count)] }

    /// A limit, a value next to one of `anchors`, or a random value.
    mutating func value(near anchors: [UInt64]) -> UInt64 {
        switch random.nextIndex(below: 5) {
        case 0: pick(Self.limits)
        case 1, 2, 3: pick(anchors) &+ pick([0, 0, 1, 2]) &- pick([0, 0, 1])
        default: random.next()
        }
    }

    mutating func offset() -> Int {
        pick([0, 1, -1, .max, .min, ConsensusEncoding.snapshotBytesMax, ConsensusEncoding.snapshotBytesMax + 1])
    }

    mutating func membership() -> Membership {
        var voters = Set<NodeID>()
        var learners = Set<NodeID>()
        for node in nodes {
            switch random.nextIndex(below: 3) {
            case 0: voters.insert(node)
            case 1: learners.insert(node)
            default: break
            }
        }
        return Membership(voters: voters, learners: learners)
    }

    mutating func payload() -> EntryPayload {
        switch random.nextIndex(below: 5) {
        case 0: .noop
        case 1: .configurationChange(.addVoter(pick(nodes)))
        case 2: .configurationChange(.addLearner(pick(nodes)))
        case 3: .configurationChange(.remove(pick(nodes)))
        default: .command([UInt8(truncatingIfNeeded: random.next())])
        }
    }

    /// Entries for an append after `previousIndex`: none, too many, a run that fits, or
    /// entries at random places.
    mutating func entries(after previousIndex: UInt64, terms: [UInt64]) -> [LogEntry] {
        switch random.nextIndex(below: 64) {
        case 0: return Self.tooManyEntries
        case 1: return Self.mostEntries
        case 2..<16: return []
        case 16..<40:
            var term = value(near: terms)
            return (0..<UInt64(1 + random.nextIndex(below: 4))).map { offset in
                if random.nextIndex(below: 4) == 0 { term &+= 1 }
                return LogEntry(
                    term: Term(term),
                    index: LogIndex(max(1, previousIndex &+ offset &+ 1)),
                    payload: payload()
                )
            }
        default:
            return (0..<random.nextIndex(below: 4)).map { _ in
                LogEntry(
                    term: Term(value(near: terms)),
                    index: LogIndex(max(1, value(near: [previousIndex &+ 1]))),
                    payload: payload()
                )
            }
        }
    }

    /// A message to `target`, mostly addressed to it, from anyone including itself.
    mutating func message(to target: RaftReplica) -> RaftMessage {
        let indexes = [target.lastIndex.rawValue, target.commitIndex.rawValue, target.snapshotIndex.rawValue, 0]
        let terms = [target.term.rawValue, target.lastTerm.rawValue, target.term.rawValue &+ 1]
        let from = pick(nodes + [target.id, target.id])
        let to = random.nextIndex(below: 8) == 0 ? pick(nodes) : target.id
        let term = Term(value(near: terms))
        let body: RaftMessage.Body
        switch random.nextIndex(below: 17) {
        case 0: body = .preVote(lastIndex: LogIndex(value(near: indexes)), lastTerm: Term(value(near: terms)))
        case 1: body = .preVoteResponse(granted: random.nextIndex(below: 2) == 0)
        case 2:
            body = .vote(
                lastIndex: LogIndex(value(near: indexes)),
                lastTerm: Term(value(near: terms)),
                leadershipTransfer: random.nextIndex(below: 2) == 0
            )
        case 3: body = .voteResponse(granted: random.nextIndex(below: 2) == 0)
        case 4, 5:
            let previousIndex = value(near: indexes)
            body = .append(
                previousIndex: LogIndex(previousIndex),
                previousTerm: Term(value(near: terms)),
                entries: entries(after: previousIndex, terms: terms),
                commit: LogIndex(value(near: indexes))
            )
        case 6: body = .appendResponse(.accepted(matchIndex: LogIndex(value(near: indexes))))
        case 7:
            body = .appendResponse(
                .rejected(
                    rejectedIndex: LogIndex(value(near: indexes)),
                    hintIndex: LogIndex(value(near: indexes)),
                    hintTerm: Term(value(near: terms))
                )
            )
        case 8:
            body = .heartbeat(
                commit: LogIndex(value(near: indexes)),
                leaderTick: value(near: [0, 100]),
                readRound: random.nextIndex(below: 2) == 0 ? nil : value(near: [1])
            )
        case 9:
            body = .heartbeatResponse(
                leaderTick: value(near: [0, 10, 100]),
                readRound: random.nextIndex(below: 2) == 0 ? nil : value(near: [1])
            )
        case 10:
            let data =
                random.nextIndex(below: 2) == 0 ? [] : Array(repeating: UInt8(7), count: random.nextIndex(below: 40))
            body = .snapshotChunk(
                SnapshotChunk(
                    index: LogIndex(value(near: indexes)),
                    term: Term(value(near: terms)),
                    membership: random.nextIndex(below: 2) == 0 ? target.membership : membership(),
                    offset: random.nextIndex(below: 2) == 0 ? random.nextIndex(below: 50) : offset(),
                    data: data,
                    isLast: random.nextIndex(below: 2) == 0
                )
            )
        case 11:
            body = .snapshotResponse(
                .chunkStored(
                    index: LogIndex(value(near: indexes)),
                    nextOffset: random.nextIndex(below: 2) == 0 ? random.nextIndex(below: 50) : offset()
                )
            )
        case 12: body = .snapshotResponse(.installed(matchIndex: LogIndex(value(near: indexes))))
        case 13: body = .snapshotResponse(.restart(index: LogIndex(value(near: indexes))))
        case 14: body = .hibernate(commit: LogIndex(value(near: indexes)))
        default: body = .timeoutNow
        }
        return RaftMessage(from: from, to: to, term: term, body: body)
    }
}

/// A property test: random and limit-valued messages, mixed with the replicas' own traffic,
/// ticks, proposals and reads, never trap a replica in any role, and every replica's own
/// invariants hold after each step. (Forged messages that look valid may be believed; that
/// needs authenticated peers, so the group's safety is not checked here.)
struct RandomMessageTests {
    @Test(arguments: TargetRole.allCases, [1, 2] as [UInt64])
    func randomMessagesNeverTrap(role: TargetRole, seed: UInt64) throws {
        var group = try HostileCluster(role)
        try group.run("add-empty-node 4")
        var replicas = group.cluster.replicas
        let ids = replicas.keys.sorted()
        var fuzzer = MessageFuzzer(seed: seed &* 1_000 &+ UInt64(TargetRole.allCases.firstIndex(of: role)!))
        var network: [RaftMessage] = []
        var forged = 0
        for step in 0..<3_000 {
            // The role's replica gets half of the forged messages, so it is hit in its role.
            let id = fuzzer.random.nextIndex(below: 2) == 0 ? group.target : fuzzer.pick(ids)
            switch fuzzer.random.nextIndex(below: 20) {
            case 0..<10:
                replicas[id]!.step(fuzzer.message(to: replicas[id]!))
                forged += 1
            case 10..<12:
                replicas[id]!.tick()
            case 12..<15:
                let ready = replicas[id]!.ready()
                network += ready.messages
                replicas[id]!.advance(ready)
                if network.count > 1_000 { network.removeFirst(network.count - 1_000) }
            case 15..<18:
                guard !network.isEmpty else { break }
                let message = network.remove(at: fuzzer.random.nextIndex(below: network.count))
                replicas[message.to]?.step(message)
            case 18:
                // Refusals (not the leader, too many bytes) are expected here; only traps matter.
                _ = try? replicas[id]!.propose([UInt8(truncatingIfNeeded: step)])
            default:
                // As for proposals: a refused read is fine, a trap is not.
                _ = try? replicas[id]!.readIndex(context: UInt64(step))
            }
            Self.checkInvariants(of: replicas[id]!, step: step)
        }
        // Most forged messages are refused; some look valid and are acted on.
        let dropped = replicas.values.reduce(0) { $0 + $1.droppedMessageCount }
        #expect(dropped > 0 && forged > 0)
    }

    static func checkInvariants(of replica: RaftReplica, step: Int) {
        let context = "step \(step), n\(replica.id.rawValue) \(replica.role) term \(replica.term)"
        #expect(replica.term <= .acceptedMax, "\(context)")
        #expect(replica.lastTerm <= replica.term, "\(context): last term \(replica.lastTerm)")
        #expect(replica.appliedIndex <= replica.commitIndex, "\(context)")
        #expect(replica.commitIndex <= replica.lastIndex, "\(context)")
        #expect(replica.snapshotIndex <= replica.commitIndex, "\(context)")
        guard replica.role == .leader else { return }
        for member in replica.membership.members where member != replica.id {
            #expect((replica.matchIndex(of: member) ?? .zero) <= replica.lastIndex, "\(context): match of \(member)")
        }
    }
}
