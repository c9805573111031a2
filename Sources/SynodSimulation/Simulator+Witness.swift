import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRuntime

/// The commands of the Redis surface, checked against the committed log, which every replica
/// applies in one order: the log is the witness of a linearization.
///
/// The committed entries are replayed on a fresh state machine; the first copy of each client
/// request in the log is where it took effect, and what the state machine gave there is its
/// result (the state machine itself is the sequential specification, checked against
/// redis-server by the differential tests). Then, for every command a client sent:
/// - answered with a result: it is in the log, exactly there, and the answer is that result
///   (a blocked list command takes effect, and gets its result, where a later entry serves it
///   or ends its wait);
/// - refused (TRYAGAIN, NOTLEADER): it is not in the log at all;
/// - answered before another one was sent: it is earlier in the log (real-time order);
/// - a read pipelined behind a write that reached the leader with it sees that write or a
///   later state (session order).
extension Simulator {
    /// Where each client request took effect in the log, and what it gave.
    struct LogPlacement {
        let index: UInt64
        let result: KeyValueResult
    }

    /// The committed log replayed (of every group, when the run has several: a request and a
    /// register key belong to one).
    struct ReplayedLog {
        /// Each client request's placement.
        var placements: [RequestKey: LogPlacement] = [:]
        /// The shards whose logs were replayed.
        var witnessed: Set<Int> = []
        /// Each register key's values, with the index from which each held, oldest first.
        var registerValues: [UInt8: [(index: UInt64, value: UInt64?)]] = [:]

        /// The values `key` held at `index` and after.
        func values(of key: UInt8, from index: UInt64) -> [UInt64?] {
            let history = registerValues[key] ?? []
            let current = history.lastIndex { $0.index <= index }
            let start = current ?? history.startIndex
            return (current == nil ? [nil] : []) + history[start...].map(\.value)
        }
    }

    /// Every group's committed log replayed, the groups in which some index was never applied
    /// from the log on any node left out (nothing to witness there), or nil if no group's log
    /// can be witnessed.
    func replayCommittedLogs() -> ReplayedLog? {
        var replayed = ReplayedLog()
        for shard in shards {
            guard let log = replayCommittedLog(shard) else { continue }
            replayed.witnessed.insert(shard)
            replayed.placements.merge(log.placements) { first, _ in first }
            for (key, values) in log.registerValues
            where self.shard(of: .get(key: key)) == shard {
                replayed.registerValues[key] = values
            }
        }
        return replayed.witnessed.isEmpty ? nil : replayed
    }

    /// One group's committed log replayed, or nil if some index was never applied from the
    /// log on any node.
    func replayCommittedLog(_ shard: Int) -> ReplayedLog? {
        let entries = checkers[shard].appliedEntries
        guard let last = entries.keys.max() else { return ReplayedLog() }
        var model = KeyValueStore()
        var replayed = ReplayedLog()
        // Blocked list commands, by ticket: they take effect where a later entry answers them.
        var blocked: [UInt64: RequestKey] = [:]
        for rawIndex in 1...last.rawValue {
            guard let entry = entries[LogIndex(rawIndex)] else { return nil }
            // Noops and membership changes carry no command. An entry that does not decode is
            // skipped here as `KeyValueStore.skip` does; it is not the witness's to judge (the
            // nodes' own apply refuses it, and the simulation fails there).
            guard case .command(let bytes) = entry.payload, let decoded = try? KeyValueEntry(decoding: bytes) else {
                model.skip(index: rawIndex)
                continue
            }
            let applied = model.applyReporting(decoded, at: rawIndex)
            for key in 0..<UInt8(options.keyCount) {
                let value = SimulatedCommand.number(
                    model.value(of: SimulatedCommand.key(key), at: decoded.timeMilliseconds)
                )
                if replayed.registerValues[key]?.last?.value != value || replayed.registerValues[key] == nil {
                    replayed.registerValues[key, default: []].append((rawIndex, value))
                }
            }
            for case .answered(let ticket, let result) in applied.events {
                guard let key = blocked.removeValue(forKey: ticket) else { continue }
                replayed.placements[key] = LogPlacement(index: rawIndex, result: result)
            }
            guard decoded.session != 0, !applied.isCopy else { continue }
            let key = RequestKey(session: decoded.session, requestID: decoded.requestID)
            replayed.placements[key] = LogPlacement(index: rawIndex, result: applied.result)
            if applied.result == .waiting, case .list(.blocking) = decoded.command { blocked[decoded.requestID] = key }
        }
        return replayed
    }

