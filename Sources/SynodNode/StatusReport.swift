import SynodRaft

/// `/v1/status` as JSON, built on the driver's loop.
enum StatusReport {
    static func json(_ driver: NodeDriver) -> String {
        let replica = driver.replica
        let peers = replica.membership.members.filter { $0 != driver.configuration.nodeID }.map { peer in
            let match = replica.matchIndex(of: peer).map { String($0.rawValue) } ?? "null"
            return "{\"id\":\(peer.rawValue),\"match_index\":\(match)}"
        }
        let leader = replica.leader.map { String($0.rawValue) } ?? "null"
        let group = [
            "\"group\":\(NodeDriver.group.rawValue)", "\"role\":\"\(replica.role.name)\"",
            "\"term\":\(replica.hardState.term.rawValue)",
            "\"leader_id\":\(leader)", "\"commit_index\":\(replica.commitIndex.rawValue)",
            "\"applied_index\":\(driver.store.appliedIndex)", "\"last_log_index\":\(replica.lastIndex.rawValue)",
            "\"snapshot_index\":\(replica.snapshotIndex.rawValue)", "\"peers\":[\(peers.joined(separator: ","))]",
        ]
        return "{\"node_id\":\(driver.configuration.nodeID.rawValue),\"groups\":[{\(group.joined(separator: ","))}]}\n"
    }

    /// Why the node cannot serve yet, or nil when it can.
    static func notReadyReason(_ driver: NodeDriver) -> String? {
        if driver.stopped { return "storage failed; the node is stopping" }
        if driver.replica.leader == nil { return "no leader elected" }
        return nil
    }
}
