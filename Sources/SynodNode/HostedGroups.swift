import SynodCore

/// The runtimes of the groups a node hosts, by group, read and changed in place.
///
/// A Dictionary of runtimes would copy a whole runtime (every buffer it holds retained and
/// released) each time one of its fields is read, which on the request path cost a third of a
/// 3-node leader's pipelined GET throughput; an array read through `_read` and `_modify`
/// does not copy.
struct HostedGroups<Runtime> {
    private var runtimes: [Runtime] = []
    private var positionOfGroup: [GroupID: Int] = [:]

    /// Whether the node hosts `group`.
    func hosts(_ group: GroupID) -> Bool { positionOfGroup[group] != nil }

    /// Every hosted group.
    var groups: Dictionary<GroupID, Int>.Keys { positionOfGroup.keys }

    /// Adds the runtime of a group the node did not host.
    mutating func add(_ runtime: Runtime, for group: GroupID) {
        precondition(positionOfGroup[group] == nil, "group \(group) is hosted twice")
        positionOfGroup[group] = runtimes.count
        runtimes.append(runtime)
    }

    /// The runtimes' positions, in the order they were added: what a round over every group
    /// walks, without hashing a group id per runtime (with many groups, the hashing of the
    /// rounds of idle groups was a fifth of an idle node's time).
    var positions: Range<Int> { runtimes.indices }

    /// The position of a hosted group's runtime; nil for a group the node does not host.
    func position(of group: GroupID) -> Int? { positionOfGroup[group] }

    /// The runtime at `position`, as `positions` walks them.
    subscript(position position: Int) -> Runtime {
        _read { yield runtimes[position] }
        _modify { yield &runtimes[position] }
    }

    /// The runtime of a hosted group (check `hosts` first for a group from the network).
    subscript(group: GroupID) -> Runtime {
        _read { yield runtimes[positionOfGroup[group]!] }
        _modify { yield &runtimes[positionOfGroup[group]!] }
    }
}
