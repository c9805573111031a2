import NIOConcurrencyHelpers
import SynodCore
import SynodPOSIXStorage
import SynodStorage

/// Who this node is beyond its id, kept in its data directory (`identity`), and what it
/// knows of its peers: the cluster it was founded in, and the incarnation of its data.
///
/// - The cluster id is derived from the founding membership (ids and peer addresses), so
///   every founding node computes the same one without talking; every peer connection checks
///   it, so nodes of two clusters never exchange a message.
/// - The incarnation is drawn at random when a data directory is first used. A node that lost
///   its data and starts again empty has a new one. Each node records the incarnation every
///   peer first showed it and refuses a connection that shows another: a member without its
///   data must not take part (it would vote again in terms it had voted in), and must be
///   removed and added back as a new member.
final class NodeIdentity: Sendable {
    let clusterID: UInt64
    let incarnation: UInt64
    private let path: String
    /// Invariant: mirrors the file (written before a new incarnation is accepted).
    private let peers: NIOLockedValueBox<[NodeID: UInt64]>

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let fileName = "identity"

    /// The founding membership's cluster id.
    static func clusterID(of initialCluster: [NodeID: HostPort]) -> UInt64 {
        let members = initialCluster.keys.sorted().map { "\($0.rawValue)=\(initialCluster[$0]!)" }
        return StableHash.xxh64("synod cluster " + members.joined(separator: ","))
    }

    /// Reads the directory's identity, or makes a new one (durably) when there is none.
    init(directory: String, initialCluster: [NodeID: HostPort]) throws {
        path = directory + "/" + Self.fileName
        var files = POSIXFileSystem()
        try files.createDirectory(directory)
        if let text = try Self.read(path, files: &files) {
            var clusterID: UInt64?
            var incarnation: UInt64?
            var peers: [NodeID: UInt64] = [:]
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                switch (fields.first, fields.count) {
                case ("cluster", 2): clusterID = UInt64(fields[1], radix: 16)
                case ("incarnation", 2): incarnation = UInt64(fields[1], radix: 16)
                case ("peer", 3):
                    guard let id = UInt64(fields[1]), id != 0, let value = UInt64(fields[2], radix: 16) else {
                        throw Failure(description: "\(path): a malformed line '\(line)'")
                    }
                    peers[NodeID(id)] = value
                default:
                    throw Failure(description: "\(path): a malformed line '\(line)'")
                }
            }
            guard let clusterID, let incarnation else {
                throw Failure(description: "\(path) lacks the cluster id or the incarnation")
            }
            self.clusterID = clusterID
            self.incarnation = incarnation
            self.peers = NIOLockedValueBox(peers)
        } else {
            clusterID = Self.clusterID(of: initialCluster)
            var random = SystemRandomNumberGenerator()
            incarnation = random.next()
            peers = NIOLockedValueBox([:])
            try write(peers: [:])
        }
    }

    /// Why a peer showing `incarnation` is refused, or nil; the first one a peer shows is
    /// recorded durably before it is accepted.
    func admit(_ peer: NodeID, incarnation shown: UInt64) -> String? {
        do {
            return try peers.withLockedValue { peers -> String? in
                if let known = peers[peer] {
                    return known == shown
                        ? nil
                        : "node \(peer.rawValue) started again without its data (incarnation \(hex(shown)), "
                            + "it was \(hex(known))): remove it and add it back as a new member"
                }
                var updated = peers
                updated[peer] = shown
                try write(peers: updated)
                peers = updated
                return nil
            }
        } catch {
            return "cannot record node \(peer.rawValue)'s incarnation: \(error)"
        }
    }

    private func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    /// Writes the file atomically and durably: a temporary file, fsynced, renamed over it.
    private func write(peers: [NodeID: UInt64]) throws {
        var text = "cluster \(hex(clusterID))\nincarnation \(hex(incarnation))\n"
        for peer in peers.keys.sorted() { text += "peer \(peer.rawValue) \(hex(peers[peer]!))\n" }
        var files = POSIXFileSystem()
        let temporary = path + ".tmp"
        do {
            let file = try files.open(temporary, create: true)
            try files.truncate(file, to: 0)
            try files.write(Array(text.utf8), to: file, at: 0)
            try files.synchronize(file)
            files.close(file)
            try files.rename(temporary, to: path)
            try files.synchronizeDirectory(String(path[..<path.lastIndex(of: "/")!]))
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    private static func read(_ path: String, files: inout POSIXFileSystem) throws -> String? {
        do {
            guard try files.fileNames(in: String(path[..<path.lastIndex(of: "/")!])).contains(fileName) else {
                return nil
            }
            let file = try files.open(path, create: false)
            defer { files.close(file) }
            let size = try files.size(of: file)
            guard size <= 1 << 20 else { throw Failure(description: "\(path) is \(size) bytes") }
            return String(decoding: try files.read(file, at: 0, count: size), as: UTF8.self)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(error)")
        }
    }
}
