import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodRaft

/// A replica and the store it applies to, driven through the Ready cycle as `NodeDriver`
/// drives a node (without storage: nothing here crashes).
struct FuzzNode: Sendable {
    var replica: RaftReplica
    var store = KeyValueStore()
    /// Set when the node stopped, as a node stops on a snapshot or an entry it cannot apply.
    var stopped = false
    /// The pieces of a snapshot being received.
    var transfer = InMemorySnapshotTransfer()

    /// Takes the replica's Ready, restores its snapshot and applies its committed entries as
    /// `NodeDriver.apply` does, and returns the messages to send.
    mutating func processReady() -> [RaftMessage] {
        guard !stopped, replica.hasReady else { return [] }
        let ready = replica.ready()
        transfer.keep(ready.snapshotTransfer)
        if let received = ready.snapshot {
            guard let snapshot = transfer.take(received) else {
                stopped = true  // as the runtime stops on pieces that do not make the snapshot
                return []
            }
            replica.snapshotStored(snapshot)
            do {
                store = try KeyValueStore(snapshotBytes: snapshot.data.bytes())
            } catch {
                stopped = true  // as `NodeDriver.restore` stops the node
                return []
            }
            // A snapshot whose state is at another index than the snapshot's (forged, or from
            // a buggy leader) would make the next committed entry trap in `KeyValueStore.skip`:
            // the node must stop instead, as `NodeDriver.restore` does (found with this target;
            // Tests/Fuzz/Regressions/peer-frame/snapshot-at-another-index).
            guard store.appliedIndex == snapshot.index.rawValue else {
                stopped = true
                return []
            }
        }
        for entry in ready.committedEntries {
            guard case .command(let bytes) = entry.payload else {
                store.skip(index: entry.index.rawValue)
                continue
            }
            do {
                _ = store.applyReporting(try KeyValueEntry(decoding: bytes), at: entry.index.rawValue)
            } catch {
                stopped = true  // as `NodeDriver.apply` stops on an entry it cannot decode
                return []
            }
        }
        replica.advance(ready)
        return ready.messages
    }
}

/// A three-voter group in a known state, with one replica in each role, that forged
/// messages are stepped into (`deliver`).
///
/// n1 leads (elected once, after the bootstrap) with the fixture's first commands committed,
/// n2 follows it, n3 is a pre-candidate (it campaigned while n1 leads), and n4 is a machine
/// joining the group that knows nothing yet. Built once; each input starts from a copy.
struct FuzzCluster: Sendable {
    static let prepared = FuzzCluster()
    /// Messages the group sends itself in answer to one forged message, at most.
    static let answersMax = 64

    var nodes: [FuzzNode]

    private init() {
        var group = (1...3).map {
            FuzzCluster.makeNode(NodeID(UInt64($0)), state: .bootstrap(voters: FuzzCluster.voters))
        }
        group[0].replica.campaign()
        Self.stabilize(&group)
        for (offset, command) in FuzzFixtures.commands.prefix(4).enumerated() {
            do {
                try group[0].replica.propose(FuzzFixtures.entry(command, requestID: UInt64(offset + 1)).encoded)
            } catch {
                preconditionFailure("the fuzz group's leader refused a proposal: \(error)")
            }
            Self.stabilize(&group)
        }
        precondition(group[0].replica.role == .leader, "the fuzz group has no leader")
        group[2].replica.campaign()
        _ = group[2].processReady()  // its pre-votes are not delivered: it stays a pre-candidate
        nodes = group + [Self.makeNode(NodeID(4), state: .joining)]
    }

    static let voters: Set<NodeID> = [NodeID(1), NodeID(2), NodeID(3)]

    private static func makeNode(_ id: NodeID, state: PersistentState) -> FuzzNode {
        // No storage to read entries back from: every entry stays in memory.
        var configuration = RaftConfiguration(id: id, randomSeed: id.rawValue)
        configuration.appliedEntryBytesKept = .max
        do {
            return FuzzNode(replica: try RaftReplica(configuration: configuration, state: state))
        } catch {
            preconditionFailure("the fuzz group's configuration is invalid: \(error)")
        }
    }

    /// Delivers messages until the group is quiet.
    private static func stabilize(_ group: inout [FuzzNode]) {
        for _ in 0..<100 {
            var messages: [RaftMessage] = []
            for index in group.indices { messages += group[index].processReady() }
            if messages.isEmpty { return }
            for message in messages {
                if let index = group.firstIndex(where: { $0.replica.id == message.to }) {
                    group[index].replica.step(message)
                }
            }
        }
        preconditionFailure("the fuzz group did not settle")
    }

    /// Steps `message` into every running node, addressed to it (a forger knows the ids),
    /// runs their Ready cycles, delivers their answers once, and ticks every node.
    mutating func deliver(_ message: RaftMessage) {
        var answers: [RaftMessage] = []
        for index in nodes.indices where !nodes[index].stopped {
            var forged = message
            forged.to = nodes[index].replica.id
            nodes[index].replica.step(forged)
            answers += nodes[index].processReady()
        }
        for answer in answers.prefix(Self.answersMax) {
            guard let index = nodes.firstIndex(where: { $0.replica.id == answer.to }), !nodes[index].stopped else {
                continue
            }
            nodes[index].replica.step(answer)
            _ = nodes[index].processReady()
        }
        for index in nodes.indices where !nodes[index].stopped {
            nodes[index].replica.tick()
            _ = nodes[index].processReady()
        }
    }
}
