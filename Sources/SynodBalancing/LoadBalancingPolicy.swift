import SynodCore

/// Chooses a backend for each request among the candidates the caller allows.
///
/// A policy is a value that keeps its own load signals (outstanding requests, latency
/// estimates) and learns them only through `requestStarted` and `requestFinished`, so the
/// caller reports every request it sends exactly once to each. Time and randomness come from
/// the caller, which makes every choice a function of the inputs and the seed. `Balancer`
/// combines a policy with outlier ejection and does this bookkeeping.
public protocol LoadBalancingPolicy: Sendable {
    /// Which policy this is; its `rawValue` is the stable name used in reports.
    static var kind: BalancingPolicyKind { get }

    /// The backend for the next request, or nil only when `candidates` is empty.
    ///
    /// `candidates` are the backends currently eligible (after ejection), distinct, in any
    /// order. `affinityKey` identifies what the request is about (a session, a key) for
    /// policies that keep related requests together; others ignore it.
    mutating func pick(
        from candidates: [BackendID],
        affinityKey: UInt64?,
        nowMicroseconds: UInt64,
        random: inout SeededGenerator
    ) -> BackendID?

    /// Records that a request was sent to `backend`.
    mutating func requestStarted(on backend: BackendID)

    /// Records that a request sent to `backend` finished after `latencyMicroseconds`.
    mutating func requestFinished(
        on backend: BackendID,
        latencyMicroseconds: UInt64,
        succeeded: Bool,
        nowMicroseconds: UInt64
    )
}

extension LoadBalancingPolicy {
    /// The stable name used in reports, such as `p2c-ewma`.
    public var name: String { Self.kind.rawValue }
}
