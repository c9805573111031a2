import SynodCore

/// The members of one consensus group: voters decide, learners only replicate.
///
/// Invariant: `voters` and `learners` are disjoint.
public struct Membership: Hashable, Sendable, CustomStringConvertible {
    public private(set) var voters: Set<NodeID>
    public private(set) var learners: Set<NodeID>

    public init(voters: Set<NodeID>, learners: Set<NodeID> = []) {
        precondition(voters.isDisjoint(with: learners), "a member is either a voter or a learner")
        self.voters = voters
        self.learners = learners
    }

    /// Every member, voters and learners, in id order.
    public var members: [NodeID] { voters.union(learners).sorted() }

    public func contains(_ node: NodeID) -> Bool { voters.contains(node) || learners.contains(node) }

    /// The membership after `change`.
    public func applying(_ change: ConfigurationChange) -> Membership {
        var result = self
        switch change {
        case .addLearner(let node):
            result.voters.remove(node)
            result.learners.insert(node)
        case .addVoter(let node):
            result.learners.remove(node)
            result.voters.insert(node)
        case .remove(let node):
            result.voters.remove(node)
            result.learners.remove(node)
        }
        return result
    }

    public var description: String {
        let voterList = voters.sorted().map(\.description).joined(separator: ",")
        let learnerList = learners.sorted().map(\.description).joined(separator: ",")
        return learners.isEmpty ? "voters=(\(voterList))" : "voters=(\(voterList)) learners=(\(learnerList))"
    }
}
