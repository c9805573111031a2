import Metrics
import SynodRaft

/// The node's metrics, through swift-metrics (the process bootstraps a Prometheus backend),
/// with units last in their names.
struct NodeMetrics: Sendable {
    let readRequests = Counter(label: "synod_client_requests_total", dimensions: [("kind", "read")])
    let writeRequests = Counter(label: "synod_client_requests_total", dimensions: [("kind", "write")])
    let forwardedRequests = Counter(label: "synod_client_requests_forwarded_total")
    /// Requests for shards this node does not hold, relayed to a node that does.
    let relayedRequests = Counter(label: "synod_client_requests_relayed_total")
    /// Requests answered MOVED: their client follows redirections to the shard's leader.
    let redirections = Counter(label: "synod_client_requests_redirected_total")
    /// Forwarded requests the leader refused as no client of a follower could have sent them.
    let refusedForwards = Counter(label: "synod_peer_forwarded_requests_refused_total")
    /// Peer frames and messages dropped as malformed, misaddressed or from a non-member.
    let droppedPeerMessages = Counter(label: "synod_peer_messages_dropped_total")
    /// Raft messages the replica refused, by `RaftMessageDropReason`.
    func droppedRaftMessages(_ reason: RaftMessageDropReason) -> Counter {
        Counter(label: "synod_raft_messages_dropped_total", dimensions: [("reason", reason.rawValue)])
    }
    let requestDuration = Timer(label: "synod_client_request_duration_seconds", preferredDisplayUnit: .seconds)
    /// Ticks that ran late by `loopStallWarningMilliseconds` or more, and by how much.
    let loopStalls = Counter(label: "synod_loop_stalls_total")
    let loopStallDuration = Timer(label: "synod_loop_stall_seconds", preferredDisplayUnit: .seconds)
    let entriesApplied = Counter(label: "synod_raft_entries_applied_total")
    let electionsWon = Counter(label: "synod_raft_elections_won_total")
    let term = Gauge(label: "synod_raft_term")
    let commitIndex = Gauge(label: "synod_raft_commit_index")
    let fsyncs = Counter(label: "synod_wal_fsyncs_total")
    let bytesWritten = Counter(label: "synod_wal_bytes_written_total")
}
