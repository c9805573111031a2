/// The verdict on a whole history: the worst verdict over its partitions.
///
/// A violation in any partition makes the history not linearizable, even if other partitions ran out of budget;
/// otherwise any partition that ran out of budget leaves the verdict unknown.
public enum LinearizabilityResult: Hashable, Sendable {
    /// Every partition has a valid order.
    case linearizable
    /// Some partition has no valid order: the first such partition, in order of first appearance in the history.
    case notLinearizable(LinearizabilityViolation)
    /// No violation found, but these partitions (keys rendered as text) ran out of step budget before deciding.
    case unknown(partitions: [String])
}
