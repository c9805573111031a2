import OrderedCollections

/// A set's members, with the bytes they hold counted as they change (as `ListValue`). The
/// members keep an order that follows from the commands alone (a new member goes last; a
/// removed one's place is taken by the last), the same on every replica and through a
/// snapshot, so SPOP can choose by position and SMEMBERS answers alike everywhere. Adding,
/// removing and choosing a member are O(1).
///
/// Invariant: `memberBytes` is the sum of the members' counts.
public struct SetValue: Hashable, Sendable {
    public private(set) var members: OrderedSet<[UInt8]>
    public private(set) var memberBytes: Int

    public init<Members: Sequence<[UInt8]>>(_ members: Members) {
        self.members = OrderedSet(members)
        memberBytes = self.members.reduce(0) { $0 + $1.count }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    public func contains(_ member: [UInt8]) -> Bool { members.contains(member) }

    /// Adds `member`; false if it was there.
    @discardableResult
    mutating func insert(_ member: [UInt8]) -> Bool {
        guard members.append(member).inserted else { return false }
        memberBytes += member.count
        return true
    }

    /// Removes `member`; false if it was not there.
    @discardableResult
    mutating func remove(_ member: [UInt8]) -> Bool {
        guard let index = members.firstIndex(of: member) else { return false }
        _ = remove(at: index)
        return true
    }

    /// Removes the member at `index`, the last member taking its place.
    mutating func remove(at index: Int) -> [UInt8] {
        let last = members.count - 1
        if index != last { members.swapAt(index, last) }
        let member = members.removeLast()
        memberBytes -= member.count
        return member
    }
}
