/// One partition's call and return events in time order, as a doubly linked list over arrays.
///
/// Linearizing an operation removes ("lifts") its call and return events in O(1), and backtracking puts them back
/// ("unlifts") in O(1), because a removed node keeps its own links, as in Knuth's dancing links. Lifts and unlifts
/// must nest like a stack, which the search's backtracking guarantees. Node 0 is a head sentinel.
///
/// Events are ordered by time, and at equal times calls come before returns. An operation called at the very instant
/// another returns is thus treated as concurrent with it, so the search may order the two either way. That is the
/// conservative choice for a checker: with coarse clocks, equal times do not prove that one operation finished
/// first, and ordering returns first could report a violation that a finer clock would have explained away.
///
/// An operation without a return time (an indeterminate one: its return is at +infinity) has only a call event.
struct EntryList {
    /// What a node of the list stands for.
    enum Entry: Hashable, Sendable {
        case head
        /// An operation's call; `returnNode` is its return event, nil if it returns at +infinity.
        case call(operation: Int, returnNode: Int?)
        /// An operation's return.
        case returned(operation: Int)
    }

    /// The sentinel before the first event.
    static let headNode = 0
    private static let noNode = -1

    /// The events, indexed by node; node 0 is the head.
    let entries: [Entry]
    /// Invariant: for every node in the list, `previousNodes[nextNodes[node]] == node` (when there is a next).
    private var nextNodes: [Int]
    private var previousNodes: [Int]

    /// Orders the events of operations `0..<callTimes.count`; a nil return time means no return event.
    init(callTimes: [UInt64], returnTimes: [UInt64?]) {
        precondition(callTimes.count == returnTimes.count, "one return time per call time")
        let events = Self.sortedEvents(callTimes: callTimes, returnTimes: returnTimes)
        var returnNodes: [Int?] = Array(repeating: nil, count: callTimes.count)
        for (position, event) in events.enumerated() where event.isReturn {
            returnNodes[event.operation] = position + 1
        }
        var entries: [Entry] = [.head]
        entries.reserveCapacity(events.count + 1)
        for event in events {
            entries.append(
                event.isReturn
                    ? .returned(operation: event.operation)
                    : .call(operation: event.operation, returnNode: returnNodes[event.operation])
            )
        }
        self.entries = entries
        nextNodes = (0..<entries.count).map { $0 + 1 < entries.count ? $0 + 1 : Self.noNode }
        previousNodes = (0..<entries.count).map { $0 == Self.headNode ? Self.noNode : $0 - 1 }
    }

    /// The first event still in the list.
    var first: Int? { next(after: Self.headNode) }

    /// The event after `node`, which must be in the list or just lifted.
    func next(after node: Int) -> Int? {
        let next = nextNodes[node]
        return next == Self.noNode ? nil : next
    }

    /// Removes a call event and its return event: the operation is linearized.
    mutating func lift(callNode node: Int) {
        guard case .call(_, let returnNode) = entries[node] else {
            preconditionFailure("lifting non-call node \(node)")
        }
        unlink(node)
        if let returnNode { unlink(returnNode) }
    }

    /// Puts back a call event and its return event, undoing the latest `lift` not yet undone.
    mutating func unlift(callNode node: Int) {
        guard case .call(_, let returnNode) = entries[node] else {
            preconditionFailure("unlifting non-call node \(node)")
        }
        if let returnNode { relink(returnNode) }
        relink(node)
    }

    private mutating func unlink(_ node: Int) {
        let previous = previousNodes[node]
        let next = nextNodes[node]
        precondition(nextNodes[previous] == node, "unlinking node \(node), which is not in the list")
        nextNodes[previous] = next
        if next != Self.noNode { previousNodes[next] = previous }
    }

    private mutating func relink(_ node: Int) {
        let previous = previousNodes[node]
        let next = nextNodes[node]
        precondition(nextNodes[previous] == next, "relinking node \(node) out of order")
        nextNodes[previous] = node
        if next != Self.noNode { previousNodes[next] = node }
    }

    private struct Event {
        let time: UInt64
        let isReturn: Bool
        let operation: Int
    }

    /// Calls and returns by time, calls first at equal times, then by operation for a deterministic order.
    private static func sortedEvents(callTimes: [UInt64], returnTimes: [UInt64?]) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(callTimes.count * 2)
        for operation in callTimes.indices {
            events.append(Event(time: callTimes[operation], isReturn: false, operation: operation))
            if let returnTime = returnTimes[operation] {
                precondition(callTimes[operation] <= returnTime, "operation \(operation) returned before its call")
                events.append(Event(time: returnTime, isReturn: true, operation: operation))
            }
        }
        events.sort { left, right in
            (left.time, left.isReturn ? 1 : 0, left.operation) < (right.time, right.isReturn ? 1 : 0, right.operation)
        }
        return events
    }
}
