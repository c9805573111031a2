import Foundation
import SynodRaft

/// `/v1/status` as JSON, built on the driver's loop and written by `JSONEncoder`.
struct StatusReport: Encodable {
    /// One consensus group as this node sees it.
    struct Group: Encodable {
        var group: UInt64
        var role: String
        var term: UInt64
        var leaderID: UInt64?
        var commitIndex: UInt64
        var appliedIndex: UInt64
        var lastLogIndex: UInt64
        var snapshotIndex: UInt64
        var peers: [Peer]

        enum CodingKeys: String, CodingKey {
            case group, role, term, peers
            case leaderID = "leader_id"
            case commitIndex = "commit_index"
            case appliedIndex = "applied_index"
            case lastLogIndex = "last_log_index"
            case snapshotIndex = "snapshot_index"
        }

        /// Written by hand so that an unknown leader is `null` rather than a missing field.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(group, forKey: .group)
            try container.encode(role, forKey: .role)
            try container.encode(term, forKey: .term)
            try container.encode(leaderID, forKey: .leaderID)
            try container.encode(commitIndex, forKey: .commitIndex)
            try container.encode(appliedIndex, forKey: .appliedIndex)
            try container.encode(lastLogIndex, forKey: .lastLogIndex)
            try container.encode(snapshotIndex, forKey: .snapshotIndex)
            try container.encode(peers, forKey: .peers)
        }
    }

    /// Another member; its match index is known only on the leader.
    struct Peer: Encodable {
        var id: UInt64
        var matchIndex: UInt64?

        enum CodingKeys: String, CodingKey {
            case id
            case matchIndex = "match_index"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(matchIndex, forKey: .matchIndex)
        }
    }

    var nodeID: UInt64
    var groups: [Group]

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case groups
    }

    init(_ driver: NodeDriver) {
        self.nodeID = driver.configuration.nodeID.rawValue
        self.groups = driver.groups.map { id in
            let runtime = driver.runtimes[id]
            let replica = runtime.replica
            let peers = replica.membership.members.filter { $0 != driver.configuration.nodeID }.map { peer in
                Peer(id: peer.rawValue, matchIndex: replica.matchIndex(of: peer)?.rawValue)
            }
            return Group(
                group: id.rawValue,
                role: replica.role.name,
                term: replica.hardState.term.rawValue,
                leaderID: replica.leader?.rawValue,
                commitIndex: replica.commitIndex.rawValue,
                appliedIndex: runtime.state.appliedIndex,
                lastLogIndex: replica.lastIndex.rawValue,
                snapshotIndex: replica.snapshotIndex.rawValue,
                peers: peers
            )
        }
    }

    static func json(_ driver: NodeDriver) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding integers, strings and optionals into JSON has no failure mode.
        let data = try! encoder.encode(StatusReport(driver))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Why the node cannot serve yet, or nil when it can.
    static func notReadyReason(_ driver: NodeDriver) -> String? {
        if driver.stopped { return "storage failed; the node is stopping" }
        if driver.replica.leader == nil { return "no leader elected" }
        // Every shard serves some keys: the node is ready when each has a leader.
        if let waiting = driver.groups.first(where: { driver.runtimes[$0].replica.leader == nil }) {
            return "no leader elected in shard \(waiting.rawValue - 1)"
        }
        return nil
    }
}
