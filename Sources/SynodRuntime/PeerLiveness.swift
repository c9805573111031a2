import SynodCore

/// When a node last heard from each of its peers, so that groups that hibernate (no
/// heartbeats) still learn when a leader's node goes away: the shell watches peer nodes, not
/// groups, and tells the groups of a silent peer (`GroupRuntime.leaderSilent`).
///
/// Anything a peer sends counts (a consensus message, a forwarded request, the liveness
/// message every node sends each peer every `pingIntervalMilliseconds`).
public struct PeerLiveness: Sendable {
    /// How long a peer may send nothing before it counts as silent.
    public let silenceMilliseconds: Int64
    private var lastHeard: [NodeID: Int64] = [:]

    public init(silenceMilliseconds: Int64) {
        precondition(silenceMilliseconds > 0, "a silence of \(silenceMilliseconds) ms")
        self.silenceMilliseconds = silenceMilliseconds
    }

    /// How often a node tells each peer it is alive: several times within a silence, so that
    /// one late message does not make it silent.
    public var pingIntervalMilliseconds: Int64 { max(1, silenceMilliseconds / 4) }

    /// Something arrived from `peer` at `time` (monotonic milliseconds).
    public mutating func heard(from peer: NodeID, at time: Int64) {
        lastHeard[peer] = time
    }

    /// When `peer` was last heard from (monotonic milliseconds); nil if never.
    public func lastHeard(from peer: NodeID) -> Int64? { lastHeard[peer] }

    /// Whether `peer` was heard from before and has been silent since, at `time`.
    public func isSilent(_ peer: NodeID, at time: Int64) -> Bool {
        guard let heard = lastHeard[peer] else { return false }
        return time - heard >= silenceMilliseconds
    }

    /// The peers heard from before and silent since, at `time`, in id order. A peer never heard
    /// from is not listed: no group can hibernate under a leader it never heard.
    public func silentPeers(at time: Int64) -> [NodeID] {
        var silent: [NodeID] = []
        for (peer, heard) in lastHeard where time - heard >= silenceMilliseconds { silent.append(peer) }
        return silent.count > 1 ? silent.sorted() : silent
    }
}
