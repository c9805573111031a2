import SynodCore
import SynodKeyValue
import SynodPartitioning

/// The cluster as Redis Cluster clients see it (CLUSTER SLOTS, SHARDS, NODES, INFO): each
/// shard's slots, with its group's leader as their master and the other members as its
/// replicas, and where clients reach each node. Taken on the driver's loop, written out on
/// the connection's.
struct ClusterTopology: Sendable {
    struct Shard: Sendable {
        let slots: Range<Int>
        /// The group's leader, when one is known.
        let leader: NodeID?
        /// Every member of the group, in id order.
        let members: [NodeID]
        /// How far this node has applied the group's log (CLUSTER SHARDS' replication offset).
        let appliedIndex: UInt64
        let term: UInt64
    }

    let me: NodeID
    let shards: [Shard]
    /// Where Redis clients reach each node that announced it (this node always).
    let clientAddresses: [NodeID: HostPort]
    /// Where each member's peers reach it (CLUSTER NODES' bus port).
    let peerAddresses: [NodeID: HostPort]

    /// Whether every shard has a leader: the cluster serves every slot.
    var isServing: Bool { shards.allSatisfy { $0.leader != nil } }

    /// The highest term of any shard: the epoch CLUSTER INFO reports.
    var epoch: UInt64 { shards.map(\.term).max() ?? 0 }

    /// The node a shard's slots are sent to: its leader when clients can reach it, otherwise
    /// this node, which forwards to the leader (or holds the request until one is elected).
    func master(of shard: Shard) -> NodeID {
        if let leader = shard.leader, clientAddresses[leader] != nil { return leader }
        return me
    }

    /// The shard's other members that clients can reach, as its replicas.
    func replicas(of shard: Shard) -> [NodeID] {
        let master = master(of: shard)
        return shard.members.filter { $0 != master && clientAddresses[$0] != nil }
    }

    /// Every node clients can reach, in id order.
    var nodes: [NodeID] { clientAddresses.keys.sorted() }

    /// CLUSTER NODES: one line per node. A node leads some shards and follows others, which
    /// Redis's one role per node cannot say: a node is the master of the slots of the shards
    /// it leads, and one that leads none is a replica of the first shard's master (it
    /// replicates every shard); CLUSTER SHARDS and SLOTS list every shard's followers.
    var nodesText: String {
        let firstMaster = shards.first.map { master(of: $0) }
        return nodes.map { node in
            let address = clientAddresses[node]!
            let busPort = peerAddresses[node]?.port ?? 0
            let ranges = shards.filter { master(of: $0) == node }.map { shard in
                shard.slots.count == 1
                    ? "\(shard.slots.lowerBound)" : "\(shard.slots.lowerBound)-\(shard.slots.upperBound - 1)"
            }
            let replicated = ranges.isEmpty ? firstMaster : nil
            let role = replicated == nil ? "master" : "slave"
            let fields =
                [
                    Self.clusterID(of: node), "\(address)@\(busPort)", node == me ? "myself,\(role)" : role,
                    replicated.map { Self.clusterID(of: $0) } ?? "-", "0", "0", "\(epoch)", "connected",
                ] + ranges
            return fields.joined(separator: " ") + "\n"
        }.joined()
    }

    /// CLUSTER INFO's fields.
    var infoText: String {
        let served = shards.filter { $0.leader != nil }.reduce(0) { $0 + $1.slots.count }
        let lines = [
            "cluster_enabled:1", "cluster_state:\(isServing ? "ok" : "fail")",
            "cluster_slots_assigned:\(HashSlot.count)", "cluster_slots_ok:\(served)",
            "cluster_slots_pfail:0", "cluster_slots_fail:\(HashSlot.count - served)",
            "cluster_known_nodes:\(max(peerAddresses.count, nodes.count))", "cluster_size:\(shards.count)",
            "cluster_current_epoch:\(epoch)", "cluster_my_epoch:\(epoch)",
        ]
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A node's 40-hex-digit cluster id, derived from its node id.
    static func clusterID(of node: NodeID) -> String {
        let words = (0..<3).map { StableHash.xxh64(Array("synod-node-\(node.rawValue)-\($0)".utf8)) }
        let hex = words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        return String(hex.prefix(40))
    }
}

extension NodeDriver {
    /// The cluster as this node sees it now.
    func clusterTopology() -> ClusterTopology {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        let members = shardMembers
        let shards = (0..<slotDivision.shardCount).map { shard in
            let group = NodeConfiguration.group(ofShard: shard)
            guard runtimes.hosts(group) else {
                // A shard held elsewhere: its founding members, and its leader as announced.
                return ClusterTopology.Shard(
                    slots: slotDivision.slots(of: shard),
                    leader: shardLeaders.leader(of: group),
                    members: members[shard].sorted(),
                    appliedIndex: 0,
                    term: shardLeaders.term(of: group)?.rawValue ?? 0
                )
            }
            let replica = runtimes[group].replica
            return ClusterTopology.Shard(
                slots: slotDivision.slots(of: shard),
                leader: replica.leader,
                members: replica.membership.members,
                appliedIndex: runtimes[group].state.appliedIndex,
                term: replica.term.rawValue
            )
        }
        return ClusterTopology(
            me: configuration.nodeID,
            shards: shards,
            clientAddresses: clientAddresses,
            peerAddresses: configuration.initialCluster
        )
    }

    /// MOVED to the leader of `group`, for a client that follows redirections and sent a key
    /// of `slot` here; nil when this node leads the group, or no leader clients can reach is
    /// known (the request is then served here, forwarded or held as for any client).
    func redirection(of group: GroupID, slot: Int) -> KeyValueResult? {
        guard let leader = leader(of: group), leader != configuration.nodeID,
            let address = clientAddresses[leader]
        else { return nil }
        metrics.redirections.increment()
        return .error(KeyValueError(.notLeader, "MOVED \(slot) \(address)", leader: leader))
    }
}
