/// A request being served in a balance simulation, ordered by completion time.
///
/// Completions at the same time order by arrival, so a run never depends on how the heap
/// (swift-collections' `Heap`) happens to break ties.
struct BalanceReportCompletion: Comparable {
    let completesAtMicroseconds: UInt64
    /// The request's position in the arrival order; unique.
    let requestIndex: Int
    let backendIndex: Int
    let arrivedAtMicroseconds: UInt64
    let fails: Bool

    static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.completesAtMicroseconds != rhs.completesAtMicroseconds {
            return lhs.completesAtMicroseconds < rhs.completesAtMicroseconds
        }
        return lhs.requestIndex < rhs.requestIndex
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.requestIndex == rhs.requestIndex }
}
