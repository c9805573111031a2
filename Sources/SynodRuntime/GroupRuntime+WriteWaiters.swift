import SynodCore

/// The small collections every write keeps while it waits, inline for the common case of one
/// client, one leader and one follower that forwarded it: as arrays and a dictionary they were
/// an allocation each per write.
extension GroupRuntime {
    /// Who waits for a write's answer: the client that sent it, then the later attempts of a
    /// client that sent it again (rare).
    typealias Recipients = InlineFirstList<Recipient>

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

/// A list that is almost always one element long: the first is kept inline, an array holds
/// the rest.
struct InlineFirstList<Element>: Sequence {
    private var first: Element?
    private var later: [Element] = []

    init() {}

    init(_ first: Element) { self.first = first }

    var isEmpty: Bool { first == nil }

    /// The element appended last (nil when empty).
    var last: Element? { later.last ?? first }

    mutating func append(_ element: Element) {
        if first == nil { first = element } else { later.append(element) }
    }

    func makeIterator() -> Iterator { Iterator(list: self) }

    struct Iterator: IteratorProtocol {
        let list: InlineFirstList
        /// -1 for `first`, then the index in `later`.
        var position = -1

        mutating func next() -> Element? {
            defer { position += 1 }
            if position < 0 { return list.first }
            return position < list.later.count ? list.later[position] : nil
        }
    }
}
