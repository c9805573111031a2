import SynodCore

/// What a log entry carries.
public enum EntryPayload: Hashable, Sendable {
    /// Appended by a new leader to commit entries of earlier terms (Raft §5.4.2).
    case noop
    /// An opaque state-machine command.
    case command([UInt8])
    /// A change of the group's membership.
    case configurationChange(ConfigurationChange)
}

/// One entry of a replicated log.
public struct LogEntry: Hashable, Sendable, CustomStringConvertible {
    public let term: Term
    public let index: LogIndex
    public let payload: EntryPayload

    public init(term: Term, index: LogIndex, payload: EntryPayload) {
        precondition(index > .zero, "log entries start at index 1")
        self.term = term
        self.index = index
        self.payload = payload
    }

    /// The bytes this entry costs in flow control and batching limits.
    public var sizeBytes: Int {
        let overhead = 24
        switch payload {
        case .noop: return overhead
        case .command(let data): return overhead + data.count
        case .configurationChange: return overhead + 16
        }
    }

    public var description: String {
        switch payload {
        case .noop: "\(term)/\(index) noop"
        case .command(let data): "\(term)/\(index) \(String(decoding: data, as: UTF8.self))"
        case .configurationChange(let change): "\(term)/\(index) \(change)"
        }
    }
}

extension Sequence<LogEntry> {
    /// The first entries, while their bytes (`LogEntry.sizeBytes`) add up to at most
    /// `bytesMax`; at least one, as a batch always carries one entry whatever its size.
    public func prefix(bytesMax: Int) -> [LogEntry] {
        var result: [LogEntry] = []
        var bytes = 0
        for entry in self {
            bytes += entry.sizeBytes
            if !result.isEmpty && bytes > bytesMax { break }
            result.append(entry)
        }
        return result
    }
}

/// A single-member change of a group's configuration.
public enum ConfigurationChange: Hashable, Sendable, CustomStringConvertible {
    /// Adds a non-voting member that receives the log and can later be promoted.
    case addLearner(NodeID)
    /// Adds a voter, or promotes a learner to voter.
    case addVoter(NodeID)
    /// Removes a voter or learner.
    case remove(NodeID)

    public var description: String {
        switch self {
        case .addLearner(let node): "add-learner \(node)"
        case .addVoter(let node): "add-voter \(node)"
        case .remove(let node): "remove \(node)"
        }
    }
}
