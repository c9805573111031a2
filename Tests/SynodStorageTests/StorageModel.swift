import SynodConsensus
import SynodCore
import SynodStorage

/// One write the tests make, chosen so that each becomes exactly one log record.
enum StorageOperation: CustomStringConvertible {
    case entries(GroupID, [LogEntry])
    case hardState(GroupID, HardState)
    /// A snapshot the state machine took: its file, then a marker record.
    case compact(GroupID, Snapshot)
    /// A snapshot from a leader that replaces the log: its file, then a marker record.
    case install(GroupID, Snapshot)

    var description: String {
        switch self {
        case .entries(let group, let entries): "\(group) entries \(entries.first!.index)...\(entries.last!.index)"
        case .hardState(let group, let state): "\(group) \(state)"
        case .compact(let group, let snapshot): "\(group) compact \(snapshot.term)/\(snapshot.index)"
        case .install(let group, let snapshot): "\(group) install \(snapshot.term)/\(snapshot.index)"
        }
    }

    /// Stages (or, for snapshots, saves and stages) the operation.
    func perform(on storage: inout DurableStorage<InMemoryFileSystem>) throws(StorageError) {
        switch self {
        case .entries(let group, let entries):
            try storage.stage(group: group, hardState: nil, snapshot: nil, entries: entries)
        case .hardState(let group, let state):
            try storage.stage(group: group, hardState: state, snapshot: nil, entries: [])
        case .compact(let group, let snapshot):
            try storage.compact(group: group, to: snapshot)
        case .install(let group, let snapshot):
            try storage.stage(group: group, hardState: nil, snapshot: snapshot, entries: [])
        }
    }
}

/// A reference model of what storage must recover: the effect of each record, written the
/// plain way (whole entries in arrays), to compare the real log against.
struct StorageModel {
    struct Group: Equatable {
        var base = LogPosition.zero
        var hardState = HardState()
        var entries: [LogEntry] = []

        var lastIndex: LogIndex { entries.last?.index ?? base.index }

        func term(at index: LogIndex) -> Term? {
            if index == base.index { return base.term }
            return entries.first { $0.index == index }?.term
        }

        mutating func applySnapshot(_ position: LogPosition) {
            guard position.index > base.index else { return }
            if term(at: position.index) == position.term {
                entries.removeAll { $0.index <= position.index }
            } else {
                entries = []
            }
            base = position
        }
    }

    var groups: [GroupID: Group] = [:]
    /// The newest durable snapshot file of each group.
    var snapshotFiles: [GroupID: Snapshot] = [:]

    /// The effect of the operation's file (snapshots only), which is durable once staged.
    mutating func saveFile(_ operation: StorageOperation) {
        switch operation {
        case .compact(let group, let snapshot), .install(let group, let snapshot): snapshotFiles[group] = snapshot
        case .entries, .hardState: break
        }
    }

    /// The effect of the operation's record.
    mutating func applyRecord(_ operation: StorageOperation) {
        switch operation {
        case .entries(let group, let entries):
            var model = groups[group] ?? Group()
            model.entries.removeAll { $0.index >= entries[0].index }
            model.entries += entries
            groups[group] = model
        case .hardState(let group, let state):
            groups[group, default: Group()].hardState = state
        case .compact(let group, let snapshot), .install(let group, let snapshot):
            groups[group, default: Group()].applySnapshot(LogPosition(index: snapshot.index, term: snapshot.term))
        }
    }

    /// What a restart must recover from this model.
    var recovered: [GroupID: PersistentState] {
        var result: [GroupID: PersistentState] = [:]
        for group in Set(groups.keys).union(snapshotFiles.keys) {
            var model = groups[group] ?? Group()
            let snapshot = snapshotFiles[group] ?? PersistentState.joining.snapshot
            model.applySnapshot(LogPosition(index: snapshot.index, term: snapshot.term))
            var hardState = model.hardState
            hardState.commit = max(hardState.commit, model.base.index)
            result[group] = PersistentState(hardState: hardState, snapshot: snapshot, entries: model.entries)
        }
        return result
    }
}

/// Seeded batches of valid operations over a few groups, as consensus groups would write.
struct StorageWorkload {
    var random: SeededGenerator
    /// The model of everything generated so far (used to keep operations valid).
    var model = StorageModel()
    let groupCount: Int
    /// Make snapshots (compactions and installs) at all.
    let withSnapshots: Bool

    init(seed: UInt64, groupCount: Int = 3, withSnapshots: Bool = true) {
        random = SeededGenerator(seed: seed)
        self.groupCount = groupCount
        self.withSnapshots = withSnapshots
    }

    mutating func bytes(count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) } }

    /// The next batch of one to `operationsMax` operations.
    mutating func nextBatch(operationsMax: Int = 4) -> [StorageOperation] {
        (0...random.nextIndex(below: operationsMax)).map { _ in nextOperation() }
    }

    mutating func nextOperation() -> StorageOperation {
        let group = GroupID(UInt64(random.nextIndex(below: groupCount)) + 1)
        let current = model.groups[group] ?? StorageModel.Group()
        let term = max(current.hardState.term, Term(1))
        let operation: StorageOperation
        switch random.nextIndex(below: withSnapshots ? 10 : 8) {
        case 0...4:
            let low = max(current.hardState.commit, current.base.index).rawValue + 1
            let first = low + random.next(below: current.lastIndex.rawValue + 2 - low)
            let entries = (0..<(random.nextIndex(below: 3) + 1)).map { offset in
                LogEntry(
                    term: term,
                    index: LogIndex(first + UInt64(offset)),
                    payload: random.nextBool(probability: 0.1)
                        ? .noop : .command(bytes(count: random.nextIndex(below: 24)))
                )
            }
            operation = .entries(group, entries)
        case 5...7:
            let commitRange = current.lastIndex.rawValue - current.hardState.commit.rawValue
            let commit = LogIndex(current.hardState.commit.rawValue + random.next(below: commitRange + 1))
            let newTerm = random.nextBool(probability: 0.3) ? term.next : term
            let vote = random.nextBool(probability: 0.5) ? NodeID(UInt64(random.nextIndex(below: 5)) + 1) : nil
            operation = .hardState(group, HardState(term: newTerm, votedFor: vote, commit: commit))
        case 8 where current.hardState.commit > current.base.index:
            let span = current.hardState.commit.rawValue - current.base.index.rawValue
            let index = LogIndex(current.base.index.rawValue + 1 + random.next(below: span))
            operation = .compact(group, snapshot(at: index, term: current.term(at: index)!))
        case 8, 9:
            let index = LogIndex(current.lastIndex.rawValue + 1 + random.next(below: 3))
            operation = .install(group, snapshot(at: index, term: term))
        default:
            preconditionFailure("unreachable")
        }
        model.saveFile(operation)
        model.applyRecord(operation)
        return operation
    }

    mutating func snapshot(at index: LogIndex, term: Term) -> Snapshot {
        Snapshot(
            index: index,
            term: term,
            membership: Membership(voters: [NodeID(1), NodeID(2)], learners: [NodeID(3)]),
            data: bytes(count: random.nextIndex(below: 40))
        )
    }
}
