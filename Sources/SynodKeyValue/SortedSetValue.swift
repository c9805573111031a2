/// One member of a sorted set and its score.
public struct ScoredMember: Hashable, Sendable {
    public let member: [UInt8]
    public let score: Double

    public init(member: [UInt8], score: Double) {
        self.member = member
        self.score = score
    }

    /// Redis's order: by score, then by the members' bytes.
    func precedes(_ other: ScoredMember) -> Bool {
        score != other.score ? score < other.score : member.lexicographicallyPrecedes(other.member)
    }
}

/// A sorted set: each member's score by member, and the members in Redis's order (score, then
/// bytes) in runs of at most `runMax`, so that adding, removing and finding a member's rank
/// cost a binary search and a move within one run, plus one step per run for a rank. The runs
/// follow from the commands, but two sets with the same scores are equal however their runs
/// are cut (a set rebuilt from a snapshot is cut differently from one built member by member).
///
/// Invariants: every run is non-empty and ordered, the runs in order are the members in
/// order, `scores` holds exactly the members of the runs, `memberBytes` is their byte count,
/// and no score is NaN.
public struct SortedSetValue: Hashable, Sendable {
    public private(set) var scores: [[UInt8]: Double]
    private var runs: [[ScoredMember]]
    public private(set) var memberBytes: Int

    /// The longest run; a longer one is cut in two.
    static let runMax = 128

    public init<Members: Sequence<ScoredMember>>(_ members: Members) {
        scores = [:]
        runs = []
        memberBytes = 0
        for member in members { update(member.member, to: member.score) }
    }

    /// The set of these members and scores, ordered in one sort.
    init(scores: [[UInt8]: Double]) {
        precondition(!scores.values.contains(where: \.isNaN), "a NaN score")
        self.scores = scores.mapValues { $0 == 0 ? 0 : $0 }
        let ordered = self.scores.map { ScoredMember(member: $0.key, score: $0.value) }.sorted { $0.precedes($1) }
        let runLength = Self.runMax / 2
        runs = stride(from: 0, to: ordered.count, by: runLength).map {
            Array(ordered[$0..<min($0 + runLength, ordered.count)])
        }
        memberBytes = ordered.reduce(0) { $0 + $1.member.count }
    }

    public static func == (left: SortedSetValue, right: SortedSetValue) -> Bool { left.scores == right.scores }
    public func hash(into hasher: inout Hasher) { hasher.combine(scores) }

    public var count: Int { scores.count }
    public var isEmpty: Bool { scores.isEmpty }

    /// Every member in order, lowest first.
    public var ordered: FlattenSequence<[[ScoredMember]]> { runs.joined() }

    /// Sets `member`'s score (adding it if it is new); true if it is new.
    @discardableResult
    mutating func update(_ member: [UInt8], to score: Double) -> Bool {
        precondition(!score.isNaN, "a NaN score")
        // -0 is kept as 0, as Redis's compact encoding does.
        let score = score == 0 ? 0 : score
        let old = scores.updateValue(score, forKey: member)
        if let old {
            if old == score { return false }
            removeFromRuns(ScoredMember(member: member, score: old))
        } else {
            memberBytes += member.count
        }
        insertIntoRuns(ScoredMember(member: member, score: score))
        return old == nil
    }

    /// Removes `member`; false if it was not there.
    @discardableResult
    mutating func remove(_ member: [UInt8]) -> Bool {
        guard let score = scores.removeValue(forKey: member) else { return false }
        memberBytes -= member.count
        removeFromRuns(ScoredMember(member: member, score: score))
        return true
    }

    /// The member's rank, lowest first; nil if it is not there.
    public func rank(of member: [UInt8]) -> Int? {
        guard let score = scores[member] else { return nil }
        return countPreceding { $0.precedes(ScoredMember(member: member, score: score)) }
    }

    /// How many members come before the first one for which `isBefore` is false; `isBefore`
    /// must hold for a prefix of the members in order.
    public func countPreceding(_ isBefore: (ScoredMember) -> Bool) -> Int {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(runs[middle].last!) { low = middle + 1 } else { high = middle }
        }
        var rank = runs[..<low].reduce(0) { $0 + $1.count }
        if low < runs.count { rank += Self.partition(runs[low], isBefore) }
        return rank
    }

    /// The members at `ranks`, lowest first.
    public func members(at ranks: Range<Int>) -> [ScoredMember] {
        var found: [ScoredMember] = []
        found.reserveCapacity(ranks.count)
        var start = 0
        for run in runs {
            let end = start + run.count
            if end > ranks.lowerBound, start < ranks.upperBound {
                found += run[(max(ranks.lowerBound, start) - start)..<(min(ranks.upperBound, end) - start)]
            }
            if end >= ranks.upperBound { break }
            start = end
        }
        return found
    }

    /// Removes the members at `ranks`, and answers them lowest first.
    @discardableResult
    mutating func removeMembers(at ranks: Range<Int>) -> [ScoredMember] {
        let removed = members(at: ranks)
        for member in removed { remove(member.member) }
        return removed
    }

    private static func partition(_ run: [ScoredMember], _ isBefore: (ScoredMember) -> Bool) -> Int {
        var low = 0
        var high = run.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(run[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The run `member` belongs in (the first whose last member does not precede it, else the
    /// last run), and its position there.
    private func place(of member: ScoredMember) -> (run: Int, offset: Int) {
        var low = 0
        var high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].last!.precedes(member) { low = middle + 1 } else { high = middle }
        }
        let run = min(low, runs.count - 1)
        return (run, Self.partition(runs[run]) { $0.precedes(member) })
    }

    private mutating func insertIntoRuns(_ member: ScoredMember) {
        guard !runs.isEmpty else {
            runs = [[member]]
            return
        }
        let (run, offset) = place(of: member)
        runs[run].insert(member, at: offset)
        if runs[run].count > Self.runMax {
            let upper = Array(runs[run][(Self.runMax / 2)...])
            runs[run].removeSubrange((Self.runMax / 2)...)
            runs.insert(upper, at: run + 1)
        }
    }

    private mutating func removeFromRuns(_ member: ScoredMember) {
        let (run, offset) = place(of: member)
        precondition(runs[run][offset] == member, "a member missing from the order")
        runs[run].remove(at: offset)
        if runs[run].isEmpty {
            runs.remove(at: run)
        } else if run + 1 < runs.count, runs[run].count + runs[run + 1].count <= Self.runMax / 2 {
            // Two small neighbours become one, so removals do not leave many tiny runs.
            runs[run] += runs.remove(at: run + 1)
        }
    }
}
