import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRaft
import SynodRuntime

/// The shell around each node's group runtime, as the simulator plays it: the runtime's
/// Ready cycle over a disk that takes time, a network that loses, duplicates and delays, and
/// clients that get replies.
extension Simulator {
    /// Lets the node's runtime of a group take its next Ready, and carries out what it asks.
    mutating func processReady(_ position: Int, _ shard: Int) {
        guard nodes[position].isUp else { return }
        nodes[position].shards[shard].runtime!.processReady()
        carryOutOutputs(position, shard)
    }

    /// The node's disk write is durable: each group whose Ready it carried sends, applies and
    /// goes on; a write staged meanwhile starts the next disk write.
    mutating func diskWriteDone(_ position: Int) {
        guard nodes[position].diskBusy else { return }
        nodes[position].diskBusy = false
        syncWrite(on: position)
        for shard in shards where nodes[position].shards[shard].syncing {
            guard let write = nodes[position].shards[shard].writeInProgress else { continue }
            nodes[position].shards[shard].writeInProgress = nil
            nodes[position].shards[shard].syncing = false
            nodes[position].shards[shard].persist(
                write,
                storedSnapshot: nodes[position].shards[shard].storedSnapshotInProgress
            )
            nodes[position].shards[shard].storedSnapshotInProgress = nil
            checkers[shard].recordDurable(nodes[position].shards[shard].durable, on: nodes[position].id)
            nodes[position].shards[shard].runtime!.persisted()
            carryOutOutputs(position, shard)
            observe(position, shard)
        }
        startDiskWrite(position)
    }

    /// Starts a disk write of every group's staged write that waits for one, unless one is
    /// under way: one sync for all of them, as the node's log does.
    private mutating func startDiskWrite(_ position: Int) {
        guard !nodes[position].diskBusy else { return }
        var bytes = 0
        for shard in shards {
            guard let write = nodes[position].shards[shard].writeInProgress, !nodes[position].shards[shard].syncing
            else { continue }
            nodes[position].shards[shard].syncing = true
            bytes += write.entries.reduce(0) { $0 + $1.sizeBytes } + (write.snapshot?.data.count ?? 0)
            nodes[position].diskBusy = true
        }
        guard nodes[position].diskBusy else { return }
        queue.schedule(
            .diskWriteDone(node: position, incarnation: nodes[position].incarnation),
            at: now + draw(options.diskLatencyMicroseconds) + UInt64(bytes) / options.diskBytesPerMicrosecond
        )
    }

    /// Does what the node's runtime of a group asked, in order, and hands what it applied to
    /// the checker.
    mutating func carryOutOutputs(_ position: Int, _ shard: Int) {
        while let outputs = nodes[position].shards[shard].runtime?.takeOutputs(), !outputs.isEmpty {
            for output in outputs { carryOut(output, on: position, shard) }
        }
        checkApplied(position, shard)
    }

    private mutating func carryOut(_ output: GroupOutput<RaftMessage, KeyValueStore>, on position: Int, _ shard: Int) {
        let id = nodes[position].id
        switch output {
        case .persist(let write):
            var stored: Snapshot?
            if write.hardState != nil || write.snapshot != nil || !write.entries.isEmpty
                || !write.snapshotTransfer.isEmpty
            {
                stored = stageWrite(write, on: position, shard)
            }
            if let stored { nodes[position].shards[shard].runtime?.receivedSnapshotStored(stored) }
            guard write.sync else { return }
            nodes[position].shards[shard].writeInProgress = write
            nodes[position].shards[shard].storedSnapshotInProgress = stored
            startDiskWrite(position)
        case .send(let message):
            send(message, shard: shard)
        case .forward(let request, let requestID, let leader):
            sendFrame(.request(request, requestID: requestID), from: id, to: leader, shard: shard)
        case .answerForwarded(let outcome, let requestID, let follower):
            sendFrame(.outcome(outcome, requestID: requestID), from: id, to: follower, shard: shard)
        case .reply(let ticket, let result):
            replyToClient(ticket: ticket, result)
        case .takeSnapshot(let job):
            // Serialized at once here; the node does it on another thread.
            nodes[position].shards[shard].runtime!.snapshotWritten(job.serialized())
        case .compact(let snapshot):
            // Written to a temporary file, fsynced and renamed: durable at once, atomically.
            compactStorage(position, shard, to: snapshot)
            nodes[position].shards[shard].durable.snapshot = snapshot
            nodes[position].shards[shard].durable.entries.removeAll { $0.index <= snapshot.index }
            checkers[shard].recordDurable(nodes[position].shards[shard].durable, on: id)
            statistics.snapshotsTaken += 1
            record("n\(position + 1) snapshot \(groupName(shard))at \(snapshot.term)/\(snapshot.index)")
        case .loadEntries(let load):
            // Read when the disk has had the time to: storage may have compacted them by then.
            queue.schedule(
                .entriesRead(node: position, incarnation: nodes[position].incarnation, shard: shard, load),
                at: now + draw(options.diskLatencyMicroseconds)
            )
        case .release:
            break  // Freed here; the node frees it on another thread.
        case .stopped(let reason):
            fail("runtime-stopped", "n\(position + 1) \(groupName(shard))stopped: \(reason)")
        }
    }

