import SynodConsensus
import SynodCore

@testable import SynodRaft

/// The role of the replica a forged message is sent to.
enum TargetRole: String, CaseIterable, CustomStringConvertible, Sendable {
    case leader
    case follower
    case preCandidate = "pre-candidate"
    case candidate

    var description: String { rawValue }
}

/// A three-voter group with one replica in a chosen role, to feed forged messages to.
///
/// n1 leads term 2 and n2 follows it. For the (pre-)candidate roles n3 is cut off and
/// campaigns: a pre-candidate in term 2, or (with pre-vote off) a candidate in term 3.
struct HostileCluster {
    var cluster = ScenarioCluster()
    /// The replica forged messages go to.
    let target: NodeID
    /// A member that is neither the target nor the leader.
    let bystander: NodeID
    /// No member of the group.
    static let stranger = NodeID(9)

    init(_ role: TargetRole) throws {
        switch role {
        case .leader: (target, bystander) = (NodeID(1), NodeID(2))
        case .follower: (target, bystander) = (NodeID(2), NodeID(3))
        case .preCandidate, .candidate: (target, bystander) = (NodeID(3), NodeID(2))
        }
        try run("add-nodes 3 prevote=\(role != .candidate) hibernate=2")
        try run("campaign 1")
        try run("stabilize")
        if role == .preCandidate || role == .candidate {
            try run("partition 1 2 / 3")
            try run("campaign 3")
        }
        let expected: RaftReplica.Role =
            switch role {
            case .leader: .leader
            case .follower: .follower(leader: NodeID(1))
            case .preCandidate: .preCandidate
            case .candidate: .candidate
            }
        precondition(replica.role == expected, "set-up left n\(target.rawValue) \(replica.role), not \(role)")
    }

    /// Runs a scenario command (see `ScenarioScript`).
    mutating func run(_ command: String) throws {
        try ScenarioScript.execute(command, on: &cluster)
    }

    var replica: RaftReplica { cluster.replicas[target]! }

    /// Steps a forged message into the target, whatever its `to`, as a driver that did not
    /// check it would. The target's answers wait in its `Ready`.
    mutating func deliverForged(_ message: RaftMessage) {
        cluster.replicas[target]!.step(message)
    }

    /// Heals the network and runs the group, ticking every replica between rounds, until every
    /// replica applied a proposal of `text` (proposed again if a change of leader lost it);
    /// returns whether that happened within a bounded number of rounds.
    mutating func commitsAProposal(_ text: String) throws -> Bool {
        cluster.cutLinks = []
        let payload = EntryPayload.command(Array(text.utf8))
        for _ in 0..<1_000 {
            cluster.stabilize()
            if cluster.nodeIDs.allSatisfy({ id in cluster.applied[id]!.contains { $0.payload == payload } }) {
                return true
            }
            if let leader = cluster.nodeIDs.first(where: { cluster.replicas[$0]!.role == .leader }),
                !cluster.replicas[leader]!.entries(from: LogIndex(1)).contains(where: { $0.payload == payload })
            {
                try cluster.replicas[leader]!.propose(Array(text.utf8))
                cluster.processReady(leader)
                continue
            }
            for id in cluster.nodeIDs { cluster.tick(id, times: 1) }
        }
        return false
    }
}
