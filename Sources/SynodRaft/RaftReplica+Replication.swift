import SynodConsensus
import SynodCore

extension RaftReplica {
    // MARK: - Leader: proposals

    public mutating func propose(_ command: [UInt8]) throws(ProposalError) {
        wake()
        try checkCanPropose()
        let bytes = command.count + 24
        guard uncommittedBytes + bytes <= settings.uncommittedBytesMax || uncommittedBytes == 0 else {
            throw .tooManyUncommittedBytes
        }
        appendAsLeader(CollectionOfOne(.command(command)))
        appendsUnsent = true
    }

    /// Proposes several commands as one batch (one broadcast).
    public mutating func propose(batch commands: [[UInt8]]) throws(ProposalError) {
        wake()
        try checkCanPropose()
        let bytes = commands.reduce(0) { $0 + $1.count + 24 }
        guard uncommittedBytes + bytes <= settings.uncommittedBytesMax || uncommittedBytes == 0 else {
            throw .tooManyUncommittedBytes
        }
        appendAsLeader(commands.lazy.map { .command($0) })
        appendsUnsent = true
    }

    func checkCanPropose() throws(ProposalError) {
        guard case .leader = role else { throw .notLeader(leader: leader) }
        guard transfer == nil else { throw .transferInProgress }
    }

    mutating func appendAsLeader(_ payloads: some Sequence<EntryPayload>) {
        var index = log.lastIndex
        for payload in payloads {
            index = index.next
            let entry = LogEntry(term: term, index: index, payload: payload)
            uncommittedBytes += entry.sizeBytes
            if case .configurationChange = payload { pendingConfigurationIndex = index }
            log.appendAsLeader(entry)
        }
        // The leader's own entries count toward the quorum at once: `Ready` makes the driver
        // persist them before it applies anything this commit releases.
        advanceCommitIndex()
    }

    // MARK: - Leader: sending

    /// How many appends an acknowledgement may release at most (see `handleAppendResponse`).
    static let appendsPerAnswerMax = 2

    mutating func broadcastAppend() {
        appendsUnsent = false
        for member in progress.keys.sorted() { sendAppend(to: member) }
    }

    /// Sends the entries proposed since the last Ready in one append per follower
    /// (`appendsUnsent`), instead of one per proposal: a pipeline of writes taken in together
    /// goes out as one message.
    mutating func sendProposedEntries() {
        guard appendsUnsent else { return }
        if case .leader = role { broadcastAppend() } else { appendsUnsent = false }
    }

    /// Sends `member` the next entries it lacks, a snapshot if they are compacted away, or
    /// nothing if flow control pauses it. Returns whether a message was sent.
    @discardableResult
    mutating func sendAppend(to member: NodeID, allowEmpty: Bool = true) -> Bool {
        guard var memberProgress = progress[member], !memberProgress.isPaused else { return false }
        let previousIndex = memberProgress.next.previous
        guard let previousTerm = log.term(at: previousIndex) else {
            memberProgress.becomeSnapshot(index: log.snapshotIndex)
            progress[member] = memberProgress
            sendSnapshotChunk(to: member)
            return true
        }
        let entries: [LogEntry]
        if memberProgress.next < log.residentFirstIndex {
            // Offloaded: sent once read back from storage (`entriesLoaded` sends it then).
            guard let loaded = offloadedEntries(from: memberProgress.next) else { return false }
            entries = loaded
        } else {
            entries = log.entries(from: memberProgress.next, through: log.lastIndex, bytesMax: settings.appendBytesMax)
        }
        if entries.isEmpty && !allowEmpty { return false }
        let bytes = entries.reduce(0) { $0 + $1.sizeBytes }
        memberProgress.sentAppend(lastIndex: entries.last?.index, bytes: bytes)
        if !entries.isEmpty {
            memberProgress.lastAppendTick = logicalTick
            memberProgress.lastAppendBytes = bytes
        }
        progress[member] = memberProgress
        send(
            .append(
                previousIndex: previousIndex,
                previousTerm: previousTerm,
                entries: entries,
                commit: log.committedIndex
            ),
            to: member
        )
        return true
    }

