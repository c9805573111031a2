import Synchronization
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import Testing

@testable import SynodRuntime

/// The runtime's rules, each on a scripted replica: what is sent, persisted and answered, and
/// in which order.
struct GroupRuntimeTests {
    typealias Runtime = GroupRuntime<ScriptedReplica, KeyValueStore, NoObserver<KeyValueStore>>

    static let leaderID = NodeID(1)
    static let followerID = NodeID(2)

    static func runtime(
        on node: NodeID,
        leader: NodeID?,
        snapshotIndex: UInt64 = 0,
        clock: @escaping @Sendable () -> GroupTime = fixedClock
    ) throws -> Runtime {
        var store = KeyValueStore()
        for index in stride(from: UInt64(1), through: snapshotIndex, by: 1) { store.skip(index: index) }
        var settings = GroupSettings(nodeID: node)
        settings.peerAddresses = [leaderID: "127.0.0.1:7101"]
        return try runtime(on: node, leader: leader, settings: settings, snapshotOf: store, clock: clock)
    }

    @Sendable static func fixedClock() -> GroupTime {
        GroupTime(wallMilliseconds: 1_700_000_000_000, monotonicMilliseconds: 0)
    }

    /// A runtime started from a snapshot of `store` at its applied index.
    static func runtime(
        on node: NodeID,
        leader: NodeID?,
        settings: GroupSettings,
        snapshotOf store: KeyValueStore,
        clock: @escaping @Sendable () -> GroupTime = fixedClock
    ) throws -> Runtime {
        var replica = ScriptedReplica(id: node, leader: leader)
        replica.commitIndex = LogIndex(store.appliedIndex)
        replica.lastIndex = LogIndex(store.appliedIndex)
        replica.snapshotIndex = LogIndex(store.appliedIndex)
        let snapshotData = store.snapshotBytes
        replica.snapshotByteCount = snapshotData.count
        return try Runtime(
            group: GroupID(1),
            settings: settings,
            replica: replica,
            snapshot: Snapshot(
                index: LogIndex(store.appliedIndex),
                term: Term(1),
                membership: replica.membership,
                data: snapshotData
            ),
            observer: NoObserver(),
            session: 77,
            firstRequestID: 1_000,
            randomSeed: 1,
            clock: clock
        )
    }

    static let set = KeyValueCommand.set(
        key: Array("k".utf8),
        value: Array("v".utf8),
        condition: .always,
        expiry: .none,
        returnPrevious: false
    )

    /// The leader's entry for its clients' first write, as committed at `index`.
    static func committed(_ command: [UInt8], at index: UInt64) -> LogEntry {
        LogEntry(term: Term(1), index: LogIndex(index), payload: .command(command))
    }

    /// Queues the Ready in which the leader's opening entry (index 1) commits and every
    /// ReadIndex asked so far is confirmed at index 1.
    static func commitOpeningEntryConfirmingReads(_ runtime: inout Runtime) {
        runtime.replica.readys.append(
            Ready(
                committedEntries: [committed(runtime.replica.proposed[0], at: 1)],
                readStates: runtime.replica.readContexts.map { ReadState(index: LogIndex(1), context: $0) }
            )
        )
    }

    static func replies(_ outputs: [GroupOutput<ScriptedReplica.Message, KeyValueStore>]) -> [UInt64: KeyValueResult] {
        var replies: [UInt64: KeyValueResult] = [:]
        for case .reply(let ticket, let result) in outputs { replies[ticket] = result }
        return replies
    }

