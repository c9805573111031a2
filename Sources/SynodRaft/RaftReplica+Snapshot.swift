import SynodConsensus
import SynodCore

/// Snapshots: compaction on the driver's request, and InstallSnapshot in chunks for followers
/// whose next entries were compacted away.
extension RaftReplica {
    /// Tells the replica that the driver stored `snapshot` of the state machine, which has
    /// applied its index; entries up to it are dropped from memory.
    /// The membership a snapshot of the state machine at `applied` must record, or nil when it
    /// is not known here: the replica's membership is the committed one, which is also the
    /// one at `applied` unless a membership change lies between `applied` and the commit index.
    /// So a snapshot can be taken while writes keep committing, without waiting for the
    /// state machine to catch up with the commit index (which may never happen under load).
    public func snapshotMembership(at applied: LogIndex) -> Membership? {
        guard applied <= log.committedIndex, applied >= log.snapshotIndex else { return nil }
        guard applied < log.committedIndex else { return membership }
        let pending = log.entries(from: applied.next, through: log.committedIndex, bytesMax: .max)
        let changes = pending.contains { if case .configurationChange = $0.payload { true } else { false } }
        return changes ? nil : membership
    }

    /// The newest snapshot: the log begins after it.
    public var snapshot: Snapshot { log.snapshot }

    public var snapshotByteCount: Int { log.snapshot.data.count }

    @discardableResult
    public mutating func snapshotTaken(_ snapshot: Snapshot) -> [[LogEntry]] {
        log.compact(to: snapshot)
    }

    mutating func sendSnapshotChunk(to member: NodeID) {
        guard var memberProgress = progress[member],
            case .snapshot(let index, let offset, let waiting) = memberProgress.state, !waiting
        else { return }
        let snapshot = log.snapshot
        guard snapshot.index == index else {
            // A newer snapshot replaced the one being sent: start that one.
            memberProgress.becomeSnapshot(index: snapshot.index)
            progress[member] = memberProgress
            sendSnapshotChunk(to: member)
            return
        }
        precondition(offset >= 0 && offset <= snapshot.data.count, "snapshot offset \(offset) out of range")
        memberProgress.state = .snapshot(index: index, nextOffset: offset, waiting: true)
        progress[member] = memberProgress
        // The bytes may come from the snapshot's file: one that cannot be read now is a chunk
        // lost on the way, sent again at the next heartbeat answer.
        guard let data = try? snapshot.data.read(from: offset, count: settings.snapshotChunkBytes) else {
            snapshotReadFailures += 1
            return
        }
        let chunk = SnapshotChunk(
            index: snapshot.index,
            term: snapshot.term,
            membership: snapshot.membership,
            offset: offset,
            data: data,
            isLast: offset + data.count == snapshot.data.count
        )
        send(.snapshotChunk(chunk), to: member)
    }

    mutating func handleSnapshotResponse(from member: NodeID, _ result: SnapshotResult) {
        guard var memberProgress = progress[member] else { return }
        // As for appends: an acknowledgement past this leader's log counts toward no quorum.
        if case .installed(let matchIndex) = result, matchIndex > log.lastIndex {
            drop(.answersUnsent)
            return
        }
        guard case .snapshot(let index, _, _) = memberProgress.state else { return }
        // The follower holds at most what was sent of the snapshot being sent.
        if case .chunkStored(index, let nextOffset) = result, index == log.snapshot.index,
            nextOffset > log.snapshot.data.count
        {
            drop(.answersUnsent)
            return
        }
        memberProgress.recentlyActive = true
        switch result {
        case .chunkStored(let chunkIndex, let nextOffset):
            guard chunkIndex == index else { return }
            // While a chunk is in flight, only an answer past its offset sends the next one. A
            // copy of an answer (a duplicate, or the answer to a chunk sent again) would send a
            // chunk twice, and the copies of its answers four times: without bound. A lost
            // chunk is sent again at the next heartbeat answer.
            if case .snapshot(_, let offset, waiting: true) = memberProgress.state, nextOffset <= offset {
                progress[member] = memberProgress
                return
            }
            memberProgress.state = .snapshot(index: index, nextOffset: nextOffset, waiting: false)
            progress[member] = memberProgress
            sendSnapshotChunk(to: member)
        case .installed(let matchIndex):
            _ = memberProgress.acknowledge(matchIndex: matchIndex)
            memberProgress.becomeProbe()
            progress[member] = memberProgress
            sendAppend(to: member)
        case .restart(let chunkIndex):
            guard chunkIndex == index else { return }
            memberProgress.state = .snapshot(index: index, nextOffset: 0, waiting: false)
            progress[member] = memberProgress
            sendSnapshotChunk(to: member)
        }
    }

