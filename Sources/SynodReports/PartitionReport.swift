import Foundation
import SynodCore
import SynodPartitioning

/// One algorithm's line of `synod partition-report`.
public struct PartitionReportRow: Codable, Equatable, Sendable {
    public let algorithm: String
    /// Keys that changed owner when one node joined, over the optimum `keys / (nodes + 1)`.
    public let movedOnAddVsOptimal: Double
    /// Keys that changed owner when one node left, over the keys that node held.
    public let movedOnRemoveVsOptimal: Double
    /// The most loaded node's keys over the mean.
    public let maxOverMeanLoad: Double
    /// Owner lookups per second on this machine, measured.
    public let lookupsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case algorithm
        case movedOnAddVsOptimal = "moved_on_add_vs_optimal"
        case movedOnRemoveVsOptimal = "moved_on_remove_vs_optimal"
        case maxOverMeanLoad = "max_over_mean_load"
        case lookupsPerSecond = "lookups_per_second"
    }
}

/// Measures every placement algorithm on the same keys: movement on a join and a leave,
/// balance, and lookup speed.
public struct PartitionReport: Sendable {
    public let nodeCount: Int
    public let virtualNodesPerWeight: Int
    public let keyCount: Int
    /// The epsilon of the bounded-load ring row.
    public let boundedLoadEpsilon: Double
    /// How long each lookup-speed measurement runs.
    public let measurementDuration: Duration

    public init(
        nodeCount: Int,
        virtualNodesPerWeight: Int,
        keyCount: Int,
        boundedLoadEpsilon: Double = 0.05,
        measurementDuration: Duration = .milliseconds(300)
    ) {
        precondition(nodeCount >= 2, "the report removes a node, so it needs at least two")
        precondition(keyCount >= 1, "the report needs keys")
        self.nodeCount = nodeCount
        self.virtualNodesPerWeight = virtualNodesPerWeight
        self.keyCount = keyCount
        self.boundedLoadEpsilon = boundedLoadEpsilon
        self.measurementDuration = measurementDuration
    }

    /// The node that joins: one id past the initial ones.
    var joiningNode: NodeID { NodeID(UInt64(nodeCount) + 1) }
    /// The node that leaves: one from the middle, which is the hard case for jump hash.
    var leavingNode: NodeID { NodeID(UInt64((nodeCount + 1) / 2)) }
    var initialNodes: [NodeID] { (1...UInt64(nodeCount)).map { NodeID($0) } }

    /// The placement hashes of the report's keys, `key:0`, `key:1`, ...
    func keyHashes() -> [UInt64] { (0..<keyCount).map { PlacementHash.ofKey("key:\($0)") } }

    public func run() throws -> [PartitionReportRow] {
        let hashes = keyHashes()
        return [
            try row(ConsistentHashRing(virtualNodesPerWeight: virtualNodesPerWeight), hashes: hashes),
            try boundedLoadRow(hashes: hashes),
            try row(JumpConsistentHash(), hashes: hashes),
            try row(RendezvousHash(), hashes: hashes),
        ]
    }

    private func row<Strategy: PlacementStrategy>(_ empty: Strategy, hashes: [UInt64]) throws -> PartitionReportRow {
        var initial = empty
        for node in initialNodes { try initial.addNode(node, weight: 1) }
        var grown = initial
        try grown.addNode(joiningNode, weight: 1)
        var shrunk = initial
        try shrunk.removeNode(leavingNode)
        let before = hashes.map { initial.owner(ofHash: $0)! }
        return PartitionReportRow(
            algorithm: Strategy.algorithmName,
            movedOnAddVsOptimal: movedOnAdd(before: before, after: hashes.map { grown.owner(ofHash: $0)! }),
            movedOnRemoveVsOptimal: movedOnRemove(before: before, after: hashes.map { shrunk.owner(ofHash: $0)! }),
            maxOverMeanLoad: maxOverMean(before),
            lookupsPerSecond: measureLookups(hashes: hashes) { initial.owner(ofHash: $0) }
        )
    }

