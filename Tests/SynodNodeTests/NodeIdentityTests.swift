import Foundation
import SynodCore
import Testing

@testable import SynodNode

/// A node's cluster id and incarnation, and the incarnations it records of its peers.
struct NodeIdentityTests {
    static let cluster: [NodeID: HostPort] = [
        NodeID(1): HostPort(host: "127.0.0.1", port: 7101), NodeID(2): HostPort(host: "127.0.0.1", port: 7102),
    ]

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("synod-identity-\(UUID().uuidString)").path
    }

    @Test func foundingNodesShareTheClusterIdAndEachDirectoryHasItsOwnIncarnation() throws {
        let (first, second) = (Self.directory(), Self.directory())
        defer { for path in [first, second] { try? FileManager.default.removeItem(atPath: path) } }  // Best effort.
        let one = try NodeIdentity(directory: first, initialCluster: Self.cluster)
        let two = try NodeIdentity(directory: second, initialCluster: Self.cluster)
        #expect(one.clusterID == two.clusterID)
        #expect(one.incarnation != two.incarnation)
        var other = Self.cluster
        other[NodeID(3)] = HostPort(host: "127.0.0.1", port: 7103)
        #expect(NodeIdentity.clusterID(of: other) != one.clusterID)
        // Read back, the same identity, even if the configured cluster changed since.
        let again = try NodeIdentity(directory: first, initialCluster: other)
        #expect(again.clusterID == one.clusterID && again.incarnation == one.incarnation)
    }

    /// A peer that comes back with another incarnation lost its data: refused, also after this
    /// node restarts.
    @Test func aPeerThatLostItsDataIsRefused() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }  // Best effort: /tmp is cleaned anyway.
        let identity = try NodeIdentity(directory: path, initialCluster: Self.cluster)
        #expect(identity.admit(NodeID(2), incarnation: 0xABC) == nil)
        #expect(identity.admit(NodeID(2), incarnation: 0xABC) == nil)
        let refusal = try #require(identity.admit(NodeID(2), incarnation: 0xDEF))
        #expect(refusal.contains("started again without its data"), "\(refusal)")
        let restarted = try NodeIdentity(directory: path, initialCluster: Self.cluster)
        #expect(restarted.admit(NodeID(2), incarnation: 0xABC) == nil)
        #expect(restarted.admit(NodeID(2), incarnation: 0xDEF) != nil)
    }

    @Test func aDamagedIdentityFileIsAnErrorNotAGuess() throws {
        let path = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: path) }  // Best effort: /tmp is cleaned anyway.
        _ = try NodeIdentity(directory: path, initialCluster: Self.cluster)
        try "cluster zz\n".write(toFile: path + "/identity", atomically: true, encoding: .utf8)
        #expect(throws: NodeIdentity.Failure.self) { try NodeIdentity(directory: path, initialCluster: Self.cluster) }
    }
}