    mutating func broadcastHeartbeat(readRound: UInt64?) {
        for (member, memberProgress) in progress.sorted(by: { $0.key < $1.key }) {
            let commit = min(memberProgress.match, log.committedIndex)
            send(.heartbeat(commit: commit, leaderTick: logicalTick, readRound: readRound), to: member)
        }
    }

    // MARK: - Leader: responses

    mutating func handleAppendResponse(from member: NodeID, _ result: AppendResult) {
        guard var memberProgress = progress[member] else { return }
        // A follower acknowledges or rejects only what this leader sent it, all within its
        // log (which never shrinks while it leads). Anything past it would count toward a
        // quorum that does not exist.
        switch result {
        case .accepted(let index), .rejected(let index, _, _):
            guard index <= log.lastIndex else {
                drop(.answersUnsent)
                return
            }
        }
        memberProgress.recentlyActive = true
        switch result {
        case .accepted(let matchIndex):
            let learned = memberProgress.acknowledge(matchIndex: matchIndex)
            progress[member] = memberProgress
            guard learned else { return }
            if advanceCommitIndex() {
                broadcastAppend()
            }
            // Keep the pipeline full, a few appends per answer: each answer frees one slot and
            // may send `appendsPerAnswerMax`, so the window opens within a few round trips (as
            // TCP's slow start does) without one answer making the leader encode all of it (up
            // to 64 MiB) at once, which held its loop for 100-500 ms each time a follower
            // caught up after a snapshot.
            for _ in 0..<Self.appendsPerAnswerMax {
                guard sendAppend(to: member, allowEmpty: false) else { break }
            }
            if let transfer, transfer.target == member, progress[member]?.match == log.lastIndex {
                send(.timeoutNow, to: member)
            }
        case .rejected(let rejectedIndex, let hintIndex, let hintTerm):
            // Skip every entry of the leader's log after the last one whose term is at most
            // the follower's hint term: none of them can match.
            let probe = log.lastIndex(atOrBelow: hintIndex, withTermAtMost: hintTerm)
            if memberProgress.backtrack(rejectedIndex: rejectedIndex, hintNext: probe.next) {
                progress[member] = memberProgress
                sendAppend(to: member)
            } else {
                progress[member] = memberProgress
            }
        }
    }

    mutating func handleHeartbeatResponse(from member: NodeID, leaderTick: UInt64, readRound: UInt64?) {
        guard var memberProgress = progress[member] else { return }
        // A tick this leader has not reached would extend its lease into the future.
        guard leaderTick <= logicalTick else {
            drop(.answersUnsent)
            return
        }
        memberProgress.recentlyActive = true
        if leaderTick >= leaseFloorTick {
            memberProgress.acknowledgedLeaderTick = max(memberProgress.acknowledgedLeaderTick, leaderTick)
        }
        switch memberProgress.state {
        case .probe:
            // A probe is sent again when its answer seems lost, unless it is big enough to be
            // still arriving (`appendMayStillArrive`).
            if !memberProgress.appendMayStillArrive(at: logicalTick) { memberProgress.state = .probe(waiting: false) }
        case .snapshot(let index, let offset, _):
            memberProgress.state = .snapshot(index: index, nextOffset: offset, waiting: false)
        case .replicate: if memberProgress.inflights.isFull { memberProgress.inflights.freeOldest() }
        }
        progress[member] = memberProgress
        if memberProgress.match < log.lastIndex {
            switch memberProgress.state {
            case .snapshot: sendSnapshotChunk(to: member)
            case .probe, .replicate: sendAppend(to: member)
            }
        }
        if let readRound { acknowledgeReadRound(readRound, from: member) }
    }

