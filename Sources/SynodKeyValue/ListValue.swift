import DequeModule

/// A list's elements, with the bytes they hold counted as they change, so memory accounting
/// reads a list's size in O(1) however long it is. Pushing and popping at either end is O(1)
/// (a ring buffer); the store keeps a list uniquely referenced while a command changes it, so
/// a push does not copy the list (`KeyValueStore.updateList`).
///
/// Invariant: `elementBytes` is the sum of the elements' counts.
public struct ListValue: Hashable, Sendable {
    public private(set) var elements: Deque<[UInt8]>
    public private(set) var elementBytes: Int

    public init<Elements: Sequence<[UInt8]>>(_ elements: Elements) {
        self.elements = Deque(elements)
        elementBytes = self.elements.reduce(0) { $0 + $1.count }
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    /// Which end of a list a command takes from or adds to (Redis's LEFT / RIGHT).
    public enum End: UInt8, Hashable, Sendable {
        /// The head: index 0.
        case left = 0
        /// The tail.
        case right = 1
    }

    mutating func push(_ element: [UInt8], at end: End) {
        elementBytes += element.count
        switch end {
        case .left: elements.prepend(element)
        case .right: elements.append(element)
        }
    }

    /// Removes and returns the element at `end`; nil when empty.
    mutating func pop(at end: End) -> [UInt8]? {
        guard !elements.isEmpty else { return nil }
        let element = end == .left ? elements.removeFirst() : elements.removeLast()
        elementBytes -= element.count
        return element
    }

    mutating func replace(at index: Int, with element: [UInt8]) {
        elementBytes += element.count - elements[index].count
        elements[index] = element
    }

    mutating func insert(_ element: [UInt8], at index: Int) {
        elementBytes += element.count
        elements.insert(element, at: index)
    }

    mutating func remove(at index: Int) {
        elementBytes -= elements[index].count
        elements.remove(at: index)
    }

    /// Keeps the elements in `range` only: O(elements removed).
    mutating func keep(_ range: Range<Int>) {
        for element in elements[range.upperBound...] { elementBytes -= element.count }
        for element in elements[..<range.lowerBound] { elementBytes -= element.count }
        elements.removeLast(elements.count - range.upperBound)
        elements.removeFirst(range.lowerBound)
    }
}

extension ListValue {
    /// LREM: removes up to `limit` elements equal to `element`, from the tail when
    /// `fromTail`; returns how many. O(count) once, however many are removed.
    mutating func removeOccurrences(of element: [UInt8], limit: Int, fromTail: Bool) -> Int {
        var removed = 0
        var kept = Deque<[UInt8]>()
        kept.reserveCapacity(elements.count)
        let order = fromTail ? Array(elements.indices.reversed()) : Array(elements.indices)
        for index in order {
            if removed < limit && elements[index] == element {
                removed += 1
                elementBytes -= element.count
            } else {
                kept.append(elements[index])
            }
        }
        guard removed > 0 else { return 0 }
        elements = fromTail ? Deque(kept.reversed()) : kept
        return removed
    }
}
