import SynodConsensus
import SynodCore

/// A leader's view of one member's replication.
///
/// Invariant: `match < next`.
struct Progress: Sendable {
    /// How the leader currently sends to this member.
    enum State: Hashable, Sendable {
        /// Not yet known where the logs agree: one append at a time, then wait.
        case probe(waiting: Bool)
        /// Logs agree; appends are pipelined up to the in-flight limits.
        case replicate
        /// The member needs a snapshot; chunks go one at a time. `waiting` is true while a
        /// chunk is unanswered.
        case snapshot(index: LogIndex, nextOffset: Int, waiting: Bool)
    }

    var match: LogIndex = .zero
    var next: LogIndex
    var state: State = .probe(waiting: false)
    var inflights: Inflights
    /// Heard from since the last check-quorum round.
    var recentlyActive = false
    /// The leader tick of the newest heartbeat this member acknowledged (for leases).
    var acknowledgedLeaderTick: UInt64 = 0
    /// The leader tick at which the newest append with entries was sent, and its bytes.
    var lastAppendTick: UInt64 = 0
    var lastAppendBytes = 0

    /// Whether the newest append may still be on its way, or being written, at `tick`,
    /// counting that at least 1 MiB of it arrives per tick. Heartbeats travel on their own
    /// connection and can overtake a big append: an answer to one then says nothing about the
    /// append, and sending the append again would only send its megabytes twice. An append
    /// under 1 MiB is never still on its way.
    func appendMayStillArrive(at tick: UInt64) -> Bool {
        tick < lastAppendTick + UInt64(lastAppendBytes >> 20)
    }

    init(next: LogIndex, inflightMessagesMax: Int, inflightBytesMax: Int) {
        self.next = next
        self.inflights = Inflights(messagesMax: inflightMessagesMax, bytesMax: inflightBytesMax)
    }

    /// True when the leader must not send another append now.
    var isPaused: Bool {
        switch state {
        case .probe(let waiting): waiting
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    /// Records an acknowledged match; returns whether it told the leader something new (the
    /// match moved, or a probe found where the logs agree). Stale and duplicate
    /// acknowledgements return false and must not trigger sends, or duplicates multiply.
    mutating func acknowledge(matchIndex: LogIndex) -> Bool {
        guard matchIndex > match else {
            if case .probe = state, matchIndex == match {
                becomeReplicate()
                return true
            }
            return false
        }
        match = matchIndex
        next = max(next, matchIndex.next)
        inflights.free(through: matchIndex)
        if case .probe = state { becomeReplicate() }
        return true
    }

    /// Handles a rejection: moves `next` back toward the hint. Returns false for stale
    /// rejections (of an index the member has since acknowledged, or an older probe).
    mutating func backtrack(rejectedIndex: LogIndex, hintNext: LogIndex) -> Bool {
        // At or below the match it can only be stale: a member never loses entries it
        // acknowledged, since it persists them before it answers.
        guard rejectedIndex > match else { return false }
        switch state {
        case .replicate:
            next = max(match.next, min(rejectedIndex, hintNext))
        case .probe, .snapshot:
            guard next.previous == rejectedIndex else { return false }
            next = max(match.next, min(rejectedIndex, hintNext))
        }
        state = .probe(waiting: false)
        inflights.reset()
        return true
    }

    mutating func becomeProbe() {
        if case .snapshot(let index, _, _) = state {
            next = max(match.next, index.next)
        } else {
            next = match.next
        }
        state = .probe(waiting: false)
        inflights.reset()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match.next
        inflights.reset()
    }

    mutating func becomeSnapshot(index: LogIndex) {
        state = .snapshot(index: index, nextOffset: 0, waiting: false)
        inflights.reset()
    }

    /// Notes that an append ending at `lastIndex` (with `bytes` of entries) was sent.
    mutating func sentAppend(lastIndex: LogIndex?, bytes: Int) {
        switch state {
        case .replicate:
            if let lastIndex {
                next = lastIndex.next
                inflights.add(lastIndex: lastIndex, bytes: bytes)
            }
        case .probe:
            state = .probe(waiting: true)
        case .snapshot:
            preconditionFailure("append sent to a member that needs a snapshot")
        }
    }
}

/// Appends sent to one member and not yet acknowledged: a bounded window by count and bytes.
struct Inflights: Sendable {
    let messagesMax: Int
    let bytesMax: Int
    /// Last index and byte size of each unacknowledged append, oldest first.
    private var window: [(lastIndex: LogIndex, bytes: Int)] = []
    private var start = 0
    private(set) var bytes = 0

    init(messagesMax: Int, bytesMax: Int) {
        self.messagesMax = messagesMax
        self.bytesMax = bytesMax
    }

    var count: Int { window.count - start }
    var isFull: Bool { count >= messagesMax || bytes >= bytesMax }

    mutating func add(lastIndex: LogIndex, bytes addedBytes: Int) {
        precondition(!isFull, "in-flight window overflow")
        window.append((lastIndex, addedBytes))
        bytes += addedBytes
    }

    /// Frees every append whose last index is at most `index`.
    mutating func free(through index: LogIndex) {
        while start < window.count, window[start].lastIndex <= index {
            bytes -= window[start].bytes
            start += 1
        }
        if start == window.count {
            window.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 && start * 2 > window.count {
            window.removeFirst(start)
            start = 0
        }
    }

    /// Frees the oldest append: a heartbeat answer suggests the pipe drained, so one more may
    /// go out; if earlier appends were lost, the follower rejects it and the leader probes.
    mutating func freeOldest() {
        guard start < window.count else { return }
        free(through: window[start].lastIndex)
    }

    mutating func reset() {
        window.removeAll(keepingCapacity: true)
        start = 0
        bytes = 0
    }
}
