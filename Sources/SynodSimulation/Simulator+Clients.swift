import SynodCommands
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPartitioning
import SynodRaft
import SynodRuntime

/// Simulated clients: one operation at a time, redirects followed, timeouts recorded as
/// operations whose outcome is unknown.
extension Simulator {
    mutating func clientSend(_ clientID: Int) {
        guard clients[clientID].outstanding == nil, !clients[clientID].stopped else { return }
        let operation = randomOperation(clientID)
        let requestID = nextRequestID
        nextRequestID += 1
        if random.nextBool(probability: 0.1) {
            clients[clientID].leaderGuess = members[random.nextIndex(below: members.count)]
        }
        // Every earlier operation was answered or given up.
        clients[clientID].acknowledgedBelow = requestID
        history.append(
            ClientHistoryEntry(clientID: clientID, requestID: requestID, operation: operation, callMicroseconds: now)
        )
        clients[clientID].outstanding = (requestID, history.count - 1, clients[clientID].leaderGuess, 0)
        clients[clientID].pipelinedRead = nil
        if let key = operation.key, operation.isWrite, random.nextBool(probability: options.pipelineProbability) {
            // A read of the same key right behind the write, in the same pipeline.
            let readID = nextRequestID
            nextRequestID += 1
            clients[clientID].pipelinedRead = readID
            pipelinedReadBehind[Self.ticket(client: clientID, requestID: requestID)] = Self.ticket(
                client: clientID,
                requestID: readID
            )
            pipelinedReads[Self.ticket(client: clientID, requestID: readID)] = PipelinedRead(
                clientID: clientID,
                writeRequestID: requestID,
                key: key
            )
        }
        sendAttempt(clientID)
    }

    /// Sends the client's outstanding operation (again) to its leader guess, same id.
    private mutating func sendAttempt(_ clientID: Int) {
        guard var outstanding = clients[clientID].outstanding else { return }
        let target = clients[clientID].leaderGuess
        outstanding.node = target
        outstanding.attempts += 1
        clients[clientID].outstanding = outstanding
        let request = SimulatedRequest(
            requestID: outstanding.requestID,
            operation: history[outstanding.historyIndex].operation,
            session: UInt64(clientID + 1),
            acknowledgedBelow: clients[clientID].acknowledgedBelow,
            attempt: outstanding.attempts,
            // The pipelined read goes with the first attempt only.
            followingRead: outstanding.attempts == 1 ? clients[clientID].pipelinedRead : nil
        )
        record(
            "client \(clientID) sends #\(request.requestID) \(request.operation) to \(target) (attempt \(request.attempt))"
        )
        queue.schedule(
            .requestArrives(node: Int(target.rawValue) - 1, client: clientID, request: request),
            at: now + draw(options.networkLatencyMicroseconds)
        )
        queue.schedule(
            .clientTimeout(client: clientID, requestID: request.requestID, attempt: request.attempt),
            at: now + options.clientTimeoutMicroseconds
        )
    }

    private mutating func randomOperation(_ clientID: Int) -> ClientOperation {
        let key = UInt8(random.nextIndex(below: options.keyCount))
        // Values are unique per run, so the checker can tell every write apart.
        let value = nextRequestID
        if random.nextBool(probability: options.commandOperationProbability) {
            let owner = "c\(clientID)"
            let lease = clients[clientID].leases.last
            let mayFlush = options.commandOperationProbability == 1
            if random.nextBool(probability: options.transactionProbability) {
                let count = 1 + random.nextIndex(below: 4)
                let commands = (0..<count).map { _ in
                    SimulatedWords.command(&random, value: value, owner: owner, lease: lease, mayFlush: mayFlush)
                        .map { Array($0.utf8) }
                }
                return .transaction(commands: commands)
            }
            let words = SimulatedWords.command(&random, value: value, owner: owner, lease: lease, mayFlush: mayFlush)
                .map { Array($0.utf8) }
            let isWrite: Bool
            if case .success(.read) = CommandParser.parse(words) { isWrite = false } else { isWrite = true }
            return .command(words: words, isWrite: isWrite)
        }
        if random.nextBool(probability: options.lockOperationProbability / 2) {
            // Leases, TTLs and waits: checked by each node's LockWaitChecker.
            let lock = UInt8(random.nextIndex(below: 2))
            let lease = clients[clientID].leases.last
            switch random.nextIndex(below: 8) {
            case 0: return .write(.leaseGrant(ttlMilliseconds: Int64(20 + random.nextIndex(below: 600))))
            case 1: return .write(.leaseKeepAlive(id: lease ?? 1))
            case 2..<6:
                return .write(
                    .waitAcquire(
                        lock: lock,
                        owner: clientID,
                        ttlMilliseconds: Int64(20 + random.nextIndex(below: 500)),
                        waitMilliseconds: Int64(random.nextIndex(below: 1_000)),
                        lease: random.nextBool(probability: 0.7) ? lease : nil
                    )
                )
            default: return .write(.waitRelease(lock: lock, owner: clientID))
            }
        }
        if random.nextBool(probability: options.lockOperationProbability) {
            let lock = UInt8(random.nextIndex(below: 2))
            switch random.nextIndex(below: 8) {
            case 0..<3: return .write(.acquire(lock: lock, owner: clientID))
            case 3..<5: return .write(.release(lock: lock, owner: clientID))
            case 5..<7:
                // Usually the token this client was granted (possibly no longer the newest);
                // sometimes one it never had.
                let token = clients[clientID].tokens[lock] ?? UInt64(1 + random.nextIndex(below: 1_000))
                return .write(.fencedPut(lock: lock, token: token, value: value))
            default: return .readResource(lock: lock)
            }
        }
        switch random.nextIndex(below: 10) {
        case 0..<4: return .get(key: key)
        case 4..<7: return .write(.put(key: key, value: value))
        case 7..<9:
            let expected: UInt64? = random.nextBool(probability: 0.2) ? nil : lastValueSeen(key: key)
            return .write(.compareAndSet(key: key, expected: expected, new: value))
        default: return .write(.delete(key: key))
        }
    }

