/// The identity of one backend in a pool.
///
/// A wrapper rather than a bare `Int`, so that a backend cannot be confused with a count of
/// requests or a position in a candidate list. Ids are chosen by the caller, usually the
/// backend's index in its pool, and are never negative.
public struct BackendID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ rawValue: Int) {
        precondition(rawValue >= 0, "backend ids are never negative, got \(rawValue)")
        self.rawValue = rawValue
    }

    public static func < (lhs: BackendID, rhs: BackendID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "b\(rawValue)" }
}
