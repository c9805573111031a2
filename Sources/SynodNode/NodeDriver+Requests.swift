import NIOCore
import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft

/// Client requests: writes go through the log, reads wait for a ReadIndex.
extension NodeDriver {
    /// Why a request cannot be served here.
    func notLeaderError() -> KeyValueResult {
        guard let leader = replica.leader else { return .error("TRYAGAIN no leader elected yet") }
        let address = configuration.initialCluster[leader].map { " (peer address \($0))" } ?? ""
        return .error("NOTLEADER node \(leader.rawValue) leads\(address); send requests to it")
    }

    func write(_ command: KeyValueCommand, promise: EventLoopPromise<KeyValueResult>) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        let requestID = nextRequestID
        nextRequestID += 1
        let entry = KeyValueEntry(
            requestID: requestID,
            timeMilliseconds: Self.wallClockMilliseconds(),
            command: command
        )
        do {
            try replica.propose(entry.encoded)
        } catch {
            if case .notLeader = error { return promise.succeed(notLeaderError()) }
            return promise.succeed(.error("TRYAGAIN \(error)"))
        }
        pendingWrites[requestID] = promise
        queueReadyProcessing()
    }

    func read(_ command: ReadCommand, promise: EventLoopPromise<KeyValueResult>) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard !stopped else { return promise.succeed(.error("ERR node stopping")) }
        let requestID = nextRequestID
        nextRequestID += 1
        do {
            try replica.readIndex(context: requestID)
        } catch {
            if case .notLeader = error { return promise.succeed(notLeaderError()) }
            return promise.succeed(.error("TRYAGAIN \(error)"))
        }
        pendingReads[requestID] = PendingRead(command: command, promise: promise)
        queueReadyProcessing()
    }

    /// Answers a read from the state machine, at the leader's clock.
    func serve(_ command: ReadCommand) -> KeyValueResult {
        let now = Self.wallClockMilliseconds()
        switch command {
        case .get(let key):
            return store.value(of: key, at: now).map { .value($0) } ?? .null
        case .multiGet(let keys):
            return .values(keys.map { store.value(of: $0, at: now) })
        case .exists(let keys):
            return .integer(Int64(keys.filter { store.value(of: $0, at: now) != nil }.count))
        case .timeToLive(let key, let inMilliseconds):
            let remaining = store.remainingMilliseconds(of: key, at: now)
            guard remaining >= 0, !inMilliseconds else { return .integer(remaining) }
            return .integer((remaining + 500) / 1000)
        case .keyCount:
            return .integer(Int64(store.keyCount))
        }
    }
}