    /// A recent value of `key` from the history, so compare-and-set often succeeds.
    private func lastValueSeen(key: UInt8) -> UInt64? {
        for entry in history.reversed() where entry.operation.key == key {
            switch (entry.operation, entry.reply) {
            case (.get, .value(let value)?): return value
            case (.write(.put(_, let value)), _): return value
            case (.write(.compareAndSet(_, _, let new)), _): return new
            default: continue
            }
        }
        return nil
    }

    /// A client's request reaches a node: its runtime serves it as the node would (a
    /// follower forwards it to the leader), with the client's own identity for a write.
    mutating func requestArrives(at position: Int, from clientID: Int, _ request: SimulatedRequest) {
        guard position < nodes.count, nodes[position].isUp else { return }
        let ticket = Self.ticket(client: clientID, requestID: request.requestID, attempt: request.attempt)
        var requestID = request.requestID
        if options.mutation == .retryWithoutIdentity && request.attempt > 1 {
            // The planted bug: a client that sends a write again as a new request.
            requestID = nextRequestID
            nextRequestID += 1
        }
        // Each client is one connection (its origin): its reads wait for its own earlier
        // writes only.
        let origin = UInt64(clientID + 1)
        let shard = shard(of: request.operation)
        switch Self.parsed(request.operation, requestID: requestID, bigValueBytes: options.bigValueBytes) {
        case .read(let read):
            nodes[position].shards[shard].runtime!.read(read, origin: origin, ticket: ticket)
        case .refused(let error):
            // Refused by the node's parser: answered at once, nothing replicated.
            return replyToClient(ticket: ticket, .error(error))
        case .write(let command):
            nodes[position].shards[shard].runtime!.write(
                command,
                origin: origin,
                ticket: ticket,
                identity: ClientIdentity(
                    session: request.session,
                    requestID: requestID,
                    acknowledgedBelow: request.acknowledgedBelow
                )
            )
        }
        if let readID = request.followingRead, let key = request.operation.key {
            // In the same pipeline, so in the same read of the socket: nothing comes between.
            let readTicket = Self.ticket(client: clientID, requestID: readID)
            record("client \(clientID) pipelines #\(readID) get(\(key)) to n\(position + 1)")
            nodes[position].shards[shard].runtime!.read(
                .get(key: SimulatedCommand.key(key)),
                origin: origin,
                ticket: readTicket
            )
        }
        afterInput(position, shard)
    }

    /// The shard an operation goes to: a register's or a lock's by the slot of its key (the
    /// lock's name; its fenced resource goes with it), as the node routes keys; leases, the
    /// locks that wait and the Redis words to the first, which holds their keys and leases.
    func shard(of operation: ClientOperation) -> Int {
        let division = SlotDivision(shardCount: options.shardCount)
        switch operation {
        case .get(let key), .write(.put(let key, _)), .write(.compareAndSet(let key, _, _)), .write(.delete(let key)):
            return division.shard(of: SimulatedCommand.key(key))
        case .readResource(let lock), .write(.acquire(let lock, _)), .write(.release(let lock, _)),
            .write(.fencedPut(let lock, _, _)):
            return division.shard(of: SimulatedCommand.lockName(lock))
        case .write(.leaseGrant), .write(.leaseKeepAlive), .write(.waitAcquire), .write(.waitRelease), .command,
            .transaction:
            return 0
        }
    }