    /// A read back of entries the replica let go of is done: from the node's real storage.
    mutating func entriesRead(_ load: EntryLoad, on position: Int, _ shard: Int) {
        let entries: [LogEntry]
        do {
            entries = try nodes[position].storage!.entries(of: SimulatedNode.group(shard), load)
        } catch {
            preconditionFailure("n\(position + 1) cannot read back its entries on a disk without faults: \(error)")
        }
        statistics.entryLoads += 1
        statistics.entriesLoaded += entries.count
        record("n\(position + 1) reads back \(entries.count) entries \(groupName(shard))from \(load.range.lowerBound)")
        nodes[position].shards[shard].runtime!.entriesLoaded(entries)
        afterInput(position, shard)
    }

    /// The entries the node applied in a group since the last look, and what its lock model
    /// found.
    private mutating func checkApplied(_ position: Int, _ shard: Int) {
        guard nodes[position].isUp else { return }
        let observer = nodes[position].shards[shard].runtime!.observer
        guard !observer.applied.isEmpty || !observer.violations.isEmpty || observer.snapshotsInstalled > 0 else {
            return
        }
        let id = nodes[position].id
        for entry in observer.applied {
            checkers[shard].recordApplied(entry, on: id)
            fold(0xA991, Self.nodeAndShard(position, shard), entry.index.rawValue, entry.term.rawValue)
        }
        for violation in observer.violations {
            checkers[shard].fail("lock-waits", "n\(position + 1) \(violation)")
        }
        if observer.snapshotsInstalled > 0 {
            statistics.snapshotsInstalled += observer.snapshotsInstalled
            record(
                "n\(position + 1) installs a snapshot \(groupName(shard))at \(nodes[position].store(shard).appliedIndex)"
            )
        }
        nodes[position].shards[shard].runtime!.observer.applied = []
        nodes[position].shards[shard].runtime!.observer.violations = []
        nodes[position].shards[shard].runtime!.observer.snapshotsInstalled = 0
    }

    // MARK: - Network

    /// Puts a message on the wire: it may be lost, duplicated, and arrives after a latency.
    /// Each link has the node's two lanes (`PeerLane`), each sending one message at a time at
    /// the network's bandwidth, so a message waits behind the bytes sent before it on its
    /// lane (an entry-less message on the control lane waits for nothing).
    mutating func send(_ message: RaftMessage, shard: Int) {
        checkers[shard].observeSent(message)
        let (drop, duplicate) = currentLossRates
        if random.nextBool(probability: drop) {
            statistics.messagesDropped += 1
            return
        }
        let lane = options.mutation == .heartbeatsBehindData ? .data : PeerLane(of: message)
        let key = LaneKey(link: Link(from: message.from, to: message.to), lane: lane)
        let laneFree = max(now, laneSentBy[key] ?? 0)
        guard (laneFree - now) * options.networkBytesPerMicrosecond <= Self.laneQueuedBytesMax else {
            // The node's transport drops a Raft message for a peer that does not keep up.
            statistics.messagesDropped += 1
            return
        }
        let sent = laneFree + Self.payloadBytes(of: message) / options.networkBytesPerMicrosecond
        laneSentBy[key] = sent
        queue.schedule(.deliver(message, shard: shard), at: sent + draw(options.networkLatencyMicroseconds))
        if random.nextBool(probability: duplicate) {
            queue.schedule(.deliver(message, shard: shard), at: sent + draw(options.networkLatencyMicroseconds))
        }
    }

    /// The most bytes a lane holds unsent before further Raft messages on it are dropped: what
    /// the node's transport does once a peer connection stops being writable (a socket send
    /// buffer of a few MiB, then the channel's 64 KiB high-water mark), so that a leader
    /// sending faster than a slow link carries (a big append sent again at each heartbeat
    /// answer) does not queue without bound.
    static let laneQueuedBytesMax: UInt64 = 4 << 20

    /// One lane of one link.
    struct LaneKey: Hashable, Sendable {
        let link: Link
        let lane: PeerLane
    }

    /// A crashed node's connections are gone, and with them what it had not sent yet.
    mutating func closeLanes(of node: NodeID) {
        laneSentBy = laneSentBy.filter { $0.key.link.from != node && $0.key.link.to != node }
    }

    /// The bytes a message carries beyond its header: entries and snapshot pieces.
    static func payloadBytes(of message: RaftMessage) -> UInt64 {
        switch message.body {
        case .append(_, _, let entries, _): UInt64(entries.reduce(0) { $0 + $1.sizeBytes })
        case .snapshotChunk(let chunk): UInt64(chunk.data.count)
        default: 0
        }
    }

    var currentLossRates: (drop: Double, duplicate: Double) {
        inLivenessPhase ? (0, 0) : (options.dropProbability, options.duplicateProbability)
    }

