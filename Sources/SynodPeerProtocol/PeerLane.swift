import SynodRaft

/// The two connections a node keeps to each peer, so that the messages that keep a leader in
/// place (heartbeats, votes, their answers, and every other Raft message without entries)
/// never wait on a stream behind megabytes of data (appends with entries, snapshot chunks,
/// forwarded requests, big results, PUBLISH). Raft takes its messages in any order; frames of
/// one lane keep theirs. The node's transport and the simulator's network both route by it.
public enum PeerLane: Hashable, Sendable {
    case control
    case data

    /// The lane of a Raft message.
    public init(of message: RaftMessage) {
        switch message.body {
        case .append(_, _, let entries, _) where !entries.isEmpty: self = .data
        case .snapshotChunk: self = .data
        default: self = .control
        }
    }

    /// The lane of a forwarded request's result (or refusal), `frameBytes` long: a small one
    /// goes on the control lane, so that a client's GET through a follower does not wait
    /// behind the megabytes of an append to that follower; a big one (a big value read) on the
    /// data lane, so that it never delays a heartbeat. A request has one result, so results
    /// need no order among themselves; forwarded requests keep theirs on the data lane.
    public init(ofResultBytes frameBytes: Int) {
        self = frameBytes <= Self.controlResultBytesMax ? .control : .data
    }

    /// The largest result frame that goes on the control lane: most values a cache serves,
    /// while a backlog of a thousand results (a follower's pipelining clients) still delays a
    /// heartbeat by no more than 16 MiB.
    public static let controlResultBytesMax = 16 << 10
}