    /// What a node makes of an operation: a write, a read, or a refusal of its words.
    enum Parsed {
        case write(KeyValueCommand)
        case read(ReadCommand)
        case refused(KeyValueError)
    }

    static func parsed(_ operation: ClientOperation, requestID: UInt64, bigValueBytes: Int) -> Parsed {
        switch operation {
        case .get, .readResource:
            return .read(.get(key: operation.readKey!))
        case .write(let write):
            return .write(
                SimulatedCommand(requestID: requestID, operation: write, bigValueBytes: bigValueBytes).command
            )
        case .command(let words, _):
            switch CommandParser.parse(words) {
            case .success(.write(let command)): return .write(command)
            case .success(.read(let read)): return .read(read)
            case .success: return .refused(KeyValueError(.invalidRequest, "ERR not a command of the simulation"))
            case .failure(let rejection): return .refused(rejection.error)
            }
        case .transaction(let commands):
            var steps: [TransactionStep] = []
            for words in commands {
                switch CommandParser.parse(words) {
                case .success(.write(let command)): steps.append(.write(command))
                case .success(.read(let read)): steps.append(.read(read))
                case .success, .failure:
                    return .refused(
                        KeyValueError(.invalidRequest, "EXECABORT Transaction discarded because of previous errors.")
                    )
                }
            }
            return .write(.transaction(versions: [], steps: steps))
        }
    }

    /// A reply's ticket names the client, its request (request ids stay below 2^40) and, for
    /// an operation, the attempt (0 for a pipelined read).
    static func ticket(client: Int, requestID: UInt64, attempt: Int = 0) -> UInt64 {
        UInt64(client) << 48 | UInt64(min(attempt, 255)) << 40 | requestID
    }

    /// A node's answer, as the client will read it. TRYAGAIN and NOTLEADER mean "not done"
    /// (the runtime promises the write did not apply), and a read's error means nothing was
    /// read: the client goes elsewhere. UNCERTAIN is not an answer: the client's timeout sends
    /// the write again, with its identity.
    mutating func replyToClient(ticket: UInt64, _ result: KeyValueResult) {
        let clientID = Int(ticket >> 48)
        let requestID = ticket & (1 << 40 - 1)
        if ticket >> 40 & 0xFF == 1,
            let readTicket = pipelinedReadBehind[Self.ticket(client: clientID, requestID: requestID)],
            pipelinedReads[readTicket]?.writeAnswer == nil
        {
            // How the write the read was pipelined behind ended on that connection.
            pipelinedReads[readTicket]!.writeAnswer = result
        }
        if pipelinedReads[ticket] != nil {
            switch result {
            case .error: pipelinedReads[ticket]!.answer = .failed
            case .value(let bytes): pipelinedReads[ticket]!.answer = .value(SimulatedCommand.number(bytes))
            default: pipelinedReads[ticket]!.answer = .value(nil)
            }
            return
        }
        guard let outstanding = clients[clientID].outstanding, outstanding.requestID == requestID else { return }
        let reply: ClientReply
        switch (history[outstanding.historyIndex].operation, result) {
        case (.write, .error(let error)) where error.kind == .uncertain:
            return
        case (.write, .error(let error)) where Self.isRefusal(error):
            reply = .redirect(leader: error.leader)
        case (.get, .error(let error)), (.readResource, .error(let error)):
            reply = .redirect(leader: error.leader)
        case (.get, _), (.readResource, _):
            guard case .value(let bytes) = result else {
                reply = .value(nil)
                break
            }
            if options.bigValueBytes > 0, bytes.count > options.bigValueBytes { statistics.bigValuesRead += 1 }
            reply = .value(SimulatedCommand.number(bytes))
        case (.command, .error(let error)), (.transaction, .error(let error)):
            if error.kind == .uncertain { return }
            reply = Self.isRefusal(error) ? .redirect(leader: error.leader) : .result(result)
        case (.command, _), (.transaction, _):
            reply = .result(result)
        case (.write(let write), _):
            let command = SimulatedCommand(requestID: requestID, operation: write, bigValueBytes: options.bigValueBytes)
                .command
            reply = .applied(SimulatedCommand.outcome(of: command, result))
        }
        self.reply(reply, to: clientID, requestID: requestID)
    }

    /// Whether an error says the request was not carried out here: the client goes elsewhere
    /// (to the leader it names, if any).
    static func isRefusal(_ error: KeyValueError) -> Bool {
        [.notLeader, .tryAgain, .unavailable].contains(error.kind)
    }

