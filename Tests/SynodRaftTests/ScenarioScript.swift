import Foundation
import SynodConsensus
import SynodCore

@testable import SynodRaft

/// Runs a golden scenario file: lines `> command args` each followed by the trace they must
/// print. Lines starting with `#` are comments. With `SYNOD_REWRITE_GOLDEN=1` the file is
/// rewritten with the actual traces, to be reviewed in the diff.
struct ScenarioScript {
    struct Step {
        var comments: [String]
        var command: String
        var expected: [String]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Splits a scenario into steps; blank lines only separate steps and are not kept.
    static func parse(_ text: String) -> (steps: [Step], trailingComments: [String]) {
        var steps: [Step] = []
        var comments: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("> ") {
                steps.append(Step(comments: comments, command: String(line.dropFirst(2)), expected: []))
                comments = []
            } else if line.hasPrefix("#") {
                comments.append(line)
            } else if !line.isEmpty, !steps.isEmpty {
                steps[steps.count - 1].expected.append(line)
            }
        }
        return (steps, comments)
    }

    /// Runs the scenario at `url`; returns the differences (empty when it matches).
    static func run(url: URL) throws -> [String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let (steps, trailing) = parse(text)
        var cluster = ScenarioCluster()
        var rewritten: [String] = []
        var differences: [String] = []
        for step in steps {
            cluster.output = []
            do {
                try execute(step.command, on: &cluster)
            } catch {
                cluster.output.append("error: \(error)")
            }
            let actual = cluster.output.isEmpty ? ["ok"] : cluster.output
            if actual != step.expected {
                differences.append(
                    "> \(step.command)\nexpected:\n\(step.expected.joined(separator: "\n"))\nactual:\n"
                        + actual.joined(separator: "\n")
                )
            }
            rewritten += step.comments + ["> \(step.command)"] + actual + [""]
        }
        rewritten += trailing
        // A scenario sends only what correct replicas send: none of it may be dropped as
        // hostile, whether the trace is checked or rewritten, unless the scenario says which
        // drops correct replicas cause (a removed member's requests, say).
        var drops: [String] = []
        for id in cluster.nodeIDs {
            let unexpected = cluster.replicas[id]!.droppedMessages.byReason.filter {
                !cluster.allowedDrops.contains("\($0.key)")
            }
            if !unexpected.isEmpty {
                drops.append("n\(id.rawValue) dropped messages: \(unexpected)")
            }
        }
        if ProcessInfo.processInfo.environment["SYNOD_REWRITE_GOLDEN"] == "1" {
            while rewritten.last == "" { rewritten.removeLast() }
            try (rewritten.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            return drops
        }
        return differences + drops
    }

    // MARK: - Commands

    static func execute(_ command: String, on cluster: inout ScenarioCluster) throws {
        let words = command.split(separator: " ").map(String.init)
        guard let name = words.first else { throw Failure(description: "empty command") }
        var positional: [String] = []
        var options: [String: String] = [:]
        for word in words.dropFirst() {
            if let equals = word.firstIndex(of: "=") {
                options[String(word[..<equals])] = String(word[word.index(after: equals)...])
            } else {
                positional.append(word)
            }
        }
        func node(_ position: Int) throws -> NodeID {
            guard position < positional.count, let value = UInt64(positional[position]) else {
                throw Failure(description: "\(name) needs a node id at argument \(position + 1)")
            }
            return NodeID(value)
        }
        func optionalNode(_ key: String) throws -> NodeID? {
            guard let text = options[key] else { return nil }
            guard let value = UInt64(text) else { throw Failure(description: "\(key) must be a node id") }
            return NodeID(value)
        }
        func replica(_ id: NodeID) throws -> RaftReplica {
            guard let replica = cluster.replicas[id] else { throw Failure(description: "n\(id.rawValue) is down") }
            return replica
        }

        switch name {
        case "add-nodes":
            // add-nodes N [prevote=] [checkquorum=] [lease=] [election=] [inflight=] [chunk=] [append-bytes=]
            //   [drift=] [kept=] [load-bytes=] [hibernate=]
            guard let count = positional.first.flatMap(UInt64.init) else { throw Failure(description: "add-nodes N") }
            let voters = Set((1...count).map { NodeID($0) })
            cluster.settings = { base in
                var configuration = base
                if let value = options["prevote"] { configuration.preVote = value == "true" }
                if let value = options["checkquorum"] { configuration.checkQuorum = value == "true" }
                if let value = options["lease"] { configuration.leaseReads = value == "true" }
                if let value = options["election"].flatMap(Int.init) { configuration.electionTimeoutTicks = value }
                if let value = options["inflight"].flatMap(Int.init) { configuration.inflightMessagesMax = value }
                if let value = options["chunk"].flatMap(Int.init) { configuration.snapshotChunkBytes = value }
                if let value = options["append-bytes"].flatMap(Int.init) { configuration.appendBytesMax = value }
                if let value = options["drift"].flatMap(Int.init) { configuration.clockDriftBoundTicks = value }
                if let value = options["kept"].flatMap(Int.init) { configuration.appliedEntryBytesKept = value }
                if let value = options["load-bytes"].flatMap(Int.init) { configuration.entryLoadBytesMax = value }
                if let value = options["hibernate"].flatMap(Int.init) { configuration.hibernateAfterIdleTicks = value }
                return configuration
            }
            for id in voters.sorted() { try cluster.addNode(id, state: .bootstrap(voters: voters)) }
            cluster.processAllReady()
            for id in cluster.nodeIDs { cluster.log(cluster.status(id)) }
        case "add-empty-node":
            // A new machine that knows no membership yet; it learns it from the leader.
            let id = try node(0)
            try cluster.addNode(id, state: .joining)
            cluster.log(cluster.status(id))
        case "campaign":
            var target = try replica(try node(0))
            target.campaign()
            cluster.replicas[target.id] = target
            cluster.processReady(target.id)
            cluster.log(cluster.status(target.id))
        case "tick":
            // tick ID [count]: ticks one node; its Ready is processed (messages queued).
            let id = try node(0)
            let times = positional.count > 1 ? Int(positional[1]) ?? 1 : 1
            cluster.tick(id, times: times)
            cluster.processReady(id)
            cluster.log(cluster.status(id))
        case "tick-run":
            // tick-run ID count: ticks that elapsed together, with no input between (the node
            // was paused); its Ready is processed.
            let id = try node(0)
            guard positional.count > 1, let count = Int(positional[1]) else {
                throw Failure(description: "tick-run ID COUNT")
            }
            cluster.replicas[id]?.tick(count: count)
            cluster.processReady(id)
            cluster.log(cluster.status(id))
        case "arriving":
            // arriving ID FROM TERM: the first bytes of a message from FROM in TERM reached ID
            // (a big one, still streaming in); nothing is delivered.
            let id = try node(0)
            let sender = try node(1)
            guard positional.count > 2, let term = UInt64(positional[2]) else {
                throw Failure(description: "arriving ID FROM TERM")
            }
            cluster.replicas[id]?.messageArriving(from: sender, term: Term(term))
        case "tick-until-campaign":
            // Ticks a follower until it starts a (pre-)election, at most 100 ticks.
            let id = try node(0)
            let start = try replica(id)
            var ticks = 0
            while ticks < 100, try replica(id).role == start.role && replica(id).term == start.term {
                cluster.tick(id, times: 1)
                ticks += 1
            }
            cluster.processReady(id)
            cluster.log("ticked \(ticks)")
            cluster.log(cluster.status(id))
        case "stabilize":
            cluster.stabilize()
            for id in cluster.nodeIDs { cluster.log(cluster.status(id)) }
        case "process-ready":
            cluster.processAllReady()
        case "begin-write":
            // begin-write ID: takes the node's Ready and starts its write, which stays in
            // progress until finish-write (stabilize leaves the node alone meanwhile).
            cluster.beginWrite(try node(0))
        case "finish-write":
            let id = try node(0)
            cluster.finishWrite(id)
            cluster.log(cluster.status(id))
        case "propose-only":
            // propose-only ID payload: proposes without processing the Ready.
            let id = try node(0)
            var target = try replica(id)
            do {
                try target.propose(Array(positional.dropFirst().joined(separator: " ").utf8))
            } catch {
                cluster.log("refused: \(error)")
            }
            cluster.replicas[id] = target
        case "deliver":
            let delivered = cluster.deliver(from: try optionalNode("from"), to: try optionalNode("to"))
            if delivered == 0 { cluster.log("nothing to deliver") }
        case "drop":
            cluster.drop(from: try optionalNode("from"), to: try optionalNode("to"))
        case "duplicate":
            cluster.duplicate(from: try optionalNode("from"), to: try optionalNode("to"))
        case "partition":
            // partition 1 2 / 3 4 5: links between the groups are cut both ways.
            let groups = positional.split(separator: "/").map { $0.compactMap { UInt64($0) }.map { NodeID($0) } }
            cluster.cutLinks = []
            for (groupIndex, group) in groups.enumerated() {
                for other in groups[(groupIndex + 1)...] {
                    for left in group {
                        for right in other {
                            cluster.cutLinks.insert(.init(from: left, to: right))
                            cluster.cutLinks.insert(.init(from: right, to: left))
                        }
                    }
                }
            }
            cluster.log("cut \(cluster.cutLinks.count) links")
        case "cut-one-way":
            let from = try node(0)
            let to = try node(1)
            cluster.cutLinks.insert(.init(from: from, to: to))
            cluster.log("cut \(from.rawValue)->\(to.rawValue)")
        case "heal":
            cluster.cutLinks = []
            cluster.log("healed")
        case "crash":
            cluster.crash(try node(0))
            cluster.log(cluster.status(try node(0)))
        case "restart":
            try cluster.restart(try node(0))
            cluster.log(cluster.status(try node(0)))
        case "propose":
            let id = try node(0)
            var target = try replica(id)
            do {
                try target.propose(Array(positional.dropFirst().joined(separator: " ").utf8))
            } catch {
                cluster.log("refused: \(error)")
            }
            cluster.replicas[id] = target
            cluster.processReady(id)
        case "add-learner", "add-voter", "remove-member":
            let id = try node(0)
            let member = try node(1)
            var target = try replica(id)
            let change: ConfigurationChange =
                name == "add-learner" ? .addLearner(member) : name == "add-voter" ? .addVoter(member) : .remove(member)
            do {
                try target.proposeConfigurationChange(change)
            } catch {
                cluster.log("refused: \(error)")
            }
            cluster.replicas[id] = target
            cluster.processReady(id)
        case "transfer-leadership":
            let id = try node(0)
            var target = try replica(id)
            do {
                try target.transferLeadership(to: try node(1))
            } catch {
                cluster.log("refused: \(error)")
            }
            cluster.replicas[id] = target
            cluster.processReady(id)
        case "read-index":
            let id = try node(0)
            guard positional.count > 1, let context = UInt64(positional[1]) else {
                throw Failure(description: "read-index ID CONTEXT")
            }
            var target = try replica(id)
            do {
                try target.readIndex(context: context)
            } catch {
                cluster.log("refused: \(error)")
            }
            cluster.replicas[id] = target
            cluster.processReady(id)
        case "inject-vote":
            // inject-vote FROM TO TERM: delivers a vote request as FROM would send it in TERM,
            // whatever FROM's real state, and delivers the answer.
            let from = try node(0)
            let to = try node(1)
            guard positional.count > 2, let termValue = UInt64(positional[2]) else {
                throw Failure(description: "inject-vote FROM TO TERM")
            }
            let sender = try replica(from)
            let request = RaftMessage(
                from: from,
                to: to,
                term: Term(termValue),
                body: .vote(lastIndex: sender.lastIndex, lastTerm: sender.lastTerm, leadershipTransfer: false)
            )
            cluster.log("  \(ScenarioCluster.describe(request))")
            cluster.replicas[to]!.step(request)
            cluster.processReady(to)
            _ = cluster.deliver(from: to, to: from)
        case "hibernating":
            // hibernating ID...: whether each node's replica hibernates.
            for position in positional.indices {
                let target = try replica(try node(position))
                cluster.log("n\(target.id.rawValue) hibernating=\(target.isHibernating)")
            }
        case "leader-silent":
            // leader-silent ID PEER: ID's driver heard nothing from PEER's node for a while.
            let id = try node(0)
            cluster.replicas[id]?.leaderSilent(try node(1))
            cluster.log(cluster.status(id))
        case "lease":
            let target = try replica(try node(0))
            cluster.log("n\(target.id.rawValue) lease valid=\(target.leaseIsValid)")
        case "compact":
            // compact ID INDEX: the driver snapshots its state machine at INDEX.
            let id = try node(0)
            guard positional.count > 1, let value = UInt64(positional[1]) else {
                throw Failure(description: "compact ID INDEX")
            }
            var target = try replica(id)
            let index = LogIndex(value)
            let appliedEntries = Array(cluster.applied[id]!.prefix(Int(value)))
            guard appliedEntries.count == Int(value) else {
                throw Failure(description: "n\(id.rawValue) has not applied \(index)")
            }
            let snapshot = Snapshot(
                index: index,
                term: target.term(at: index)!,
                membership: target.membership,
                data: ScenarioCluster.encodeSnapshot(appliedEntries)
            )
            target.snapshotTaken(snapshot)
            cluster.replicas[id] = target
            cluster.disks[id]!.snapshot = snapshot
            cluster.disks[id]!.entries.removeAll { $0.index <= index }
            cluster.log(cluster.status(id))
        case "allow-drops":
            // allow-drops REASON...: drops a correct replica's messages may cause here.
            cluster.allowedDrops.formUnion(positional)
        case "status":
            let ids = positional.isEmpty ? cluster.nodeIDs : try [node(0)]
            for id in ids { cluster.log(cluster.status(id)) }
        case "log":
            let ids = positional.isEmpty ? cluster.nodeIDs : try [node(0)]
            for id in ids { cluster.output += cluster.logDump(id) }
        default:
            throw Failure(description: "unknown command \(name)")
        }
    }
}
