import SynodCore

/// Sends each request to a candidate with the fewest requests in flight.
///
/// Outstanding requests are a cheap, immediate signal of a backend's queue: a slow backend
/// keeps its requests longer and so receives fewer. Ties, common when the pool is lightly
/// loaded, are broken uniformly by the injected generator so that no backend is favoured by
/// its position. Its weakness is a backend that fails fast: it drains quickly and attracts more.
public struct LeastOutstandingPolicy: LoadBalancingPolicy {
    public static let kind = BalancingPolicyKind.leastOutstanding

    private var outstanding = OutstandingRequests()

    public init() {}

    /// The requests started on `backend` and not finished yet.
    public func outstanding(on backend: BackendID) -> Int { outstanding[backend] }

    public mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID? {
        checkCandidates(candidates)
        return outstanding.leastLoaded(among: candidates, random: &random)
    }

    public mutating func requestStarted(on backend: BackendID) {
        outstanding.start(on: backend)
    }

    public mutating func requestFinished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    ) {
        outstanding.finish(on: backend)
    }
}
