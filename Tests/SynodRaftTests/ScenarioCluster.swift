import SynodConsensus
import SynodCore

@testable import SynodRaft

/// A Raft group under a test's full control: it persists, delivers and applies exactly when a
/// scenario says so, and prints what happened as a deterministic trace.
struct ScenarioCluster {
    /// What a node has on "disk": everything `Ready` asked it to persist.
    typealias Disk = PersistentState

    var settings: (RaftConfiguration) -> RaftConfiguration = { $0 }
    var replicas: [NodeID: RaftReplica] = [:]
    var disks: [NodeID: Disk] = [:]
    /// Commands applied by each node's state machine, in order.
    var applied: [NodeID: [LogEntry]] = [:]
    /// The pieces of the snapshot each node is receiving.
    var transfers: [NodeID: InMemorySnapshotTransfer] = [:]
    /// Messages sent and not yet delivered or dropped, in send order.
    var network: [RaftMessage] = []
    /// Pairs that cannot talk, in either direction unless added one-way.
    var cutLinks: Set<Link> = []
    var output: [String] = []
    /// Drop reasons a scenario expects of correct replicas (`allow-drops`).
    var allowedDrops: Set<String> = []
    var restartCount: UInt64 = 0

    struct Link: Hashable {
        let from: NodeID
        let to: NodeID
    }

    mutating func log(_ line: String) { output.append(line) }

    var nodeIDs: [NodeID] { replicas.keys.sorted() }

    // MARK: - Membership of the harness

    mutating func addNode(_ id: NodeID, state: PersistentState) throws {
        disks[id] = state
        applied[id] = []
        try start(id)
    }

    mutating func start(_ id: NodeID) throws {
        let disk = disks[id]!
        var configuration = RaftConfiguration(id: id, randomSeed: id.rawValue &* 7919 &+ restartCount)
        configuration = settings(configuration)
        replicas[id] = try RaftReplica(configuration: configuration, state: disk)
        // The state machine restarts from the snapshot.
        applied[id] = Self.decodeSnapshot(disk.snapshot)
    }

    mutating func crash(_ id: NodeID) {
        replicas[id] = nil
        writesInProgress[id] = nil  // Lost: it was never durable.
        network.removeAll { $0.from == id || $0.to == id }
    }

    mutating func restart(_ id: NodeID) throws {
        restartCount += 1
        try start(id)
    }

    // MARK: - Driving

    /// Batches taken and not yet persisted (`begin-write`), and whether their messages went.
    var writesInProgress: [NodeID: (ready: Ready<RaftMessage>, messagesSent: Bool)] = [:]

    /// Runs one node's `Ready` cycle: persist, queue messages, apply. While the node's write
    /// is in progress, sends what may go before it ends, as the group runtime does
    /// (`takeWorkIndependentOfSync`).
    mutating func processReady(_ id: NodeID) {
        if let write = writesInProgress[id] {
            guard !write.ready.changesTermOrVote, var replica = replicas[id] else { return }
            let work = replica.takeWorkIndependentOfSync()
            replicas[id] = replica
            network += work.messages
            for readState in work.readStates {
                log("n\(id.rawValue) read \(readState.context) ready at index \(readState.index) during its write")
            }
            return
        }
        guard var replica = replicas[id], replica.hasReady else { return }
        let ready = replica.ready()
        replicas[id] = replica
        completeReady(id, ready, messagesSent: false)
    }

    /// Takes a node's `Ready` and starts its write without finishing it: its messages go now
    /// only if the batch allows it (`messagesMayPrecedePersistence`).
    mutating func beginWrite(_ id: NodeID) {
        guard writesInProgress[id] == nil, var replica = replicas[id], replica.hasReady else { return }
        let ready = replica.ready()
        replicas[id] = replica
        let early = ready.messagesMayPrecedePersistence
        if early { network += ready.messages }
        writesInProgress[id] = (ready, early)
        let entries = ready.entriesToPersist.map { "\($0.term)/\($0.index)" }.joined(separator: " ")
        log("n\(id.rawValue) writing [\(entries)]; messages \(early ? "sent now" : "wait for the write")")
    }

    /// The write begun by `beginWrite` completes.
    mutating func finishWrite(_ id: NodeID) {
        guard let write = writesInProgress.removeValue(forKey: id) else { return }
        completeReady(id, write.ready, messagesSent: write.messagesSent)
    }

