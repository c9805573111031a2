import SynodCore
import SynodRuntime

/// The runtimes of the groups a node hosts, by group, read and changed in place.
///
/// A Dictionary of runtimes would copy a whole runtime (every buffer it holds retained and
/// released) each time one of its fields is read, which on the request path cost a third of a
/// 3-node leader's pipelined GET throughput; an array read through `_read` and `_modify`
/// does not copy.
///
/// A runtime found quiet (`GroupRuntime.isQuiet`, noted with `noteQuiet`) stays so until it
/// is next changed: every change goes through `_modify`, which clears the mark, so the rounds
/// over every group pass a quiet one by without missing an input it got. A quiet runtime gets
/// its ticks in runs (`ticksDue`); `_modify` first gives it those it is owed, so that an input
/// finds it at the time it came: a leader woken by a read, then given ten ticks at once,
/// would count them against the followers' answers to its first heartbeats and step down.
struct HostedGroups<Runtime: TickedInRuns> {
    private var runtimes: [Runtime] = []
    private var positionOfGroup: [GroupID: Int] = [:]
    private var quiet: [Bool] = []
    /// Ticks each quiet runtime has not been given yet.
    private var ticksOwed: [Int] = []

    /// Whether the node hosts `group`.
    func hosts(_ group: GroupID) -> Bool { positionOfGroup[group] != nil }

    /// Every hosted group.
    var groups: Dictionary<GroupID, Int>.Keys { positionOfGroup.keys }

    /// Adds the runtime of a group the node did not host.
    mutating func add(_ runtime: Runtime, for group: GroupID) {
        precondition(positionOfGroup[group] == nil, "group \(group) is hosted twice")
        positionOfGroup[group] = runtimes.count
        runtimes.append(runtime)
        quiet.append(false)
        ticksOwed.append(0)
    }

    /// Whether the runtime at `position` was found quiet and has not changed since.
    func isQuiet(_ position: Int) -> Bool { quiet[position] }

    /// Marks the runtime at `position` quiet or not, as the caller found it.
    mutating func noteQuiet(_ position: Int, _ isQuiet: Bool) { quiet[position] = isQuiet }

    /// `ticks` more ticks passed: the ticks the runtime at `position` is to be given now (all
    /// those owed), or 0 while it is quiet and owed fewer than `run`.
    mutating func ticksDue(_ position: Int, adding ticks: Int, run: Int) -> Int {
        ticksOwed[position] += ticks
        guard !quiet[position] || ticksOwed[position] >= run else { return 0 }
        defer { ticksOwed[position] = 0 }
        return ticksOwed[position]
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
        _modify {
            wake(position)
            yield &runtimes[position]
        }
    }

    /// The runtime of a hosted group (check `hosts` first for a group from the network).
    subscript(group: GroupID) -> Runtime {
        _read { yield runtimes[positionOfGroup[group]!] }
        _modify {
            let position = positionOfGroup[group]!
            wake(position)
            yield &runtimes[position]
        }
    }

    /// The runtime at `position` is about to change: it is quiet no more, and gets the ticks
    /// it is owed first.
    private mutating func wake(_ position: Int) {
        quiet[position] = false
        guard ticksOwed[position] > 0 else { return }
        let owed = ticksOwed[position]
        ticksOwed[position] = 0
        runtimes[position].tick(owed)
    }
}

/// A runtime that takes a run of ticks at once (`GroupRuntime.tick`).
protocol TickedInRuns {
    mutating func tick(_ count: Int)
}

extension GroupRuntime: TickedInRuns {}
