import SynodCore

/// The runtimes of the groups a node hosts, by group, read and changed in place.
///
/// A Dictionary of runtimes would copy a whole runtime (every buffer it holds retained and
/// released) each time one of its fields is read, which on the request path cost a third of a
/// 3-node leader's pipelined GET throughput; an array read through `_read` and `_modify`
/// does not copy.
struct HostedGroups<Runtime> {
    private var runtimes: [Runtime] = []
    private var positions: [GroupID: Int] = [:]

    /// Whether the node hosts `group`.
    func hosts(_ group: GroupID) -> Bool { positions[group] != nil }

    /// Every hosted group.
    var groups: Dictionary<GroupID, Int>.Keys { positions.keys }

    /// Adds the runtime of a group the node did not host.
    mutating func add(_ runtime: Runtime, for group: GroupID) {
        precondition(positions[group] == nil, "group \(group) is hosted twice")
        positions[group] = runtimes.count
        runtimes.append(runtime)
    }

    /// The runtime of a hosted group (check `hosts` first for a group from the network).
    subscript(group: GroupID) -> Runtime {
        _read { yield runtimes[positions[group]!] }
        _modify { yield &runtimes[positions[group]!] }
    }
}