    @Test func aWriteIsAnsweredOnlyOnceItsEntryIsDurableAndApplied() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 7)
        // The new leader's lease extension comes first, then the client's write.
        #expect(runtime.replica.proposed.count == 2)
        let entries = runtime.replica.proposed.enumerated().map { Self.committed($1, at: UInt64($0 + 1)) }
        runtime.replica.readys.append(
            Ready(
                hardState: HardState(term: Term(1), commit: LogIndex(2)),
                entriesToPersist: entries,
                messages: [ScriptedReplica.Message(to: Self.followerID, text: "append")],
                committedEntries: entries
            )
        )
        runtime.processReady()
        let beforeSync = runtime.takeOutputs()
        guard case .persist(let persistence)? = beforeSync.first else {
            Issue.record("the Ready was not persisted first: \(beforeSync)")
            return
        }
        #expect(persistence.sync)
        #expect(persistence.entries == entries)
        #expect(beforeSync.count == 1, "sent or answered before the sync: \(beforeSync)")
        runtime.persisted()
        let afterSync = runtime.takeOutputs()
        guard case .send(let message)? = afterSync.first else {
            Issue.record("the message did not go first after the sync: \(afterSync)")
            return
        }
        #expect(message.text == "append")
        #expect(Self.replies(afterSync) == [7: .ok])
        #expect(runtime.state.appliedIndex == 2)
    }

    @Test func aFollowerForwardsAWriteAndSendsItAgainWithItsIdentityToANewLeader() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 9)
        let first = runtime.takeOutputs()
        guard case .forward(.write(let entry), let requestID, let leader)? = first.first else {
            Issue.record("not forwarded: \(first)")
            return
        }
        #expect(leader == Self.leaderID)
        #expect(entry.session == runtime.session)
        // The leader dies; node 3 is elected and the write goes to it, same identity.
        runtime.replica.leader = NodeID(3)
        runtime.replica.term = Term(2)
        runtime.tick()
        let again = runtime.takeOutputs()
        guard case .forward(.write(let copy), let copyID, let newLeader)? = again.first else {
            Issue.record("not sent again: \(again)")
            return
        }
        #expect(newLeader == NodeID(3))
        #expect(copyID == requestID)
        #expect(copy.session == entry.session && copy.requestID == entry.requestID)
        // The old leader refuses its copy: a copy may still be at node 3, so no answer yet.
        runtime.receiveOutcome(
            .refused(.notLeader(NodeID(3), peerAddress: nil)),
            from: Self.leaderID,
            requestID: requestID
        )
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
        // Node 3 answers: that is the write's answer.
        runtime.receiveOutcome(.answered(.ok), from: NodeID(3), requestID: requestID)
        #expect(Self.replies(runtime.takeOutputs()) == [9: .ok])
    }

    @Test func aNodeWhoseOnlyClientsAreBlockedKeepsItsSessionAliveUntilTheyGo() throws {
        let monotonic = Mutex<Int64>(0)
        let clock: @Sendable () -> GroupTime = {
            GroupTime(wallMilliseconds: 1_700_000_000_000, monotonicMilliseconds: monotonic.withLock { $0 })
        }
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID, clock: clock)
        let keepAlivePeriod = runtime.settings.sessionKeepAliveMilliseconds
        /// The writes the runtime forwarded since the last look, by request id.
        func forwarded() -> [(requestID: UInt64, command: KeyValueCommand)] {
            runtime.takeOutputs().compactMap { output in
                guard case .forward(.write(let entry), let requestID, _) = output else { return nil }
                return (requestID, entry.command)
            }
        }
        func pass(to time: Int64) {
            monotonic.withLock { $0 = time }
            runtime.tick()
        }
        let blpop = KeyValueCommand.list(
            .blocking(.element(keys: [Array("q".utf8)], end: .left), timeoutMilliseconds: 0)
        )
        runtime.write(blpop, origin: 5, ticket: 9)
        guard let sent = forwarded().first else {
            Issue.record("BLPOP not forwarded")
            return
        }
        runtime.receiveOutcome(.answered(.waiting), from: Self.leaderID, requestID: sent.requestID)
        // Nothing else is sent while the session has spoken lately.
        pass(to: keepAlivePeriod - 1)
        #expect(forwarded().isEmpty)
        // Then one keep-alive per period, answered to nobody.
        for period in Int64(1)...3 {
            pass(to: period * keepAlivePeriod + 500)
            let keepAlives = forwarded()
            #expect(keepAlives.map(\.command) == [.unblock(tickets: [])], "period \(period)")
            for keepAlive in keepAlives {
                runtime.receiveOutcome(.answered(.integer(0)), from: Self.leaderID, requestID: keepAlive.requestID)
            }
            #expect(Self.replies(runtime.takeOutputs()).isEmpty)
        }
        // The client goes: its wait ends, and the keep-alives stop.
        runtime.abandonWaits(ofOrigin: 5)
        #expect(forwarded().map(\.command) == [.unblock(tickets: [sent.requestID])])
        pass(to: 10 * keepAlivePeriod)
        #expect(forwarded().isEmpty)
    }

    @Test func aFollowerSettlesItsServedPopsAsDeliveredOrReturnedUntilTheSettlementApplies() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        var index: UInt64 = 0
        func commit(_ entries: [KeyValueEntry]) {
            let committed = entries.map { entry -> LogEntry in
                index += 1
                return Self.committed(entry.encoded, at: index)
            }
            runtime.replica.readys.append(
                Ready(
                    hardState: HardState(term: Term(1), commit: LogIndex(index)),
                    entriesToPersist: committed,
                    messages: [],
                    committedEntries: committed
                )
            )
            runtime.processReady()
            runtime.persisted()
        }
        func forwarded() -> [(requestID: UInt64, entry: KeyValueEntry)] {
            runtime.takeOutputs().compactMap { output in
                guard case .forward(.write(let entry), let requestID, _) = output else { return nil }
                return (requestID, entry)
            }
        }
        func list(_ key: String) -> Int? { runtime.state.record(of: Array(key.utf8), at: 0)?.list?.count }
        let blpop = { (key: String) in
            KeyValueCommand.list(.blocking(.element(keys: [Array(key.utf8)], end: .left), timeoutMilliseconds: 0))
        }
        // Two clients block, each on its connection; both waits are in the log.
        runtime.write(blpop("q"), origin: 5, ticket: 1)
        runtime.write(blpop("r"), origin: 6, ticket: 2)
        let blocked = forwarded()
        #expect(blocked.count == 2)
        commit(blocked.map(\.entry))
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
        let gone = RequestKey(session: runtime.session, requestID: blocked[0].entry.requestID)
        let staying = RequestKey(session: runtime.session, requestID: blocked[1].entry.requestID)
        // The first client goes; before its unblock reaches the log, another node's pushes
        // serve both waits.
        runtime.abandonWaits(ofOrigin: 5)
        #expect(forwarded().map(\.entry.command) == [.unblock(tickets: [gone.requestID])])
        let push = { (key: String) in
            KeyValueEntry(
                requestID: UInt64(key.utf8.first!),
                timeMilliseconds: 0,
                command: .list(
                    .push(key: Array(key.utf8), elements: [Array("v".utf8)], end: .right, onlyIfExists: false)
                ),
                session: 99
            )
        }
        commit([push("q"), push("r")])
        #expect(Self.replies(runtime.takeOutputs()) == [2: .array([.value(Array("r".utf8)), .value(Array("v".utf8))])])
        #expect(list("q") == nil && list("r") == nil)
        // At the next tick the node says how both went.
        runtime.tick()
        let settlement = KeyValueCommand.settleHeldPops(delivered: [staying], returned: [gone])
        let first = forwarded()
        #expect(first.map(\.entry.command) == [settlement])
        // While it is on its way nothing more is sent; refused, it is sent again.
        runtime.tick()
        #expect(forwarded().isEmpty)
        runtime.receiveOutcome(.refused(.tryAgain("busy")), from: Self.leaderID, requestID: first[0].requestID)
        runtime.tick()
        let again = forwarded()
        #expect(again.map(\.entry.command) == [settlement])
        commit(again.map(\.entry))
        #expect(list("q") == 1, "the element taken for the client that went is back")
        #expect(list("r") == nil)
        #expect(runtime.state.blockedPops.held.isEmpty)
        runtime.tick()
        #expect(forwarded().isEmpty)
    }

    @Test func aWriteEveryCopyOfWhichWasRefusedIsAnsweredWithTheRefusal() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 4)
        guard case .forward(_, let requestID, _)? = runtime.takeOutputs().first else {
            Issue.record("not forwarded")
            return
        }
        runtime.receiveOutcome(.refused(.tryAgain("busy; retry")), from: Self.leaderID, requestID: requestID)
        #expect(
            Self.replies(runtime.takeOutputs()) == [4: .error(KeyValueError(.tryAgain, "TRYAGAIN busy; retry"))]
        )
    }

    @Test func aWriteRefusedByALeaderHandingOverWaitsAndGoesToTheNextLeader() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 4)
        guard case .forward(.write(let entry), let requestID, _)? = runtime.takeOutputs().first else {
            Issue.record("not forwarded")
            return
        }
        // The leader hands leadership to node 3: its client sees nothing yet.
        runtime.receiveOutcome(.refused(.handingOver(to: NodeID(3))), from: Self.leaderID, requestID: requestID)
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
        // Node 3 leads: the write goes to it, with the same identity.
        runtime.replica.leader = NodeID(3)
        runtime.replica.term = Term(2)
        runtime.tick()
        let again = runtime.takeOutputs()
        guard case .forward(.write(let copy), let copyID, let newLeader)? = again.first else {
            Issue.record("not sent again: \(again)")
            return
        }
        #expect(newLeader == NodeID(3) && copy.session == entry.session && copy.requestID == entry.requestID)
        runtime.receiveOutcome(.answered(.ok), from: NodeID(3), requestID: copyID)
        #expect(Self.replies(runtime.takeOutputs()) == [4: .ok])
    }

    @Test func aSnapshotHoldingTheStateOfAnotherIndexStopsTheGroupAndAnswersItsClients() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 3)
        _ = runtime.takeOutputs()
        let before = runtime.state
        // The state at index 0, claimed to be the state at index 21.
        runtime.replica.readys.append(
            Ready(
                snapshot: Snapshot(
                    index: LogIndex(21),
                    term: Term(1),
                    membership: runtime.replica.membership,
                    data: KeyValueStore().snapshotBytes
                )
            )
        )
        runtime.processReady()
        runtime.persisted()
        let outputs = runtime.takeOutputs()
        #expect(runtime.isStopped)
        #expect(runtime.state == before, "the state of another index was adopted")
        #expect(outputs.contains { if case .stopped = $0 { true } else { false } })
        guard case .error(let error)? = Self.replies(outputs)[3] else {
            Issue.record("the waiting write was not answered: \(outputs)")
            return
        }
        #expect(error.kind == .uncertain, "a forwarded write may have applied: \(error)")
    }

    @Test func aReadWaitsForItsReadIndexToBeApplied() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.read(.get(key: Array("k".utf8)), ticket: 5)
        #expect(runtime.replica.readContexts.isEmpty, "asked once the inputs are taken in")
        runtime.processReady()
        #expect(runtime.replica.readContexts.count == 1)
        let context = runtime.replica.readContexts[0]
        // The ReadIndex is 1, not yet applied: no answer.
        runtime.replica.readys.append(Ready(readStates: [ReadState(index: LogIndex(1), context: context)]))
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
        // Index 1 commits (the lease extension the new leader proposed): now it is served.
        runtime.replica.readys.append(
            Ready(committedEntries: [Self.committed(runtime.replica.proposed[0], at: 1)])
        )
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()) == [5: .null])
    }

    /// A pipeline's reads taken in together cost one ReadIndex (one heartbeat round on a real
    /// replica), not one each; each is answered once that index is applied.
    @Test func readsTakenInTogetherShareOneReadIndex() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        for ticket in 1...100 { runtime.read(.get(key: Array("k\(ticket)".utf8)), origin: 11, ticket: UInt64(ticket)) }
        runtime.processReady()
        #expect(runtime.replica.readContexts.count == 1)
        // More reads after that are asked for again (their ReadIndex must come after them).
        runtime.read(.get(key: Array("k".utf8)), origin: 12, ticket: 101)
        runtime.processReady()
        #expect(runtime.replica.readContexts.count == 2)
        Self.commitOpeningEntryConfirmingReads(&runtime)
        runtime.processReady()
        let replies = Self.replies(runtime.takeOutputs())
        #expect(replies.count == 101 && replies.values.allSatisfy { $0 == .null })
    }

    /// When the leader loses its place before the batch's ReadIndex is asked, every read of
    /// the batch is answered (refused), none is left waiting.
    @Test func readsWaitingForTheirReadIndexAreRefusedWhenTheLeaderStepsDown() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.read(.get(key: Array("a".utf8)), origin: 11, ticket: 1)
        runtime.read(.get(key: Array("b".utf8)), origin: 12, ticket: 2)
        runtime.replica.leader = Self.followerID
        runtime.processReady()
        let replies = Self.replies(runtime.takeOutputs())
        #expect(replies.count == 2)
        #expect(
            replies.values.allSatisfy { if case .error(let error) = $0 { error.kind == .notLeader } else { false } }
        )
    }

    /// A leader whose lease extension (index 1) applied, with a client's write in a sync
    /// that changes its term and vote only when `changingTerm`.
    static func leaderSyncingAWrite(changingTerm: Bool) throws -> Runtime {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.replica.readys.append(Ready(committedEntries: [Self.committed(runtime.replica.proposed[0], at: 1)]))
        runtime.processReady()
        runtime.write(Self.set, origin: 11, ticket: 7)
        let write = Self.committed(runtime.replica.proposed[1], at: 2)
        runtime.replica.readys.append(
            Ready(
                hardState: HardState(term: Term(1), commit: LogIndex(1)),
                entriesToPersist: [write],
                changesTermOrVote: changingTerm
            )
        )
        runtime.processReady()
        _ = runtime.takeOutputs()
        #expect(runtime.isPersisting)
        return runtime
    }

    @Test func heartbeatsAndConfirmedReadsDoNotWaitForTheSyncInProgress() throws {
        var runtime = try Self.leaderSyncingAWrite(changingTerm: false)
        // Another connection's read: it waits for its ReadIndex (1, applied), not for the write.
        runtime.read(.get(key: Array("k".utf8)), origin: 12, ticket: 9)
        runtime.processReady()  // Asks its ReadIndex.
        let context = try #require(runtime.replica.readContexts.last)
        runtime.replica.independentWork = SyncIndependentWork(
            messages: [ScriptedReplica.Message(to: Self.followerID, text: "heartbeat")],
            readStates: [ReadState(index: LogIndex(1), context: context)]
        )
        runtime.processReady()
        let outputs = runtime.takeOutputs()
        #expect(outputs.contains { if case .send(let message) = $0 { message.text == "heartbeat" } else { false } })
        #expect(Self.replies(outputs) == [9: .null], "the read waited for the write's sync")
        #expect(runtime.isPersisting)
        runtime.persisted()
        runtime.replica.readys.append(Ready(committedEntries: [Self.committed(runtime.replica.proposed[1], at: 2)]))
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()) == [7: .ok])
    }

    @Test func nothingIsTakenEarlyWhileANewTermOrVoteIsBeingSynced() throws {
        var runtime = try Self.leaderSyncingAWrite(changingTerm: true)
        let asked = runtime.replica.independentWorkTaken
        runtime.read(.get(key: Array("k".utf8)), origin: 12, ticket: 9)
        runtime.processReady()
        #expect(runtime.replica.independentWorkTaken == asked)
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
    }

    @Test func aReadWaitsForItsOwnConnectionsEarlierWritesAndNoOtherConnections() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        let key = Array("k".utf8)
        // Connection 11 writes (index 2, after the lease extension at 1) and reads behind it;
        // connection 12 only reads.
        runtime.write(Self.set, origin: 11, ticket: 1)
        runtime.read(.get(key: key), origin: 11, ticket: 2)
        runtime.read(.get(key: key), origin: 12, ticket: 3)
        runtime.processReady()
        #expect(runtime.replica.lastIndex == LogIndex(2))
        let contexts = runtime.replica.readContexts
        #expect(contexts.count == 1, "reads taken in together share one ReadIndex")
        // Both reads get ReadIndex 1, and index 1 is applied; the write at 2 is not committed
        // (a leader cut off from its followers would never commit it).
        Self.commitOpeningEntryConfirmingReads(&runtime)
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()) == [3: .null], "only the other connection's read is served")
        runtime.replica.readys.append(
            Ready(committedEntries: [Self.committed(runtime.replica.proposed[1], at: 2)])
        )
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()) == [1: .ok, 2: .value(Array("v".utf8))])
    }

    @Test func aReadOfNoKnownConnectionWaitsForEveryWriteProposedBeforeIt() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.write(Self.set, origin: 11, ticket: 1)
        runtime.read(.get(key: Array("k".utf8)), ticket: 2)
        Self.commitOpeningEntryConfirmingReads(&runtime)
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()).isEmpty)
    }

    /// The forwarded reads among `outputs`, in order.
    static func forwardedReads(_ outputs: [GroupOutput<ScriptedReplica.Message, KeyValueStore>]) -> [ReadCommand] {
        outputs.compactMap { output in
            guard case .forward(.read(let command), _, _) = output else { return nil }
            return command
        }
    }

    /// A read forwarded to a node that no longer leads is refused there: the follower sends it
    /// to the new leader (at once if it knows it, else once it learns it) instead of passing the
    /// refusal on, and only a read no leader answers in time gets TRYAGAIN.
    @Test func aReadRefusedByAFormerLeaderGoesToTheNewOne() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        let read = ReadCommand.get(key: Array("k".utf8))
        runtime.read(read, ticket: 4)
        guard case .forward(.read, let firstID, Self.leaderID)? = runtime.takeOutputs().first else {
            Issue.record("the read was not forwarded")
            return
        }
        // Refused before this follower hears of the election: held, not answered.
        runtime.receiveOutcome(
            .refused(.notLeader(NodeID(3), peerAddress: nil)),
            from: Self.leaderID,
            requestID: firstID
        )
        #expect(runtime.takeOutputs().isEmpty)
        runtime.replica.leader = NodeID(3)
        runtime.replica.term = Term(2)
        runtime.tick()
        let again = runtime.takeOutputs()
        guard case .forward(.read(let command), let secondID, NodeID(3))? = again.first else {
            Issue.record("not sent to the new leader: \(again)")
            return
        }
        #expect(command == read)
        // Refused by a node this follower already knows lost: straight to the leader it knows.
        runtime.receiveOutcome(.refused(.tryAgain("stepping down")), from: NodeID(3), requestID: secondID)
        #expect(runtime.takeOutputs().isEmpty, "held: node 3 is still the leader this node knows")
        runtime.replica.leader = Self.leaderID
        runtime.replica.term = Term(3)
        runtime.tick()
        guard case .forward(.read, let thirdID, Self.leaderID)? = runtime.takeOutputs().first else {
            Issue.record("not sent again")
            return
        }
        runtime.receiveOutcome(.answered(.value(Array("v".utf8))), from: Self.leaderID, requestID: thirdID)
        #expect(Self.replies(runtime.takeOutputs()) == [4: .value(Array("v".utf8))])
    }

    @Test func aFollowerHoldsAConnectionsReadUntilTheWritesItSentBeforeAreAnswered() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        let mine = ReadCommand.get(key: Array("mine".utf8))
        let other = ReadCommand.get(key: Array("other".utf8))
        runtime.write(Self.set, origin: 11, ticket: 1)
        runtime.read(mine, origin: 11, ticket: 2)
        runtime.read(other, origin: 12, ticket: 3)
        let first = runtime.takeOutputs()
        guard case .forward(.write, let writeID, _)? = first.first else {
            Issue.record("the write was not forwarded first: \(first)")
            return
        }
        #expect(Self.forwardedReads(first) == [other], "connection 11's read went ahead of its write")
        // The write's answer comes: now the read behind it goes to the leader.
        runtime.receiveOutcome(.answered(.ok), from: Self.leaderID, requestID: writeID)
        let second = runtime.takeOutputs()
        #expect(Self.replies(second) == [1: .ok])
        #expect(Self.forwardedReads(second) == [mine])
    }

    @Test func aReadHeldBehindARefusedWriteGoesWhenTheRefusalIsKnown() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        let read = ReadCommand.get(key: Array("k".utf8))
        runtime.write(Self.set, origin: 11, ticket: 1)
        runtime.read(read, origin: 11, ticket: 2)
        guard case .forward(.write, let writeID, _)? = runtime.takeOutputs().first else {
            Issue.record("the write was not forwarded")
            return
        }
        runtime.receiveOutcome(.refused(.tryAgain("busy; retry")), from: Self.leaderID, requestID: writeID)
        let outputs = runtime.takeOutputs()
        #expect(Self.replies(outputs) == [1: .error(KeyValueError(.tryAgain, "TRYAGAIN busy; retry"))])
        #expect(Self.forwardedReads(outputs) == [read])
    }

    static func setEntry(at index: LogIndex, key: String = "k", valueBytes: Int) -> LogEntry {
        let command = KeyValueCommand.set(
            key: Array(key.utf8),
            value: Array(repeating: UInt8(ascii: "v"), count: valueBytes),
            condition: .always,
            expiry: .none,
            returnPrevious: false
        )
        let entry = KeyValueEntry(requestID: index.rawValue, timeMilliseconds: 1, command: command)
        return LogEntry(term: Term(1), index: index, payload: .command(entry.encoded))
    }

    /// Commits `count` SETs with values of `valueBytes` bytes at a follower's next indexes;
    /// returns whether a snapshot was taken.
    static func commitSets(_ runtime: inout Runtime, count: Int, valueBytes: Int) -> Bool {
        var entries: [LogEntry] = []
        for _ in 0..<count {
            runtime.replica.lastIndex = LogIndex(runtime.replica.lastIndex.rawValue + 1)
            entries.append(Self.setEntry(at: runtime.replica.lastIndex, valueBytes: valueBytes))
        }
        runtime.replica.readys.append(Ready(committedEntries: entries))
        runtime.processReady()
        // As the shell does: the frozen state is serialized and handed back.
        for case .takeSnapshot(let job) in runtime.takeOutputs() { runtime.snapshotWritten(job.serialized()) }
        return runtime.takeOutputs().contains { if case .compact = $0 { true } else { false } }
    }

    /// A follower whose snapshot holds `stateKeys` keys, each with a value of `stateValueBytes`
    /// bytes, one entry each.
    static func runtime(snapshotLogBytesMin: Int, stateKeys: Int = 1, stateValueBytes: Int) throws -> Runtime {
        var store = KeyValueStore()
        for index in 1...stateKeys {
            let entry = Self.setEntry(at: LogIndex(UInt64(index)), key: "state:\(index)", valueBytes: stateValueBytes)
            guard case .command(let bytes) = entry.payload else { fatalError("a command entry") }
            _ = store.applyReporting(try KeyValueEntry(decoding: bytes), at: UInt64(index))
        }
        var settings = GroupSettings(nodeID: Self.followerID)
        settings.snapshotLogBytesMin = snapshotLogBytesMin
        return try runtime(on: Self.followerID, leader: Self.leaderID, settings: settings, snapshotOf: store)
    }

    @Test func aSnapshotIsTakenOnceTheLogSinceTheLastOneHoldsEnoughBytes() throws {
        let entryBytes = Self.setEntry(at: LogIndex(2), valueBytes: 20).sizeBytes
        var runtime = try Self.runtime(snapshotLogBytesMin: 40 * entryBytes, stateValueBytes: 1)
        #expect(!Self.commitSets(&runtime, count: 39, valueBytes: 20))
        #expect(Self.commitSets(&runtime, count: 1, valueBytes: 20))
        #expect(runtime.replica.snapshotIndex == LogIndex(41))
        // The count starts again from the snapshot.
        #expect(!Self.commitSets(&runtime, count: 39, valueBytes: 20))
        #expect(Self.commitSets(&runtime, count: 1, valueBytes: 20))
    }

    @Test func aLargerStateWaitsForMoreLogBeforeItsSnapshot() throws {
        // A 100 kB value in the state: a snapshot is due once the log since the last one
        // holds a quarter of the last snapshot's bytes, not the 1,000-byte floor.
        var runtime = try Self.runtime(snapshotLogBytesMin: 1_000, stateValueBytes: 100_000)
        let entryBytes = Self.setEntry(at: LogIndex(2), valueBytes: 200).sizeBytes
        let due = runtime.replica.snapshotByteCount / 4
        #expect(due > 25_000)
        let below = (due - 1) / entryBytes
        #expect(!Self.commitSets(&runtime, count: below - 1, valueBytes: 200))
        #expect(Self.commitSets(&runtime, count: 3, valueBytes: 200))
    }

    @Test func manySmallKeysAreMeasuredAsTheySerializeNotAsTheStoreEstimatesThem() throws {
        // 2,000 keys of 10-byte values: the store's footprint estimate (about 260 bytes per
        // key, what it costs in memory) is many times the snapshot's bytes. The log is
        // compacted once it holds a quarter of the snapshot; measured by the estimate it
        // would grow past the snapshot's whole size first, and stay in memory.
        var runtime = try Self.runtime(snapshotLogBytesMin: 1_000, stateKeys: 2_000, stateValueBytes: 10)
        let snapshotBytes = runtime.replica.snapshotByteCount
        #expect(runtime.state.datasetBytes > 4 * snapshotBytes)
        let entryBytes = Self.setEntry(at: LogIndex(2), valueBytes: 10).sizeBytes
        let below = (snapshotBytes / 4 - 1) / entryBytes
        #expect(!Self.commitSets(&runtime, count: below - 1, valueBytes: 10))
        #expect(Self.commitSets(&runtime, count: 3, valueBytes: 10))
    }

    @Test func theStateIsFrozenForItsSnapshotWhileEntriesKeepApplying() throws {
        let entryBytes = Self.setEntry(at: LogIndex(2), valueBytes: 20).sizeBytes
        var runtime = try Self.runtime(snapshotLogBytesMin: 10 * entryBytes, stateValueBytes: 1)
        var entries = (2...11).map { Self.setEntry(at: LogIndex(UInt64($0)), valueBytes: 20) }
        runtime.replica.lastIndex = LogIndex(11)
        runtime.replica.readys.append(Ready(committedEntries: entries))
        runtime.processReady()
        let jobs = runtime.takeOutputs().compactMap { output -> SnapshotJob<KeyValueStore>? in
            guard case .takeSnapshot(let job) = output else { return nil }
            return job
        }
        guard let job = jobs.first, jobs.count == 1 else {
            Issue.record("no single snapshot asked for: \(jobs.count)")
            return
        }
        #expect(job.index == LogIndex(11))
        // More entries apply while the snapshot is written; none asks for a second one.
        entries = (12...40).map { Self.setEntry(at: LogIndex(UInt64($0)), key: "other", valueBytes: 20) }
        runtime.replica.lastIndex = LogIndex(40)
        runtime.replica.readys.append(Ready(committedEntries: entries))
        runtime.processReady()
        #expect(!runtime.takeOutputs().contains { if case .takeSnapshot = $0 { true } else { false } })
        #expect(runtime.state.appliedIndex == 40)
        // The snapshot holds the state at 11, not the later writes.
        let snapshot = job.serialized()
        let restored = try KeyValueStore(snapshotBytes: try snapshot.data.bytes())
        #expect(restored.appliedIndex == 11)
        #expect(restored.read(.get(key: Array("other".utf8)), at: 1) == .null)
        runtime.snapshotWritten(snapshot)
        let outputs = runtime.takeOutputs()
        #expect(runtime.replica.snapshotIndex == LogIndex(11))
        #expect(
            outputs.contains { if case .compact(let compacted) = $0 { compacted.index == LogIndex(11) } else { false } }
        )
        // The 29 entries since are over the threshold: the next snapshot is asked for at once.
        #expect(outputs.contains { if case .takeSnapshot(let next) = $0 { next.index == LogIndex(40) } else { false } })
    }

    /// A runtime that applied ten entries, enough for a snapshot, and the snapshot it asked
    /// the shell to write (nil if it asked for none).
    static func runtimeWritingASnapshot() throws -> (Runtime, SnapshotJob<KeyValueStore>?) {
        let entryBytes = Self.setEntry(at: LogIndex(2), valueBytes: 20).sizeBytes
        var runtime = try Self.runtime(snapshotLogBytesMin: 10 * entryBytes, stateValueBytes: 1)
        runtime.replica.lastIndex = LogIndex(11)
        runtime.replica.readys.append(
            Ready(committedEntries: (2...11).map { Self.setEntry(at: LogIndex(UInt64($0)), valueBytes: 20) })
        )
        runtime.processReady()
        let job = runtime.takeOutputs().lazy.compactMap { output -> SnapshotJob<KeyValueStore>? in
            guard case .takeSnapshot(let job) = output else { return nil }
            return job
        }.first
        return (runtime, job)
    }

    /// A read touches its key's access clock (OBJECT IDLETIME), except while a snapshot's
    /// frozen copy shares the state: each touch would copy a path of it.
    @Test func aReadTouchesItsKeyButNotWhileASnapshotSharesTheState() throws {
        var (runtime, asked) = try Self.runtimeWritingASnapshot()
        let job = try #require(asked)
        let key = Array("k".utf8)
        // Written by entries stamped at 1 ms; the node's clock reads 1,700,000,000 s.
        #expect(runtime.state.records[key]?.accessedSeconds == 0)
        #expect(runtime.serveLocally(.get(key: key)) == .value(Array(repeating: UInt8(ascii: "v"), count: 20)))
        #expect(runtime.state.records[key]?.accessedSeconds == 0)
        runtime.snapshotWritten(job.serialized())
        _ = runtime.serveLocally(.get(key: key))
        #expect(runtime.state.records[key]?.accessedSeconds == 1_700_000_000)
    }

    /// The log a snapshot replaced is not freed at once (hundreds of thousands of allocations
    /// at a few million keys, 300 ms of the consensus thread) but a bounded piece per tick.
    @Test func theLogASnapshotReplacedIsFreedAPieceAtEachTick() throws {
        var (runtime, asked) = try Self.runtimeWritingASnapshot()
        let job = try #require(asked)
        runtime.replica.logDroppedBySnapshot = (1...10_000).map {
            Self.setEntry(at: LogIndex(UInt64($0)), valueBytes: 20)
        }
        runtime.snapshotWritten(job.serialized())
        #expect(runtime.replica.snapshotIndex == LogIndex(11))
        #expect(runtime.droppedEntriesPending == 10_000)
        var pending: [Int] = []
        for _ in 1...4 {
            runtime.tick()
            pending.append(runtime.droppedEntriesPending)
        }
        let perTick = runtime.settings.droppedEntriesFreedPerTick
        #expect(perTick < 10_000)
        #expect(pending == (1...4).map { max(0, 10_000 - $0 * perTick) })
    }

    /// Installs a snapshot from the leader of a state that applied nothing but `index` entries
    /// (the replica lets go of `releasing` with it); returns that state.
    @discardableResult
    static func installLeadersSnapshot(
        at index: UInt64,
        on runtime: inout Runtime,
        releasing: [LogEntry] = []
    ) -> KeyValueStore {
        var newer = KeyValueStore()
        for applied in 1...index { newer.skip(index: applied) }
        runtime.replica.lastIndex = LogIndex(index)
        runtime.replica.snapshotIndex = LogIndex(index)
        runtime.replica.readys.append(
            Ready(
                snapshot: Snapshot(
                    index: LogIndex(index),
                    term: Term(1),
                    membership: runtime.replica.membership,
                    data: newer.snapshotBytes
                ),
                releasedLog: releasing.isEmpty ? [] : [releasing]
            )
        )
        runtime.processReady()
        runtime.persisted()
        return newer
    }

    /// A follower installing the leader's snapshot hands its old state to the shell, which
    /// frees it off the consensus thread (seconds at millions of keys), and frees the log the
    /// snapshot replaced a piece at each tick.
    @Test func aFollowerInstallingASnapshotHandsItsOldStateAndLogToBeFreedLater() throws {
        var runtime = try Self.runtime(on: Self.followerID, leader: Self.leaderID)
        runtime.replica.lastIndex = LogIndex(3)
        runtime.replica.readys.append(
            Ready(
                committedEntries: (1...3).map {
                    Self.setEntry(at: LogIndex(UInt64($0)), key: "old\($0)", valueBytes: 8)
                }
            )
        )
        runtime.processReady()
        _ = runtime.takeOutputs()
        let old = runtime.state
        #expect(old.appliedIndex == 3 && old.keyCount == 3)
        let newer = Self.installLeadersSnapshot(
            at: 100,
            on: &runtime,
            releasing: (4...10_003).map { Self.setEntry(at: LogIndex(UInt64($0)), valueBytes: 8) }
        )
        let released = runtime.takeOutputs().compactMap { output -> KeyValueStore? in
            guard case .release(let state) = output else { return nil }
            return state
        }
        #expect(runtime.state == newer)
        #expect(released == [old])
        #expect(runtime.droppedEntriesPending == 10_000)
        runtime.tick()
        #expect(runtime.droppedEntriesPending == 10_000 - runtime.settings.droppedEntriesFreedPerTick)
    }

    @Test func aSnapshotWrittenAfterANewerOneWasInstalledIsDropped() throws {
        var (runtime, job) = try Self.runtimeWritingASnapshot()
        guard let job else {
            Issue.record("no snapshot asked for")
            return
        }
        // The leader's snapshot at 100 is installed before this one is written.
        Self.installLeadersSnapshot(at: 100, on: &runtime)
        _ = runtime.takeOutputs()
        runtime.snapshotWritten(job.serialized())
        #expect(!runtime.takeOutputs().contains { if case .compact = $0 { true } else { false } })
        #expect(runtime.snapshotInProgress == nil)
    }

    /// The answers to forwarded requests among `outputs`, by request id.
    static func forwardedAnswers(
        _ outputs: [GroupOutput<ScriptedReplica.Message, KeyValueStore>]
    ) -> [UInt64: ForwardedOutcome] {
        var answers: [UInt64: ForwardedOutcome] = [:]
        for case .answerForwarded(let outcome, let requestID, _) in outputs { answers[requestID] = outcome }
        return answers
    }

    @Test func aCopyOfAWriteAlreadyInTheLeadersLogIsNotProposedAgainAndIsAnsweredWithIt() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()  // The new leader's lease extension, at index 1.
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        runtime.serveForwarded(.write(entry), from: NodeID(3), requestID: 31)
        #expect(runtime.replica.proposed.count == 2, "the copies were proposed again")
        runtime.replica.readys.append(
            Ready(
                committedEntries: runtime.replica.proposed.enumerated().map { Self.committed($1, at: UInt64($0 + 1)) }
            )
        )
        runtime.processReady()
        #expect(Self.forwardedAnswers(runtime.takeOutputs()) == [900: .answered(.ok), 31: .answered(.ok)])
    }

    /// Commits the leader's first proposal at index 1 and, at index 2, another leader's entry
    /// in place of the leader's second: that copy can never commit.
    static func commitAnotherLeadersEntryAtIndex2(_ runtime: inout Runtime) {
        let other = KeyValueEntry(requestID: 1, timeMilliseconds: 0, command: .delete(keys: [Array("x".utf8)]))
        runtime.replica.readys.append(
            Ready(
                committedEntries: [
                    Self.committed(runtime.replica.proposed[0], at: 1),
                    LogEntry(term: Term(2), index: LogIndex(2), payload: .command(other.encoded)),
                ]
            )
        )
        runtime.processReady()
    }

    @Test func whenTheOnlyCopyIsLostEveryCopyReceivedIsRefused() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        #expect(runtime.replica.proposed.count == 2)
        Self.commitAnotherLeadersEntryAtIndex2(&runtime)
        let refusals = runtime.takeOutputs().compactMap { output -> UInt64? in
            guard case .answerForwarded(.refused, let requestID, _) = output else { return nil }
            return requestID
        }
        #expect(refusals == [900, 900], "each copy received is refused once")
    }

    static let identity = ClientIdentity(session: 42, requestID: 5, acknowledgedBelow: 5)

    /// Commits every entry proposed so far, at indexes 1, 2, ...
    static func commitProposed(_ runtime: inout Runtime) {
        let entries = runtime.replica.proposed.enumerated().map { Self.committed($1, at: UInt64($0 + 1)) }
        runtime.replica.readys.append(Ready(committedEntries: entries))
        runtime.processReady()
    }

    @Test func aWriteAClientSendsAgainToTheLeaderWaitsForItsFirstCopyAndBothAttemptsHearIt() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.write(Self.set, origin: 3, ticket: 7, identity: Self.identity)
        runtime.write(Self.set, origin: 3, ticket: 8, identity: Self.identity)
        #expect(runtime.replica.proposed.count == 2, "the lease extension and one copy of the write")
        Self.commitProposed(&runtime)
        #expect(Self.replies(runtime.takeOutputs()) == [7: .ok, 8: .ok])
        #expect(runtime.outstandingWrites.isEmpty)
    }

    @Test func aCopyForwardedOfAWriteTheLeadersOwnClientSentIsNotProposedAgain() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.write(Self.set, origin: 3, ticket: 7, identity: Self.identity)
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        #expect(runtime.replica.proposed.count == 2)
        Self.commitProposed(&runtime)
        let outputs = runtime.takeOutputs()
        #expect(Self.replies(outputs) == [7: .ok])
        #expect(Self.forwardedAnswers(outputs) == [900: .answered(.ok)])
    }

    @Test func aWriteItsClientSentAfterAFollowerForwardedItWaitsForTheForwardedCopy() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        runtime.write(Self.set, origin: 3, ticket: 7, identity: Self.identity)
        #expect(runtime.replica.proposed.count == 2)
        Self.commitProposed(&runtime)
        let outputs = runtime.takeOutputs()
        #expect(Self.replies(outputs) == [7: .ok])
        #expect(Self.forwardedAnswers(outputs) == [900: .answered(.ok)])
    }

    @Test func aReadBehindAWriteAnsweredByAForwardedCopyWaitsForThatCopy() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        // Connection 3 sends the same write (its copy is the forwarded one, at index 2), then
        // reads the key behind it.
        runtime.write(Self.set, origin: 3, ticket: 7, identity: Self.identity)
        runtime.read(.get(key: Array("k".utf8)), origin: 3, ticket: 8)
        runtime.processReady()
        #expect(runtime.replica.proposed.count == 2)
        Self.commitOpeningEntryConfirmingReads(&runtime)
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()).isEmpty, "the read was served before the write it follows")
        runtime.replica.readys.append(Ready(committedEntries: [Self.committed(runtime.replica.proposed[1], at: 2)]))
        runtime.processReady()
        #expect(Self.replies(runtime.takeOutputs()) == [7: .ok, 8: .value(Array("v".utf8))])
    }

    @Test func whenTheLeadersOnlyCopyIsLostItsClientAndTheFollowersThatSentItAreRefused() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.tick()
        runtime.write(Self.set, origin: 3, ticket: 7, identity: Self.identity)
        runtime.write(Self.set, origin: 3, ticket: 8, identity: Self.identity)
        let entry = KeyValueEntry(requestID: 5, timeMilliseconds: 0, command: Self.set, session: 42)
        runtime.serveForwarded(.write(entry), from: Self.followerID, requestID: 900)
        #expect(runtime.replica.proposed.count == 2)
        Self.commitAnotherLeadersEntryAtIndex2(&runtime)
        let outputs = runtime.takeOutputs()
        let replies = Self.replies(outputs)
        #expect(replies.keys.sorted() == [7, 8])
        #expect(replies.values.allSatisfy { if case .error(let error) = $0 { error.kind == .tryAgain } else { false } })
        #expect(Self.forwardedAnswers(outputs).keys.sorted() == [900])
        #expect(runtime.copiesInLog.isEmpty && runtime.outstandingWrites.isEmpty)
    }

    @Test func aNewLeaderProposesItsLeaseExtensionBeforeAnyClientWrite() throws {
        var runtime = try Self.runtime(on: Self.leaderID, leader: Self.leaderID)
        runtime.write(Self.set, ticket: 1)
        let entries = try runtime.replica.proposed.map { try KeyValueEntry(decoding: $0) }
        #expect(entries.map(\.command) == [.extendLeases, Self.set])
    }

    /// A state half rebuilt from a snapshot's pieces is handed to the shell to free (off the
    /// consensus thread) when a newer snapshot replaces it or the transfer is abandoned.
    @Test func aHalfRebuiltStateIsHandedOverToBeFreedElsewhere() throws {
        var runtime = try Self.runtime(snapshotLogBytesMin: 1 << 20, stateKeys: 2_000, stateValueBytes: 20)
        let sender = try Self.runtime(snapshotLogBytesMin: 1 << 20, stateKeys: 2_000, stateValueBytes: 20)
        let bytes = sender.state.snapshotBytes
        func piece(_ index: UInt64, _ offset: Int, _ count: Int) -> SnapshotTransferStep {
            .piece(
                SnapshotPiece(
                    index: LogIndex(index),
                    term: Term(2),
                    membership: runtime.replica.membership,
                    offset: offset,
                    bytes: Array(bytes[offset..<offset + count])
                )
            )
        }
        _ = runtime.takeOutputs()
        func released() -> [Int] {
            runtime.takeOutputs().compactMap { if case .release(let state) = $0 { state.keyCount } else { nil } }
        }
        // Half of one snapshot, then the first piece of a newer one: the half goes out.
        runtime.receive([piece(3_000, 0, bytes.count / 2)])
        #expect(released() == [])
        runtime.receive([piece(3_001, 0, 4_096)])
        let firstHalf = released()
        #expect(firstHalf.count == 1 && firstHalf[0] > 500, "\(firstHalf)")
        // An abandoned transfer's state goes out too.
        runtime.receive([.abandoned])
        #expect(released().count == 1)
        #expect(runtime.incomingState == nil)
    }
}