    mutating func reply(_ reply: ClientReply, to clientID: Int, requestID: UInt64) {
        guard !random.nextBool(probability: currentLossRates.drop) else { return }
        queue.schedule(
            .replyArrives(client: clientID, requestID: requestID, reply: reply),
            at: now + draw(options.networkLatencyMicroseconds)
        )
    }

    mutating func replyArrives(at clientID: Int, requestID: UInt64, reply: ClientReply) {
        guard let outstanding = clients[clientID].outstanding, outstanding.requestID == requestID else { return }
        if case .redirect(let leader) = reply {
            clients[clientID].leaderGuess = leader ?? members[random.nextIndex(below: members.count)]
            if outstanding.attempts > 1 {
                // An earlier attempt of this write may be in some log: it is sent again with
                // its identity, never given up as "no effect".
                record("client \(clientID) gets #\(requestID) \(reply); sends it again")
                queue.schedule(.resend(client: clientID, requestID: requestID), at: now + 1_000)
                return
            }
            // Refused without effect: the attempt leaves the history.
            clients[clientID].outstanding = nil
            record("client \(clientID) gets #\(requestID) \(reply)")
            history[outstanding.historyIndex].reply = reply
            history[outstanding.historyIndex].returnMicroseconds = now
            queue.schedule(.clientSend(client: clientID), at: now + 1_000)
            return
        }
        clients[clientID].outstanding = nil
        record("client \(clientID) gets #\(requestID) \(reply)")
        history[outstanding.historyIndex].returnMicroseconds = now
        history[outstanding.historyIndex].reply = reply
        statistics.operationsCompleted += 1
        statistics.operationsPerShard[shard(of: history[outstanding.historyIndex].operation)] += 1
        if outstanding.attempts > 1 { statistics.operationsRetried += 1 }
        if case .write(.acquire(let lock, _)) = history[outstanding.historyIndex].operation,
            case .applied(.acquired(let token?)) = reply
        {
            clients[clientID].tokens[lock] = token
        }
        if case .applied(.leaseGranted(let id)) = reply { clients[clientID].leases.append(id) }
        fold(0xC11E, UInt64(clientID), requestID)
        if inLivenessPhase && history[outstanding.historyIndex].callMicroseconds >= livenessStartMicroseconds {
            clients[clientID].stopped = true
            return
        }
        queue.schedule(.clientSend(client: clientID), at: now + draw(0...(2 * options.clientThinkMicroseconds)))
    }

    /// A write is sent again after a redirect from a later attempt.
    mutating func resend(_ clientID: Int, requestID: UInt64) {
        guard clients[clientID].outstanding?.requestID == requestID else { return }
        sendAttempt(clientID)
    }

    /// No answer in time: a write is sent again (same id) to another node, up to
    /// `writeAttemptsMax` attempts; then, and for reads at once, the client gives up and the
    /// outcome stays unknown.
    mutating func clientTimeout(_ clientID: Int, requestID: UInt64, attempt: Int) {
        guard let outstanding = clients[clientID].outstanding, outstanding.requestID == requestID,
            outstanding.attempts == attempt
        else { return }
        clients[clientID].leaderGuess = members[random.nextIndex(below: members.count)]
        if history[outstanding.historyIndex].operation.isWrite, attempt < Self.writeAttemptsMax {
            record("client \(clientID) times out #\(requestID); sends it again")
            sendAttempt(clientID)
            return
        }
        clients[clientID].outstanding = nil
        statistics.operationsIndeterminate += 1
        record("client \(clientID) times out #\(requestID)")
        queue.schedule(.clientSend(client: clientID), at: now + draw(0...(2 * options.clientThinkMicroseconds)))
    }

    /// How many times a client sends one write before it gives up on it.
    static let writeAttemptsMax = 4
}

/// One attempt of a client's operation, as it reaches a node.
struct SimulatedRequest: Hashable, Sendable {
    let requestID: UInt64
    let operation: ClientOperation
    let session: UInt64
    let acknowledgedBelow: UInt64
    let attempt: Int
    /// The request id of a read of the same key sent right behind this write, in one pipeline.
    let followingRead: UInt64?
}

/// A read a client pipelined behind a register write of the same key: when the write applied
/// through that connection (its first attempt was answered with a result), the read must see
/// it or something later, whichever node the pipeline went to.
struct PipelinedRead: Sendable {
    enum Answer: Sendable {
        case value(UInt64?)
        case failed
    }

    let clientID: Int
    let writeRequestID: UInt64
    let key: UInt8
    /// The node's answer to the write's first attempt, the one the read was pipelined with.
    var writeAnswer: KeyValueResult?
    var answer: Answer?

    /// Whether that answer says the write applied (an error says it did not, or may not yet).
    var writeApplied: Bool {
        switch writeAnswer {
        case nil, .error?, .waiting?: false
        default: true
        }
    }
}