    private mutating func completeReady(_ id: NodeID, _ ready: Ready<RaftMessage>, messagesSent: Bool) {
        guard var replica = replicas[id] else { return }
        var disk = disks[id]!
        transfers[id, default: InMemorySnapshotTransfer()].keep(ready.snapshotTransfer)
        if let received = ready.snapshot {
            guard let snapshot = transfers[id]?.take(received) else {
                preconditionFailure("n\(id.rawValue) installed \(received) without its pieces")
            }
            replica.snapshotStored(snapshot)
            disk.snapshot = snapshot
            disk.entries.removeAll { $0.index <= snapshot.index }
            applied[id] = Self.decodeSnapshot(snapshot)
            log("n\(id.rawValue) installed snapshot at \(snapshot.term)/\(snapshot.index)")
        }
        if let first = ready.entriesToPersist.first {
            disk.entries.removeAll { $0.index >= first.index }
            disk.entries += ready.entriesToPersist
        }
        if let hardState = ready.hardState { disk.hardState = hardState }
        disks[id] = disk
        if !messagesSent { network += ready.messages }
        for entry in ready.committedEntries {
            let expected = LogIndex(UInt64(applied[id]!.count) + 1)
            precondition(entry.index == expected, "n\(id.rawValue) applies \(entry.index), expected \(expected)")
            applied[id]!.append(entry)
        }
        for readState in ready.readStates {
            log("n\(id.rawValue) read \(readState.context) ready at index \(readState.index)")
        }
        replica.advance(ready)
        if let load = ready.entriesToLoad {
            // Read back at once from what the disk holds.
            let entries = disk.entries.lazy.filter { load.range.contains($0.index) }.prefix(bytesMax: load.bytesMax)
            let read = entries.map { "\($0.term)/\($0.index)" }.joined(separator: " ")
            log("n\(id.rawValue) reads back \(load.range.lowerBound)...\(load.range.upperBound): [\(read)]")
            replica.entriesLoaded(entries)
        }
        replicas[id] = replica
        checkStateMachineSafety()
    }

    mutating func processAllReady() {
        for id in nodeIDs { processReady(id) }
    }

    /// Delivers queued messages that match the filter, in order; cut links drop them.
    mutating func deliver(from: NodeID? = nil, to: NodeID? = nil, count: Int = .max) -> Int {
        var delivered = 0
        var remaining: [RaftMessage] = []
        let pending = network
        network = []
        for message in pending {
            let selected =
                delivered < count && (from == nil || message.from == from) && (to == nil || message.to == to)
            guard selected else {
                remaining.append(message)
                continue
            }
            delivered += 1
            if cutLinks.contains(Link(from: message.from, to: message.to)) || replicas[message.to] == nil {
                log("  dropped \(Self.describe(message))")
                continue
            }
            log("  \(Self.describe(message))")
            replicas[message.to]!.step(message)
        }
        network = remaining + network
        return delivered
    }

    mutating func drop(from: NodeID?, to: NodeID?) {
        var kept: [RaftMessage] = []
        for message in network {
            if (from == nil || message.from == from) && (to == nil || message.to == to) {
                log("  dropped \(Self.describe(message))")
            } else {
                kept.append(message)
            }
        }
        network = kept
    }

    /// Sends the pending messages on the chosen links twice, as a network that duplicates does.
    mutating func duplicate(from: NodeID?, to: NodeID?) {
        let copies = network.filter { (from == nil || $0.from == from) && (to == nil || $0.to == to) }
        for message in copies { log("  duplicated \(Self.describe(message))") }
        network += copies
    }

    /// Processes and delivers until nothing is left to do (bounded, so a livelock fails).
    mutating func stabilize() {
        for _ in 0..<10_000 {
            processAllReady()
            // A replica handed entries read back has appends to hand out in its next Ready.
            if network.isEmpty && !nodeIDs.contains(where: { replicas[$0]?.hasReady == true }) { return }
            _ = deliver()
        }
        preconditionFailure("stabilize did not converge")
    }

    mutating func tick(_ id: NodeID, times: Int) {
        for _ in 0..<times {
            replicas[id]?.tick()
        }
    }

    // MARK: - Checks and printing

    /// No two nodes applied different entries at one index.
    func checkStateMachineSafety() {
        var byIndex: [LogIndex: LogEntry] = [:]
        for id in nodeIDs.isEmpty ? Array(applied.keys) : nodeIDs {
            for entry in applied[id] ?? [] {
                if let other = byIndex[entry.index] {
                    precondition(other == entry, "state machine safety: \(other) vs \(entry) at \(entry.index)")
                } else {
                    byIndex[entry.index] = entry
                }
            }
        }
    }

    func status(_ id: NodeID) -> String {
        guard let replica = replicas[id] else { return "n\(id.rawValue): down" }
        var line =
            "n\(id.rawValue): \(replica.role) term=\(replica.term) vote=\(replica.votedFor.map(\.description) ?? "none")"
            + " commit=\(replica.commitIndex) applied=\(applied[id]!.count) last=\(replica.lastTerm)/\(replica.lastIndex)"
        if replica.snapshotIndex > .zero { line += " snapshot=\(replica.snapshotIndex)" }
        if replica.residentFirstIndex > replica.snapshotIndex.next {
            line += " offloaded-through=\(replica.residentFirstIndex.previous)"
        }
        line += " \(replica.membership)"
        return line
    }

