import SynodConsensus
import SynodCore
import Testing

@testable import SynodRuntime

/// A state machine that is not the key-value store: one counter. It shows the runtime serves
/// any `GroupStateMachine` (a shard map will be the next), with its own entries, replies,
/// snapshots, opening entry (none) and leader duties.
struct Counter: GroupStateMachine {
    enum Command: Hashable, Sendable {
        case add(Int64)
        /// What the duties propose when the counter passes `Duties.limit`.
        case reset
    }

    enum Read: Hashable, Sendable { case value }

    enum Reply: GroupReply {
        case value(Int64)
        case error(String)
        case refused(GroupRefusal)

        static func refusal(_ refusal: GroupRefusal) -> Reply { .refused(refusal) }
        var isWaiting: Bool { false }
    }

    struct Entry: GroupEntry {
        var session: UInt64
        var requestID: UInt64
        var time: Int64 = 0
        var command: Command

        func stamped(at timeMilliseconds: Int64) -> Entry {
            var stamped = self
            stamped.time = timeMilliseconds
            return stamped
        }

        /// session, request id, then 0 and the amount for `add`, 1 for `reset`.
        var encoded: [UInt8] {
            var writer = ByteWriter()
            writer.write(session)
            writer.write(requestID)
            switch command {
            case .add(let amount):
                writer.write(UInt8(0))
                writer.write(UInt64(bitPattern: amount))
            case .reset:
                writer.write(UInt8(1))
            }
            return writer.bytes
        }
    }

    struct Applied: AppliedEntry {
        var answered: RequestKey?
        var result: Reply
        var settledWaits: [(requestID: UInt64, result: Reply)] { [] }
        var heldReplies: [RequestKey] { [] }
    }

    struct SnapshotDecoder: StateSnapshotDecoder {
        var bytes: [UInt8] = []
        var bytesReceived: Int { bytes.count }
        /// Before its 16 bytes are all in, an empty counter (only the planted bug reads it).
        var stateSoFar: Counter { (try? finish()) ?? Counter() }

        mutating func feed(_ piece: some Collection<UInt8>) throws { bytes += piece }

        func finish() throws -> Counter {
            var reader = ByteReader(bytes)
            return Counter(
                appliedIndex: try reader.readUInt64(),
                value: Int64(bitPattern: try reader.readUInt64())
            )
        }
    }

    struct Duties: LeaderDuties {
        static let limit: Int64 = 100
        var resetProposedAt: LogIndex?
        var reads = 0

        mutating func proposals(
            _ moment: HousekeepingMoment,
            state: Counter,
            time: GroupTime,
            settings: GroupSettings,
            random: inout SeededGenerator
        ) -> [Entry] {
            guard case .tick = moment, state.value > Self.limit else { return [] }
            if let proposed = resetProposedAt, proposed.rawValue > state.appliedIndex { return [] }
            return [Entry(session: 0, requestID: 0, command: .reset)]
        }

        mutating func proposed(_ entry: Entry, at index: LogIndex) { resetProposedAt = index }
        mutating func newTerm() {}
        mutating func applied(_ report: Applied, state: Counter, time: GroupTime, random: inout SeededGenerator) {}
        mutating func served(_ read: Read, state: Counter, time: GroupTime, random: inout SeededGenerator) -> Reply? {
            reads += 1
            return nil
        }
        mutating func restored() {}
    }

    var appliedIndex: UInt64 = 0
    var value: Int64 = 0

    var datasetBytes: Int { 16 }

    var snapshotBytes: [UInt8] {
        var writer = ByteWriter()
        writer.write(appliedIndex)
        writer.write(UInt64(bitPattern: value))
        return writer.bytes
    }

    static func entry(for command: Command, identity: EntryIdentity) -> Entry {
        Entry(session: identity.session, requestID: identity.requestID, command: command)
    }

    static func decodeEntry(_ bytes: [UInt8]) throws -> Entry {
        var reader = ByteReader(bytes)
        let session = try reader.readUInt64()
        let requestID = try reader.readUInt64()
        switch try reader.readUInt8() {
        case 0:
            let amount = Int64(bitPattern: try reader.readUInt64())
            return Entry(session: session, requestID: requestID, command: .add(amount))
        case 1:
            return Entry(session: session, requestID: requestID, command: .reset)
        case let kind:
            throw ByteReader.Failure.invalid("counter command kind \(kind)")
        }
    }

    static func leaderOpeningEntry(at timeMilliseconds: Int64) -> Entry? { nil }

    mutating func apply(_ entry: Entry, at index: UInt64) -> Applied {
        skip(index: index)
        switch entry.command {
        case .add(let amount):
            let (sum, overflow) = value.addingReportingOverflow(amount)
            let answered = entry.session == 0 ? nil : RequestKey(session: entry.session, requestID: entry.requestID)
            guard !overflow else { return Applied(answered: answered, result: .error("overflow")) }
            value = sum
            return Applied(answered: answered, result: .value(sum))
        case .reset:
            value = 0
            return Applied(answered: nil, result: .value(0))
        }
    }

