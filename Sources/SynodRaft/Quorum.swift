import SynodConsensus
import SynodCore

/// Majority arithmetic over a set of voters.
enum Quorum {
    /// The number of voters that form a majority.
    static func size(voterCount: Int) -> Int { voterCount / 2 + 1 }

    /// The highest index that a majority of voters have reached.
    static func committedIndex(voters: Set<NodeID>, match: (NodeID) -> LogIndex) -> LogIndex {
        LogIndex(majorityValue(voters: voters) { match($0).rawValue })
    }

    /// The highest value `v` such that a majority of voters have a value at least `v`. Runs
    /// at every acknowledgement a leader gets: the values are sorted in a buffer on the stack,
    /// not an array of their own.
    static func majorityValue(voters: Set<NodeID>, value: (NodeID) -> UInt64) -> UInt64 {
        guard !voters.isEmpty else { return 0 }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: voters.count) { buffer in
            var values = buffer
            var count = 0
            for voter in voters {
                values[count] = value(voter)
                count += 1
            }
            values.sort(by: >)
            return values[size(voterCount: voters.count) - 1]
        }
    }
}

/// Votes received in one election (or pre-election) round.
struct VoteTally: Hashable, Sendable {
    private(set) var granted: Set<NodeID> = []
    private(set) var rejected: Set<NodeID> = []

    enum Outcome { case won, lost, pending }

    /// Records `node`'s answer; a second answer from the same node is ignored.
    mutating func record(_ node: NodeID, granted isGranted: Bool) {
        guard !granted.contains(node) && !rejected.contains(node) else { return }
        if isGranted { granted.insert(node) } else { rejected.insert(node) }
    }

    func outcome(voters: Set<NodeID>) -> Outcome {
        let quorum = Quorum.size(voterCount: voters.count)
        if granted.intersection(voters).count >= quorum { return .won }
        if rejected.intersection(voters).count > voters.count - quorum { return .lost }
        return .pending
    }
}