    /// Commits the highest index a majority of voters hold, if it is of the current term
    /// (Raft §5.4.2: counting replicas commits only entries of the leader's own term).
    @discardableResult
    mutating func advanceCommitIndex() -> Bool {
        let quorumIndex = Quorum.committedIndex(voters: membership.voters) { matchIndex(of: $0) ?? .zero }
        let ownTerm = log.term(at: quorumIndex) == term || settings.plantedBug == .commitEarlierTermByCount
        guard quorumIndex > log.committedIndex, ownTerm else { return false }
        commit(to: quorumIndex)
        return true
    }

    /// Moves the commit index and applies the membership changes it commits.
    mutating func commit(to index: LogIndex) {
        let previous = log.committedIndex
        guard log.commit(to: index) else { return }
        var committedBytes = 0
        for position in previous.next...index {
            let entry = log.entry(at: position)
            committedBytes += entry.sizeBytes
            if case .configurationChange(let change) = entry.payload { applyConfigurationChange(change) }
        }
        if case .leader = role {
            uncommittedBytes = max(0, uncommittedBytes - committedBytes)
            releaseReadsAfterCommit()
        }
    }

    // MARK: - Follower

    mutating func handleAppend(
        from leader: NodeID,
        _ previousIndex: LogIndex,
        _ previousTerm: Term,
        _ entries: [LogEntry],
        _ commit: LogIndex
    ) {
        if previousIndex < log.committedIndex {
            // Everything up to our commit index matches the leader already.
            send(.appendResponse(.accepted(matchIndex: log.committedIndex)), to: leader)
            return
        }
        guard log.matchesTerm(at: previousIndex, previousTerm) else {
            let hintIndex = log.lastIndex(atOrBelow: previousIndex, withTermAtMost: previousTerm)
            let hintTerm = log.term(at: hintIndex) ?? .zero
            send(
                .appendResponse(.rejected(rejectedIndex: previousIndex, hintIndex: hintIndex, hintTerm: hintTerm)),
                to: leader
            )
            return
        }
        // `fieldViolation` checked the entries follow `previousIndex` with non-decreasing
        // terms, and end within `LogIndex.acceptedMax`.
        let lastNewIndex = log.appendAsFollower(after: previousIndex, entries)
        self.commit(to: min(commit, lastNewIndex))
        send(.appendResponse(.accepted(matchIndex: lastNewIndex)), to: leader)
    }

    mutating func handleHeartbeat(from leader: NodeID, commit: LogIndex, leaderTick: UInt64, readRound: UInt64?) {
        // The leader never sends a commit index above our acknowledged match.
        self.commit(to: min(commit, log.lastIndex))
        send(.heartbeatResponse(leaderTick: leaderTick, readRound: readRound), to: leader)
    }

    // MARK: - Leader: timers

    mutating func tickLeader() {
        heartbeatElapsedTicks += 1
        electionElapsedTicks += 1
        if electionElapsedTicks >= settings.electionTimeoutTicks {
            electionElapsedTicks = 0
            if settings.checkQuorum && !quorumCheckedInTickRun {
                quorumCheckedInTickRun = true
                if !checkQuorumActive() {
                    becomeFollower(term: term, leader: nil)
                    return
                }
            }
        }
        if var pending = transfer {
            pending.elapsedTicks += 1
            transfer = pending.elapsedTicks >= settings.electionTimeoutTicks ? nil : pending
        }
        if heartbeatElapsedTicks >= settings.heartbeatIntervalTicks {
            heartbeatElapsedTicks = 0
            broadcastHeartbeat(readRound: readRequests.roundToBroadcast())
        }
        considerHibernating()
    }

    /// Check-quorum: a majority of voters were heard from in the last election timeout.
    private mutating func checkQuorumActive() -> Bool {
        var active: Set<NodeID> = isVoter ? [id] : []
        for (member, memberProgress) in progress where memberProgress.recentlyActive {
            active.insert(member)
        }
        for index in progress.indices { progress.values[index].recentlyActive = false }
        return active.intersection(membership.voters).count >= Quorum.size(voterCount: membership.voters.count)
    }
}