    mutating func skip(index: UInt64) { appliedIndex = index }

    func read(_ read: Read, at timeMilliseconds: Int64, randomIndex: (Int) -> Int) -> Reply { .value(value) }
    func recordedResult(session: UInt64, requestID: UInt64) -> Reply? { nil }
    func standing(ofWait requestID: UInt64) -> Reply { .error("no waits") }
    static func plantedEarlyAnswer(to command: Command) -> Reply? { nil }
    static func abandonment(ofWaits requestIDs: [UInt64]) -> Command? { nil }
    static var sessionKeepAlive: Command? { nil }
    static func settlement(delivered: [RequestKey], returned: [RequestKey]) -> Command? { nil }
    func holdsReply(_ key: RequestKey) -> Bool { false }
}

struct CounterStateMachineTests {
    typealias Runtime = GroupRuntime<ScriptedReplica, Counter, NoObserver<Counter>>

    static let leaderID = NodeID(1)

    static func runtime(from counter: Counter) throws -> Runtime {
        var replica = ScriptedReplica(id: leaderID, leader: leaderID)
        replica.commitIndex = LogIndex(counter.appliedIndex)
        replica.lastIndex = LogIndex(counter.appliedIndex)
        replica.snapshotIndex = LogIndex(counter.appliedIndex)
        return try Runtime(
            group: GroupID(9),
            settings: GroupSettings(nodeID: leaderID),
            replica: replica,
            snapshot: Snapshot(
                index: LogIndex(counter.appliedIndex),
                term: Term(1),
                membership: replica.membership,
                data: counter.snapshotBytes
            ),
            observer: NoObserver(),
            session: 5,
            firstRequestID: 1,
            randomSeed: 1,
            clock: { GroupTime(wallMilliseconds: 1_000, monotonicMilliseconds: 0) }
        )
    }

    /// Commits and applies everything the replica was asked to propose so far.
    static func commitProposals(_ runtime: inout Runtime, from first: Int) {
        let entries = runtime.replica.proposed[first...].enumerated().map { offset, bytes in
            LogEntry(term: Term(1), index: LogIndex(UInt64(first + offset + 1) + 40), payload: .command(bytes))
        }
        runtime.replica.readys.append(Ready(entriesToPersist: entries, committedEntries: entries))
        runtime.processReady()
        runtime.persisted()
    }

    @Test func aStateMachineWithoutAnOpeningEntryServesWritesReadsAndItsDuties() throws {
        var runtime = try Self.runtime(from: Counter(appliedIndex: 40, value: 7))
        #expect(runtime.state.value == 7, "the state was not restored from its snapshot")

        // No opening entry: the first write is the first proposal of the term.
        runtime.write(.add(95), ticket: 1)
        #expect(runtime.replica.proposed.count == 1)
        Self.commitProposals(&runtime, from: 0)
        let replies = runtime.takeOutputs().compactMap { output -> Counter.Reply? in
            guard case .reply(ticket: 1, let reply) = output else { return nil }
            return reply
        }
        #expect(replies == [.value(102)])

        // Over the limit, the leader's duties propose a reset on the next tick.
        runtime.tick()
        #expect(runtime.replica.proposed.count == 2)
        #expect(try Counter.decodeEntry(runtime.replica.proposed[1]).command == .reset)
        runtime.tick()
        #expect(runtime.replica.proposed.count == 2, "a second reset while the first is not applied")
        Self.commitProposals(&runtime, from: 1)
        #expect(runtime.state.value == 0)

        // A read through ReadIndex sees the applied state, and the duties saw it served.
        runtime.read(.value, ticket: 2)
        runtime.processReady()  // Asks its ReadIndex.
        let context = try #require(runtime.replica.readContexts.last)
        runtime.replica.readys.append(Ready(readStates: [ReadState(index: LogIndex(42), context: context)]))
        runtime.processReady()
        let read = runtime.takeOutputs().compactMap { output -> Counter.Reply? in
            guard case .reply(ticket: 2, let reply) = output else { return nil }
            return reply
        }
        #expect(read == [.value(0)])
        #expect(runtime.duties.reads == 1)
    }

    @Test func anUndecodableCommittedEntryStopsTheGroupAndAnswersItsClients() throws {
        var runtime = try Self.runtime(from: Counter(appliedIndex: 40))
        runtime.write(.add(1), ticket: 3)
        let garbage = LogEntry(term: Term(1), index: LogIndex(41), payload: .command([9, 9, 9]))
        runtime.replica.readys.append(Ready(entriesToPersist: [garbage], committedEntries: [garbage]))
        runtime.processReady()
        runtime.persisted()
        #expect(runtime.isStopped)
        let outputs = runtime.takeOutputs()
        #expect(
            outputs.contains {
                if case .reply(ticket: 3, .refused(.uncertain)) = $0 { true } else { false }
            }
        )
        #expect(outputs.contains { if case .stopped = $0 { true } else { false } })
    }
}