    private func boundedLoadRow(hashes: [UInt64]) throws -> PartitionReportRow {
        func assignAll(_ ring: ConsistentHashRing) -> [NodeID] {
            var assigner = BoundedLoadAssigner(ring: ring, epsilon: boundedLoadEpsilon)
            return hashes.map { assigner.assign(hash: $0) }
        }
        var initial = ConsistentHashRing(virtualNodesPerWeight: virtualNodesPerWeight)
        for node in initialNodes { try initial.addNode(node, weight: 1) }
        var grown = initial
        try grown.addNode(joiningNode, weight: 1)
        var shrunk = initial
        try shrunk.removeNode(leavingNode)
        let before = assignAll(initial)
        var measured = BoundedLoadAssigner(ring: initial, epsilon: boundedLoadEpsilon)
        return PartitionReportRow(
            algorithm: "ring-bounded-\(boundedLoadEpsilon)",
            movedOnAddVsOptimal: movedOnAdd(before: before, after: assignAll(grown)),
            movedOnRemoveVsOptimal: movedOnRemove(before: before, after: assignAll(shrunk)),
            maxOverMeanLoad: maxOverMean(before),
            lookupsPerSecond: measureLookups(hashes: hashes) { measured.assign(hash: $0) }
        )
    }

    private func movedOnAdd(before: [NodeID], after: [NodeID]) -> Double {
        let moved = zip(before, after).filter { $0 != $1 }.count
        return Double(moved) / (Double(keyCount) / Double(nodeCount + 1))
    }

    private func movedOnRemove(before: [NodeID], after: [NodeID]) -> Double {
        let moved = zip(before, after).filter { $0 != $1 }.count
        let held = before.filter { $0 == leavingNode }.count
        return held == 0 ? (moved == 0 ? 1 : .infinity) : Double(moved) / Double(held)
    }

    private func maxOverMean(_ owners: [NodeID]) -> Double {
        let loads = owners.reduce(into: [NodeID: Int]()) { $0[$1, default: 0] += 1 }
        return Double(loads.values.max() ?? 0) / (Double(keyCount) / Double(nodeCount))
    }

    /// Runs `lookup` over `hashes` repeatedly for at least `measurementDuration`.
    private func measureLookups(hashes: [UInt64], _ lookup: (UInt64) -> NodeID?) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var lookups = 0
        var checksum: UInt64 = 0
        repeat {
            for hash in hashes { checksum &+= lookup(hash)?.rawValue ?? 0 }
            lookups += hashes.count
        } while clock.now - start < measurementDuration
        precondition(checksum != 0 || hashes.isEmpty, "lookups found no owner")
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(lookups) / seconds
    }
}

extension PartitionReport {
    /// An aligned table for people.
    public static func table(_ rows: [PartitionReportRow], nodeCount: Int, virtualNodes: Int, keyCount: Int) -> String {
        var lines = [
            "partition report: \(nodeCount) nodes, \(virtualNodes) virtual nodes per node, \(keyCount) keys",
            "moved = keys that changed owner / the minimum that had to (1.00 is optimal)",
            "",
            pad(["algorithm", "moved on add", "moved on remove", "max/mean load", "lookups/s"]),
        ]
        for row in rows {
            lines.append(
                pad([
                    row.algorithm,
                    ReportOutput.fixed(row.movedOnAddVsOptimal, digits: 2) + "x",
                    ReportOutput.fixed(row.movedOnRemoveVsOptimal, digits: 2) + "x",
                    ReportOutput.fixed(row.maxOverMeanLoad, digits: 3),
                    ReportOutput.fixed(row.lookupsPerSecond, digits: 0),
                ])
            )
        }
        return lines.joined(separator: "\n")
    }

    /// One JSON array of row objects, for scripts.
    public static func json(_ rows: [PartitionReportRow]) throws -> String {
        try ReportOutput.json(rows)
    }

    private static func pad(_ cells: [String]) -> String {
        let widths = [22, 14, 16, 15, 14]
        return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }
            .joined().trimmingCharacters(in: .whitespaces)
    }
}