    mutating func deliver(_ message: RaftMessage, shard: Int) {
        let position = Int(message.to.rawValue) - 1
        guard position < nodes.count, nodes[position].isUp,
            !blockedLinks.contains(Link(from: message.from, to: message.to))
        else {
            statistics.messagesDropped += 1
            return
        }
        statistics.messagesDelivered += 1
        heard(from: message.from, on: position)
        switch message.body {
        case .timeoutNow:
            steadyLeaders[shard] = nil
            statistics.leadershipHandovers += 1
        case .heartbeat, .heartbeatResponse, .append, .appendResponse:
            if inLivenessPhase {
                contactsSinceHeal.insert(Contact(shard: shard, from: message.from, to: message.to, term: message.term))
            }
        default: break
        }
        fold(
            message.from.rawValue | UInt64(shard) << 32,
            message.to.rawValue,
            message.term.rawValue,
            Self.bodyCode(message.body)
        )
        record("deliver \(groupName(shard))\(message)")
        nodes[position].shards[shard].runtime!.step(message)
        afterInput(position, shard)
    }

    /// A forwarded request or its answer between two nodes' runtimes. The node carries these
    /// over TCP: never duplicated, but lost when a connection drops (here: with the message
    /// loss rate, or behind a partition).
    enum PeerFrameContent: Sendable {
        case request(ForwardedRequest, requestID: UInt64)
        case outcome(ForwardedOutcome, requestID: UInt64)
        /// The node is alive (the node's announcement frame): for `PeerLiveness`, no group's.
        case alive
    }

    mutating func sendFrame(_ content: PeerFrameContent, from: NodeID, to: NodeID, shard: Int) {
        guard !random.nextBool(probability: currentLossRates.drop) else {
            statistics.messagesDropped += 1
            return
        }
        queue.schedule(
            .deliverFrame(from: from, to: to, shard: shard, content),
            at: now + draw(options.networkLatencyMicroseconds)
        )
    }

    mutating func deliverFrame(_ content: PeerFrameContent, from: NodeID, to: NodeID, shard: Int) {
        let position = Int(to.rawValue) - 1
        guard position < nodes.count, nodes[position].isUp, !blockedLinks.contains(Link(from: from, to: to)) else {
            statistics.messagesDropped += 1
            return
        }
        heard(from: from, on: position)
        switch content {
        case .alive:
            return
        case .request(let request, let requestID):
            record("n\(position + 1) serves #\(requestID) \(groupName(shard))forwarded by \(from)")
            nodes[position].shards[shard].runtime!.serveForwarded(request, from: from, requestID: requestID)
        case .outcome(let outcome, let requestID):
            record("n\(position + 1) hears #\(requestID) \(groupName(shard))from \(from): \(outcome)")
            nodes[position].shards[shard].runtime!.receiveOutcome(outcome, from: from, requestID: requestID)
        }
        afterInput(position, shard)
    }

    static func bodyCode(_ body: RaftMessage.Body) -> UInt64 {
        switch body {
        case .preVote: 1
        case .preVoteResponse(let granted): granted ? 2 : 3
        case .vote: 4
        case .voteResponse(let granted): granted ? 5 : 6
        case .append(let previousIndex, _, let entries, let commit):
            7 &+ previousIndex.rawValue << 8 &+ UInt64(entries.count) << 32 &+ commit.rawValue << 40
        case .appendResponse(.accepted(let matchIndex)): 8 &+ matchIndex.rawValue << 8
        case .appendResponse(.rejected(let rejectedIndex, _, _)): 9 &+ rejectedIndex.rawValue << 8
        case .heartbeat: 10
        case .heartbeatResponse: 11
        case .snapshotChunk(let chunk): 12 &+ UInt64(chunk.offset) << 8
        case .snapshotResponse: 13
        case .timeoutNow: 14
        case .hibernate: 15
        }
    }

    // MARK: - Peer liveness

    /// Something from `peer` reached the node at `position`.
    mutating func heard(from peer: NodeID, on position: Int) {
        let time = nodes[position].monotonicMilliseconds(atTrueMicroseconds: now)
        nodes[position].liveness.heard(from: peer, at: time)
    }

    /// On a node's tick, as the node's driver does: tells its peers it is alive when due, and
    /// tells its groups which peers went silent (a hibernating follower of one wakes).
    mutating func watchPeers(_ position: Int) {
        let time = nodes[position].monotonicMilliseconds(atTrueMicroseconds: now)
        let id = nodes[position].id
        if time >= nodes[position].nextPingMilliseconds {
            nodes[position].nextPingMilliseconds = time + nodes[position].liveness.pingIntervalMilliseconds
            for peer in members where peer != id { sendFrame(.alive, from: id, to: peer, shard: 0) }
        }
        for peer in nodes[position].liveness.silentPeers(at: time) {
            statistics.silentPeerReports += 1
            for shard in shards { nodes[position].shards[shard].runtime!.leaderSilent(peer) }
        }
    }
}
