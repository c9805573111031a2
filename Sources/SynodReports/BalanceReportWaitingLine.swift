/// One simulated backend's queue of requests waiting for a free slot, first in first out.
struct BalanceReportWaitingLine {
    struct Waiting {
        let requestIndex: Int
        let arrivedAtMicroseconds: UInt64
        let serviceMicroseconds: UInt64
        let fails: Bool
    }

    /// Invariant: `head <= elements.count`; the line is `elements[head...]`.
    private var elements: [Waiting] = []
    private var head = 0

    var count: Int { elements.count - head }

    mutating func append(_ waiting: Waiting) {
        elements.append(waiting)
    }

    mutating func popFirst() -> Waiting? {
        guard head < elements.count else { return nil }
        let first = elements[head]
        head += 1
        // Drop the consumed prefix once it is most of the storage, keeping pops O(1) amortized.
        if head >= 1_024 && head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return first
    }
}
