/// The requests being served in a simulation, soonest completion first: a binary min-heap.
///
/// Completions at the same time come out in the order their requests arrived, so a run never
/// depends on how the heap happens to break ties.
struct BalanceReportCompletionQueue {
    struct Completion {
        let completesAtMicroseconds: UInt64
        /// The request's position in the arrival order; unique.
        let requestIndex: Int
        let backendIndex: Int
        let arrivedAtMicroseconds: UInt64
        let fails: Bool

        func precedes(_ other: Completion) -> Bool {
            if completesAtMicroseconds != other.completesAtMicroseconds {
                return completesAtMicroseconds < other.completesAtMicroseconds
            }
            return requestIndex < other.requestIndex
        }
    }

    /// Invariant: every element precedes neither of its children.
    private var heap: [Completion] = []

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var first: Completion? { heap.first }

    mutating func insert(_ completion: Completion) {
        heap.append(completion)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() -> Completion {
        precondition(!heap.isEmpty, "no completion to remove")
        heap.swapAt(0, heap.count - 1)
        let removed = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count && heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return removed
    }
}
