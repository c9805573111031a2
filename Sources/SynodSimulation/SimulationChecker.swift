import SynodConsensus
import SynodCore
import SynodRaft

/// The protocol invariants of one consensus group, checked as the simulation runs.
struct SimulationChecker: Sendable {
    /// The group checked, named in failures when a run has more than one.
    let group: GroupID?
    private var leaderOfTerm: [Term: NodeID] = [:]
    /// Every vote granted on the wire: a voter gives at most one per term, across restarts.
    private var votesGranted: [VoteKey: NodeID] = [:]

    private struct VoteKey: Hashable {
        let voter: NodeID
        let term: Term
    }
    /// Every entry any node applied, by index: state-machine safety compares against it.
    private(set) var appliedEntries: [LogIndex: LogEntry] = [:]
    private var durableHardStates: [NodeID: HardState] = [:]
    private var durableSnapshotIndexes: [NodeID: LogIndex] = [:]
    /// Commit and applied index of each node in its current life.
    private var volatileProgress: [NodeID: (commit: LogIndex, applied: UInt64)] = [:]
    private(set) var failure: SimulationFailure?

    init(group: GroupID? = nil) {
        self.group = group
    }

    mutating func fail(_ check: String, _ detail: String) {
        guard failure == nil else { return }
        let inGroup = group.map { "group \($0.rawValue): " } ?? ""
        failure = SimulationFailure(kind: .safety, check: check, detail: inGroup + detail)
    }

    /// Election safety (one leader per term) and leader completeness (a new leader holds
    /// every committed entry).
    mutating func observeLeader(_ replica: RaftReplica) -> Bool {
        guard replica.role == .leader else { return false }
        if let existing = leaderOfTerm[replica.term] {
            if existing != replica.id {
                fail("election-safety", "\(existing) and \(replica.id) both lead term \(replica.term)")
            }
            return false
        }
        leaderOfTerm[replica.term] = replica.id
        for index in appliedEntries.keys.sorted() where index > replica.snapshotIndex {
            let entry = appliedEntries[index]!
            guard let term = replica.term(at: index), term == entry.term else {
                fail(
                    "leader-completeness",
                    "\(replica.id) leads term \(replica.term) without committed entry \(entry.term)/\(index) "
                        + "(it has \(replica.term(at: index).map(\.description) ?? "nothing") there)"
                )
                return true
            }
        }
        return true
    }

    /// One vote per term: checked on every granted vote a node sends (before the network can
    /// lose it), so a vote forgotten in a restart is caught even if nobody wins with it.
    mutating func observeSent(_ message: RaftMessage) {
        guard case .voteResponse(granted: true) = message.body else { return }
        let key = VoteKey(voter: message.from, term: message.term)
        if let earlier = votesGranted[key], earlier != message.to {
            fail("one-vote-per-term", "\(message.from) voted for \(earlier) and \(message.to) in term \(message.term)")
        }
        votesGranted[key] = message.to
    }

    /// State-machine safety: no two different entries are applied at one index.
    mutating func recordApplied(_ entry: LogEntry, on node: NodeID) {
        if let existing = appliedEntries[entry.index] {
            if existing != entry {
                fail("state-machine-safety", "\(node) applied \(entry) where another node applied \(existing)")
            }
        } else {
            appliedEntries[entry.index] = entry
        }
    }

    /// Durable state never goes back: term and commit never decrease, a vote is never changed
    /// within a term, the snapshot index never decreases.
    mutating func recordDurable(_ state: PersistentState, on node: NodeID) {
        let hardState = state.hardState
        if let previous = durableHardStates[node] {
            if hardState.term < previous.term {
                fail("term-monotonic", "\(node) persisted term \(hardState.term) after \(previous.term)")
            } else if hardState.term == previous.term, let vote = previous.votedFor, hardState.votedFor != vote {
                fail(
                    "vote-monotonic",
                    "\(node) persisted vote \(hardState.votedFor.map(\.description) ?? "none") after \(vote) "
                        + "in term \(hardState.term)"
                )
            }
            if hardState.commit < previous.commit {
                fail("commit-monotonic", "\(node) persisted commit \(hardState.commit) after \(previous.commit)")
            }
        }
        durableHardStates[node] = hardState
        if let previous = durableSnapshotIndexes[node], state.snapshot.index < previous {
            fail("snapshot-monotonic", "\(node) persisted snapshot \(state.snapshot.index) after \(previous)")
        }
        durableSnapshotIndexes[node] = state.snapshot.index
    }

    /// Commit and applied indexes never go back while a node is up.
    mutating func observeProgress(_ replica: RaftReplica, appliedIndex: UInt64) {
        if let previous = volatileProgress[replica.id] {
            if replica.commitIndex < previous.commit {
                fail("commit-monotonic", "\(replica.id) commit went from \(previous.commit) to \(replica.commitIndex)")
            }
            if appliedIndex < previous.applied {
                fail("applied-monotonic", "\(replica.id) applied went from \(previous.applied) to \(appliedIndex)")
            }
        }
        volatileProgress[replica.id] = (replica.commitIndex, appliedIndex)
        if replica.commitIndex > replica.lastIndex {
            fail("commit-within-log", "\(replica.id) commit \(replica.commitIndex) past last \(replica.lastIndex)")
        }
    }

    mutating func nodeCrashed(_ node: NodeID) {
        volatileProgress[node] = nil
    }

    /// Log matching: where two logs hold an entry with the same index and term, they hold the
    /// same entries up to it.
    mutating func checkLogMatching(_ replicas: [RaftReplica]) {
        for (position, left) in replicas.enumerated() {
            for right in replicas[(position + 1)...] {
                let low = max(left.snapshotIndex, right.snapshotIndex).next
                let high = min(left.lastIndex, right.lastIndex)
                guard low <= high else { continue }
                var index = high
                while index >= low, left.term(at: index) != right.term(at: index) { index = index.previous }
                guard index >= low else { continue }
                // Offloaded entries are compared by term (what applied them checks the rest).
                let resident = max(low, left.residentFirstIndex, right.residentFirstIndex)
                var termsMatch = true
                var offloaded = low
                while offloaded < resident && offloaded <= index {
                    termsMatch = termsMatch && left.term(at: offloaded) == right.term(at: offloaded)
                    offloaded = offloaded.next
                }
                let leftEntries = left.entries(from: resident).prefix { $0.index <= index }
                let rightEntries = right.entries(from: resident).prefix { $0.index <= index }
                if !termsMatch || !leftEntries.elementsEqual(rightEntries) {
                    fail("log-matching", "\(left.id) and \(right.id) agree on \(index) but differ before it")
                }
            }
        }
    }
}
