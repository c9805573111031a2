import HeapModule

/// Timed events, earliest first (swift-collections' `Heap`). Events at the same time come out
/// in the order they were scheduled, so a run never depends on the heap's internal layout.
struct EventQueue<Event: Sendable>: Sendable {
    private struct Item: Comparable, Sendable {
        let time: UInt64
        let sequence: UInt64
        let event: Event

        static func < (lhs: Item, rhs: Item) -> Bool {
            lhs.time != rhs.time ? lhs.time < rhs.time : lhs.sequence < rhs.sequence
        }

        static func == (lhs: Item, rhs: Item) -> Bool { lhs.time == rhs.time && lhs.sequence == rhs.sequence }
    }

    private var heap = Heap<Item>()
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func schedule(_ event: Event, at time: UInt64) {
        heap.insert(Item(time: time, sequence: nextSequence, event: event))
        nextSequence += 1
    }

    mutating func popFirst() -> (time: UInt64, event: Event)? {
        guard let first = heap.popMin() else { return nil }
        return (first.time, first.event)
    }
}
