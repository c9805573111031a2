/// A fixed-capacity set of small non-negative integers, one bit each: the operations linearized so far.
///
/// The search memoizes (linearized set, model state) pairs, so the set must be a value with cheap copies, equality
/// and hashing; a `Set<Int>` would cost an allocation per member.
struct Bitset: Hashable, Sendable {
    private static let bitsPerWord = 64

    /// Invariant: bits at and above `capacity` are zero.
    private var words: [UInt64]
    /// The members are in `0..<capacity`.
    let capacity: Int

    /// An empty set that can hold `0..<capacity`.
    init(capacity: Int) {
        precondition(capacity >= 0, "negative bitset capacity \(capacity)")
        self.capacity = capacity
        words = Array(repeating: 0, count: (capacity + Self.bitsPerWord - 1) / Self.bitsPerWord)
    }

    func contains(_ member: Int) -> Bool {
        precondition(member >= 0 && member < capacity, "bitset member \(member) outside 0..<\(capacity)")
        return words[member / Self.bitsPerWord] & Self.mask(member) != 0
    }

    /// Adds a member that must be absent.
    mutating func insert(_ member: Int) {
        precondition(!contains(member), "bitset member \(member) inserted twice")
        words[member / Self.bitsPerWord] |= Self.mask(member)
    }

    /// Removes a member that must be present.
    mutating func remove(_ member: Int) {
        precondition(contains(member), "bitset member \(member) removed while absent")
        words[member / Self.bitsPerWord] &= ~Self.mask(member)
    }

    private static func mask(_ member: Int) -> UInt64 {
        1 << UInt64(member % bitsPerWord)
    }
}