    func logDump(_ id: NodeID) -> [String] {
        guard let replica = replicas[id] else { return ["n\(id.rawValue): down"] }
        var lines: [String] = []
        var index = replica.snapshotIndex.next
        while index < replica.residentFirstIndex {
            lines.append("n\(id.rawValue): \(replica.term(at: index)!)/\(index) offloaded")
            index = index.next
        }
        lines += replica.entries(from: LogIndex(1)).map { "n\(id.rawValue): \($0)" }
        return lines.isEmpty ? ["n\(id.rawValue): empty log"] : lines
    }

    static func describe(_ message: RaftMessage) -> String {
        let head = "\(message.from.rawValue)->\(message.to.rawValue) t\(message.term)"
        switch message.body {
        case .preVote(let lastIndex, let lastTerm): return "\(head) pre-vote last=\(lastTerm)/\(lastIndex)"
        case .preVoteResponse(let granted): return "\(head) pre-vote \(granted ? "granted" : "rejected")"
        case .vote(let lastIndex, let lastTerm, let transfer):
            return "\(head) vote last=\(lastTerm)/\(lastIndex)\(transfer ? " transfer" : "")"
        case .voteResponse(let granted): return "\(head) vote \(granted ? "granted" : "rejected")"
        case .append(let previousIndex, let previousTerm, let entries, let commit):
            let list = entries.map(\.description).joined(separator: ", ")
            return "\(head) append prev=\(previousTerm)/\(previousIndex) commit=\(commit) [\(list)]"
        case .appendResponse(.accepted(let matchIndex)): return "\(head) append-ok match=\(matchIndex)"
        case .appendResponse(.rejected(let rejectedIndex, let hintIndex, let hintTerm)):
            return "\(head) append-rejected index=\(rejectedIndex) hint=\(hintTerm)/\(hintIndex)"
        case .heartbeat(let commit, let leaderTick, let readRound):
            return "\(head) heartbeat commit=\(commit) tick=\(leaderTick)\(readRound.map { " read-round=\($0)" } ?? "")"
        case .heartbeatResponse(let leaderTick, let readRound):
            return "\(head) heartbeat-ok tick=\(leaderTick)\(readRound.map { " read-round=\($0)" } ?? "")"
        case .snapshotChunk(let chunk):
            return "\(head) snapshot \(chunk.term)/\(chunk.index) offset=\(chunk.offset) bytes=\(chunk.data.count)"
                + (chunk.isLast ? " last" : "")
        case .snapshotResponse(.chunkStored(let index, let nextOffset)):
            return "\(head) snapshot-chunk-ok index=\(index) next-offset=\(nextOffset)"
        case .snapshotResponse(.installed(let matchIndex)): return "\(head) snapshot-installed match=\(matchIndex)"
        case .snapshotResponse(.restart(let index)): return "\(head) snapshot-restart index=\(index)"
        case .timeoutNow: return "\(head) timeout-now"
        case .hibernate(let commit): return "\(head) hibernate commit=\(commit)"
        }
    }

    // MARK: - Snapshots of the test state machine

    /// The test state machine is the list of applied entries; a snapshot stores them verbatim.
    static func encodeSnapshot(_ entries: [LogEntry]) -> [UInt8] {
        var bytes: [UInt8] = []
        for entry in entries {
            let text: String
            switch entry.payload {
            case .noop: text = "noop"
            case .command(let data): text = "cmd " + String(decoding: data, as: UTF8.self)
            case .configurationChange(.addLearner(let node)): text = "learner \(node.rawValue)"
            case .configurationChange(.addVoter(let node)): text = "voter \(node.rawValue)"
            case .configurationChange(.remove(let node)): text = "remove \(node.rawValue)"
            }
            bytes += Array("\(entry.term.rawValue) \(text)\n".utf8)
        }
        return bytes
    }

    static func decodeSnapshot(_ snapshot: Snapshot) -> [LogEntry] {
        var entries: [LogEntry] = []
        for line in String(decoding: (try? snapshot.data.bytes()) ?? [], as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            let term = Term(UInt64(parts[0])!)
            let index = LogIndex(UInt64(entries.count) + 1)
            let argument = parts.count > 2 ? parts[2] : ""
            let payload: EntryPayload
            switch parts[1] {
            case "noop": payload = .noop
            case "cmd": payload = .command(Array(argument.utf8))
            case "learner": payload = .configurationChange(.addLearner(NodeID(UInt64(argument)!)))
            case "voter": payload = .configurationChange(.addVoter(NodeID(UInt64(argument)!)))
            case "remove": payload = .configurationChange(.remove(NodeID(UInt64(argument)!)))
            default: preconditionFailure("bad snapshot line \(line)")
            }
            entries.append(LogEntry(term: term, index: index, payload: payload))
        }
        return entries
    }
}
