import CSynodHeap
import Foundation
import NIOCore
import SynodKeyValue
import SynodRaft

/// The text of INFO: Redis's sections that apply, and a consensus section.
enum InfoReport {
    /// What Synod tells clients that check the Redis version (for features they rely on).
    static let redisCompatibleVersion = "7.0.0"
    static let allSections = [
        "server", "clients", "memory", "stats", "replication", "cluster", "keyspace", "consensus",
    ]

    /// Runs on the driver's loop.
    static func text(sections requested: [String], driver: NodeDriver, shared: ClientContext) -> String {
        let wanted =
            requested.isEmpty || requested.contains("all") || requested.contains("everything")
                || requested.contains("default")
            ? allSections : allSections.filter { requested.contains($0) }
        let statistics = shared.statistics.withLockedValue { $0 }
        let uptimeSeconds = (NIODeadline.now() - shared.startedAt).nanoseconds / 1_000_000_000
        let replica = driver.replica
        // Every shard's state machine: the keyspace and memory figures are the node's, added up.
        let stores = driver.groups.map { driver.runtimes[$0].state }
        let maxMemory = stores.reduce(0) { $0 + $1.memoryLimit.maxBytes }
        var lines: [String] = []
        for section in wanted {
            lines.append("# \(section.prefix(1).uppercased() + section.dropFirst())")
            switch section {
            case "server":
                lines += [
                    "redis_version:\(redisCompatibleVersion)", "synod_version:0.1.0", "redis_mode:cluster",
                    "process_id:\(ProcessInfoShim.processID)", "tcp_port:\(shared.configuration.clientAddress.port)",
                    "uptime_in_seconds:\(uptimeSeconds)",
                ]
            case "clients":
                lines += [
                    "connected_clients:\(statistics.connectedClients)",
                    "maxclients:\(shared.configuration.clientConnectionsMax)",
                ]
            case "stats":
                lines += [
                    "total_connections_received:\(statistics.totalConnections)",
                    "total_commands_processed:\(statistics.commandsProcessed)",
                    "rejected_connections:\(statistics.rejectedConnections)",
                    "evicted_keys:\(stores.reduce(0) { $0 + $1.evictedKeys })",
                    "client_output_buffer_limit_disconnections:\(statistics.outputBufferDisconnections)",
                    "cross_protocol_rejections:\(statistics.crossProtocolRejections)",
                ]
            case "memory":
                let dataset = stores.reduce(0) { $0 + $1.datasetBytes }
                let resident = residentMemoryBytes()
                let heap = synod_heap_usage()
                lines += [
                    "used_memory:\(dataset)", "used_memory_human:\(humanBytes(dataset))",
                    "used_memory_rss:\(resident)", "used_memory_rss_human:\(humanBytes(resident))",
                    "used_memory_dataset:\(dataset)",
                    "allocator_allocated:\(heap.allocated)", "allocator_active:\(heap.active)",
                    "allocator_frag_bytes:\(Int(heap.active) - Int(heap.allocated))",
                    "allocator_frag_ratio:\(ratio(Int(heap.active), Int(heap.allocated)))",
                    "mem_fragmentation_ratio:\(ratio(resident, Int(heap.allocated)))",
                    "mem_allocator:\(allocatorName)",
                    "maxmemory:\(maxMemory)",
                    "maxmemory_human:\(humanBytes(maxMemory))",
                    "maxmemory_policy:\(driver.store.memoryLimit.policy.rawValue)",
                ]
            case "cluster":
                lines.append("cluster_enabled:1")
            case "replication":
                lines += ["role:\(replica.role == .leader ? "master" : "slave")", "connected_slaves:0"]
            case "keyspace":
                let keys = stores.reduce(0) { $0 + $1.keyCount }
                if keys > 0 {
                    let expiring = stores.reduce(0) { $0 + $1.volatileKeyCount }
                    lines.append("db0:keys=\(keys),expires=\(expiring),avg_ttl=0")
                }
            default:
                lines += [
                    "node_id:\(shared.configuration.nodeID.rawValue)",
                    "raft_role:\(replica.role.name)",
                    "raft_term:\(replica.hardState.term)",
                    "raft_leader:\(replica.leader.map { String($0.rawValue) } ?? "none")",
                    "raft_commit_index:\(replica.commitIndex)",
                    "raft_applied_index:\(driver.store.appliedIndex)",
                    "raft_snapshot_index:\(replica.snapshotIndex)",
                    "raft_snapshots_taken:\(driver.runtime.statistics.snapshotsTaken)",
                    "raft_snapshots_installed:\(driver.runtime.statistics.snapshotsInstalled)",
                    "raft_voters:\(replica.membership.voters.sorted().map { String($0.rawValue) }.joined(separator: ","))",
                    "kv_revision:\(driver.store.revision)",
                    "kv_blocked_list_commands:\(driver.store.blockedPops.waiters.count)",
                    "kv_held_pops:\(driver.store.blockedPops.held.count)",
                    "wal_segments:\(driver.storage.log.segmentCount)",
                    "wal_syncs:\(driver.storage.log.statistics.syncs)",
                    "loop_stalls:\(driver.loopStalls)",
                    "loop_stall_longest_ms:\(driver.longestLoopStallNanoseconds / 1_000_000)",
                    // The raft_ and kv_ figures above are the first shard's; each shard's own:
                    "shards:\(driver.slotDivision.shardCount)",
                    "hosted_shards:\(driver.groups.count)",
                    "replicas_per_shard:\(driver.configuration.replicaCount)",
                    "hibernating_shards:\(driver.runtimes.positions.count { driver.runtimes[position: $0].isHibernating })",
                    "relayed_requests_waiting:\(driver.relays.requests.count)",
                ]
                for group in driver.groups where driver.slotDivision.shardCount > 1 {
                    let runtime = driver.runtimes[group]
                    let shard = Int(group.rawValue) - 1
                    let slots = driver.slotDivision.slots(of: shard)
                    lines.append(
                        "shard\(shard):slots=\(slots.lowerBound)-\(slots.upperBound - 1),"
                            + "role=\(runtime.replica.role.name),"
                            + "leader=\(runtime.replica.leader.map { String($0.rawValue) } ?? "none"),"
                            + "preferred_leader=\(runtime.settings.preferredLeader.map { String($0.rawValue) } ?? "none"),"
                            + "handovers=\(runtime.statistics.leadershipHandovers),"
                            + "hibernating=\(runtime.isHibernating ? 1 : 0),"
                            + "term=\(runtime.replica.hardState.term),commit=\(runtime.replica.commitIndex),"
                            + "applied=\(runtime.state.appliedIndex),keys=\(runtime.state.keyCount),"
                            + "blocked=\(runtime.state.blockedPops.waiters.count)"
                    )
                }
            }
            lines.append("")
        }
        return lines.joined(separator: "\r\n")
    }

    /// The process's resident set, from /proc/self/statm (0 where there is none: INFO still
    /// answers on a system without /proc).
    static func residentMemoryBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The C allocator this process runs on, as Redis names it ("jemalloc-5.3.0", "libc").
    static let allocatorName: String = {
        var buffer = [CChar](repeating: 0, count: 64)
        synod_heap_allocator(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// `part / whole` with two decimals, as Redis prints its ratios ("0.00" when `whole` is 0).
    static func ratio(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "0.00" }
        let hundredths = (part * 100 + whole / 2) / whole
        let fraction = hundredths % 100
        return "\(hundredths / 100)." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    static func humanBytes(_ bytes: Int) -> String {
        let units = ["B", "K", "M", "G", "T"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        guard unit > 0 else { return "\(bytes)B" }
        let hundredths = Int((value * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100)." + (fraction.count == 1 ? "0" + fraction : fraction) + units[unit]
    }
}
