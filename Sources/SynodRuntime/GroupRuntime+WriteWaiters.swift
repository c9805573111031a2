import SynodCore

/// The small collections every outstanding write keeps, inline for the common case of one
/// client and one leader: as an array and a dictionary they were two allocations per write.
extension GroupRuntime {
    /// Who waits for a write's answer: the client that sent it, then the later attempts of a
    /// client that sent it again (rare).
    struct Recipients: Sequence {
        private let first: Recipient
        private var later: [Recipient] = []

        init(_ first: Recipient) { self.first = first }

        /// The latest attempt.
        var last: Recipient { later.last ?? first }

        mutating func append(_ recipient: Recipient) { later.append(recipient) }

        func makeIterator() -> Iterator { Iterator(recipients: self) }

        struct Iterator: IteratorProtocol {
            let recipients: Recipients
            /// -1 for `first`, then the index in `later`.
            var position = -1

            mutating func next() -> Recipient? {
                defer { position += 1 }
                if position < 0 { return recipients.first }
                return position < recipients.later.count ? recipients.later[position] : nil
            }
        }
    }

    /// How many copies of a write each leader may have in its log: almost always one leader.
    struct CopiesByLeader {
        private var only: (leader: NodeID, count: Int)?
        /// Every other leader's count, once a write went to more than one.
        private var others: [NodeID: Int] = [:]

        var isEmpty: Bool { only == nil && others.isEmpty }

        subscript(leader: NodeID) -> Int? {
            get {
                if let only, only.leader == leader { return only.count }
                return others[leader]
            }
            set {
                if let only, only.leader == leader {
                    self.only = newValue.map { (leader, $0) }
                } else if only == nil, others[leader] == nil {
                    only = newValue.map { (leader, $0) }
                } else {
                    others[leader] = newValue
                }
            }
        }
    }
}