    mutating func handleSnapshotChunk(from leader: NodeID, _ chunk: SnapshotChunk) {
        if chunk.index <= log.committedIndex {
            // Already have everything it covers.
            abandonIncomingSnapshot()
            send(.snapshotResponse(.installed(matchIndex: log.committedIndex)), to: leader)
            return
        }
        guard log.snapshotToPersist == nil else {
            // A snapshot just installed waits for the next Ready. The driver finishes it from
            // the pieces it kept, which a newer snapshot's first piece in the same Ready would
            // replace; so a chunk waits for that Ready (the leader sends it again).
            return
        }
        if let incoming = incomingSnapshot, incoming.index != chunk.index || incoming.term != chunk.term {
            abandonIncomingSnapshot()
        }
        let receivedBytes = incomingSnapshot?.receivedBytes ?? 0
        guard chunk.offset == receivedBytes else {
            if chunk.offset + chunk.data.count <= receivedBytes {
                // A duplicate of a chunk already stored.
                send(.snapshotResponse(.chunkStored(index: chunk.index, nextOffset: receivedBytes)), to: leader)
            } else {
                abandonIncomingSnapshot()
                send(.snapshotResponse(.restart(index: chunk.index)), to: leader)
            }
            return
        }
        // The driver keeps the bytes; this replica only counts them.
        snapshotTransfer.append(
            .piece(
                SnapshotPiece(
                    index: chunk.index,
                    term: chunk.term,
                    membership: chunk.membership,
                    offset: chunk.offset,
                    bytes: chunk.data
                )
            )
        )
        let received = receivedBytes + chunk.data.count
        guard chunk.isLast else {
            incomingSnapshot = (chunk.index, chunk.term, received)
            send(.snapshotResponse(.chunkStored(index: chunk.index, nextOffset: received)), to: leader)
            return
        }
        incomingSnapshot = nil
        installSnapshot(
            Snapshot(
                index: chunk.index,
                term: chunk.term,
                membership: chunk.membership,
                data: .keptByDriver(count: received)
            ),
            from: leader
        )
    }

    /// Drops the snapshot being received, telling the driver to drop what it kept of it.
    private mutating func abandonIncomingSnapshot() {
        guard incomingSnapshot != nil else { return }
        incomingSnapshot = nil
        snapshotTransfer.append(.abandoned)
    }

    private mutating func installSnapshot(_ snapshot: Snapshot, from leader: NodeID) {
        if log.matchesTerm(at: snapshot.index, snapshot.term) {
            // Our log already holds the snapshot's last entry: just commit up to it.
            snapshotTransfer.append(.abandoned)
            commit(to: snapshot.index)
        } else {
            log.restore(snapshot)
            membership = snapshot.membership
            pendingConfigurationIndex = snapshot.index
        }
        send(.snapshotResponse(.installed(matchIndex: snapshot.index)), to: leader)
    }

    /// The driver stored the snapshot it was handed (from the pieces it kept): the replica
    /// reads its bytes from there when a follower needs them.
    public mutating func snapshotStored(_ snapshot: Snapshot) {
        log.adoptStoredBytes(of: snapshot)
    }
}