    /// Checks every client write of the history against the committed log, and notes which
    /// commands took effect (`SimulationStatistics.coveredCommands`).
    mutating func checkAgainstCommittedLog() -> SimulationFailure? {
        guard let replayed = replayCommittedLogs() else {
            record("committed log not witnessed: an index was applied from a snapshot only")
            return nil
        }
        if let failure = checkPipelinedReads(replayed) { return failure }
        let placements = replayed.placements
        var placed: [(history: Int, shard: Int, index: UInt64)] = []
        for (position, entry) in history.enumerated() where entry.operation.isWrite {
            let shard = shard(of: entry.operation)
            guard replayed.witnessed.contains(shard) else { continue }
            let placement = placements[RequestKey(session: UInt64(entry.clientID + 1), requestID: entry.requestID)]
            if let placement {
                statistics.coveredCommands.formUnion(Self.commandNames(of: entry.operation))
                placed.append((position, shard, placement.index))
            }
            let what = "client \(entry.clientID) #\(entry.requestID) \(entry.operation)"
            switch (entry.reply, placement) {
            case (.result(let result)?, let placement?) where result != placement.result:
                return Self.witnessFailure(
                    "\(what) was answered \(result), but at index \(placement.index) it gave \(placement.result)"
                )
            case (.result?, nil):
                return Self.witnessFailure("\(what) was answered, but it is not in the committed log")
            case (.redirect?, let placement?):
                return Self.witnessFailure(
                    "\(what) was refused as not applied, but it took effect at index \(placement.index)"
                )
            default:
                break
            }
        }
        // Real time: a write answered before another was sent comes first in its group's log.
        for shard in shards {
            if let failure = checkRealTimeOrder(placed.filter { $0.shard == shard }.map { ($0.history, $0.index) }) {
                return failure
            }
        }
        return nil
    }

    /// A write answered before another was sent comes first in the log: `placed` are the
    /// history positions of one log's writes and their indexes.
    private func checkRealTimeOrder(_ placed: [(history: Int, index: UInt64)]) -> SimulationFailure? {
        struct Placed {
            let history: Int
            let index: UInt64
            let call: UInt64
            let returned: UInt64?
        }
        let placed = placed.map { write in
            let entry = history[write.history]
            return Placed(
                history: write.history,
                index: write.index,
                call: entry.callMicroseconds,
                returned: entry.reply == nil ? nil : entry.returnMicroseconds
            )
        }
        let answered = placed.filter { $0.returned != nil }.sorted { $0.returned! < $1.returned! }
        var latestIndex: [UInt64] = []
        for write in answered { latestIndex.append(max(latestIndex.last ?? 0, write.index)) }
        for write in placed {
            // The answered writes that returned before this one was sent: a prefix.
            var low = 0
            var high = answered.count
            while low < high {
                let middle = (low + high) / 2
                if answered[middle].returned! < write.call { low = middle + 1 } else { high = middle }
            }
            guard low > 0, latestIndex[low - 1] >= write.index else { continue }
            let earlier = answered[..<low].first { $0.index >= write.index }!
            return Self.witnessFailure(
                "client \(history[earlier.history].clientID) #\(history[earlier.history].requestID) "
                    + "\(history[earlier.history].operation) was answered before "
                    + "client \(history[write.history].clientID) #\(history[write.history].requestID) "
                    + "\(history[write.history].operation) was sent, yet took effect later (index \(earlier.index) "
                    + "after \(write.index))"
            )
        }
        return nil
    }

    /// A read pipelined behind a write that applied through the same connection is served
    /// after the write: it sees the write's state or a later one. (A write refused there, or
    /// of unknown outcome, may apply later through the client's retry on another connection.)
    func checkPipelinedReads(_ replayed: ReplayedLog) -> SimulationFailure? {
        for ticket in pipelinedReads.keys.sorted() {
            let read = pipelinedReads[ticket]!
            guard read.writeApplied, case .value(let value)? = read.answer,
                let write = replayed.placements[
                    RequestKey(session: UInt64(read.clientID + 1), requestID: read.writeRequestID)
                ]
            else { continue }
            let possible = replayed.values(of: read.key, from: write.index)
            if !possible.contains(value) {
                return SimulationFailure(
                    kind: .safety,
                    check: "session-order",
                    detail:
                        "client \(read.clientID) pipelined a read of key \(read.key) behind #\(read.writeRequestID) "
                        + "(index \(write.index)) and read \(value.map(String.init) ?? "nothing"), a value from "
                        + "before its own write (from index \(write.index) on, the key held "
                        + "\(possible.prefix(4).map { $0.map(String.init) ?? "nothing" }.joined(separator: ", "))"
                        + (possible.count > 4 ? ", ...)" : ")")
                )
            }
        }
        return nil
    }

    static func witnessFailure(_ detail: String) -> SimulationFailure {
        SimulationFailure(kind: .safety, check: "committed-log-witness", detail: detail)
    }

    /// The command names an operation sends, lowercased.
    static func commandNames(of operation: ClientOperation) -> [String] {
        func name(_ words: [[UInt8]]) -> String { String(decoding: words[0], as: UTF8.self).lowercased() }
        switch operation {
        case .get, .readResource: return ["get"]
        case .command(let words, _): return [name(words)]
        case .transaction(let commands): return ["multi", "exec"] + commands.map(name)
        case .write(.put), .write(.fencedPut): return ["set"]
        case .write(.compareAndSet): return ["cas"]
        case .write(.delete): return ["del"]
        case .write(.acquire), .write(.waitAcquire): return ["lock.acquire"]
        case .write(.release), .write(.waitRelease): return ["lock.release"]
        case .write(.leaseGrant): return ["lease.grant"]
        case .write(.leaseKeepAlive): return ["lease.keepalive"]
        }
    }

    /// Every write command the node knows (`CommandRegistry`).
    public static var registeredWriteCommands: [String] {
        CommandRegistry.writeCommandNames
    }
}
