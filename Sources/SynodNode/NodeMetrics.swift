import Metrics

/// The node's metrics, through swift-metrics (the process bootstraps a Prometheus backend),
/// with units last in their names.
struct NodeMetrics: Sendable {
    let readRequests = Counter(label: "synod_client_requests_total", dimensions: [("kind", "read")])
    let writeRequests = Counter(label: "synod_client_requests_total", dimensions: [("kind", "write")])
    let forwardedRequests = Counter(label: "synod_client_requests_forwarded_total")
    let requestDuration = Timer(label: "synod_client_request_duration_seconds", preferredDisplayUnit: .seconds)
    let entriesApplied = Counter(label: "synod_raft_entries_applied_total")
    let electionsWon = Counter(label: "synod_raft_elections_won_total")
    let term = Gauge(label: "synod_raft_term")
    let commitIndex = Gauge(label: "synod_raft_commit_index")
    let fsyncs = Counter(label: "synod_wal_fsyncs_total")
    let bytesWritten = Counter(label: "synod_wal_bytes_written_total")
}
