import Foundation
import SynodTestSupport
import Testing

/// Peer mutual TLS on a real three-node cluster: every node presents a certificate naming it
/// (`node-<id>.synod`), signed by the cluster's CA; the cluster elects a leader and replicates
/// through those connections, with or without a cluster secret on top.
@Suite(.serialized)
struct PeerTLSProcessTests {
    /// Three nodes whose peer connections use mutual TLS with certificates from `files`.
    static func startCluster(_ files: TestTLSFiles, extraArguments: [String]) throws -> [SynodServerProcess] {
        let plan = try SynodServerProcess.plan(count: 3)
        let cluster = SynodServerProcess.cluster(plan)
        var nodes: [SynodServerProcess] = []
        do {
            for (offset, ports) in plan.enumerated() {
                let identity = try files.issuePeer(node: offset + 1)
                let tls = [
                    "--peer-tls-cert-file", identity.certificatePath, "--peer-tls-key-file", identity.keyPath,
                    "--peer-tls-ca-file", files.authorityPath,
                ]
                nodes.append(
                    try SynodServerProcess(
                        executable: synodExecutablePath(),
                        nodeID: offset + 1,
                        clientPort: ports.clientPort,
                        peerPort: ports.peerPort,
                        initialCluster: cluster,
                        dataDirectory: files.directory + "/n\(offset + 1)",
                        extraArguments: tls + extraArguments
                    )
                )
            }
        } catch {
            for node in nodes { node.process.terminate() }
            throw error
        }
        return nodes
    }

    /// GET `key` from the node's own state (READONLY: no trip to the leader), or nil.
    static func localValue(_ key: String, on node: SynodServerProcess) -> RESPReply? {
        guard let connection = try? BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 10) else {
            return nil  // Down or not yet up.
        }
        guard (try? connection.command(["READONLY"])) == .simpleString("OK") else { return nil }
        return try? connection.command(["GET", key])
    }

    @Test(arguments: [false, true])
    func aClusterWhosePeersUseMutualTLSElectsALeaderAndReplicates(withSecret: Bool) async throws {
        let files = try TestTLSFiles(authorityName: "Synod cluster CA")
        var extraArguments: [String] = []
        if withSecret {
            let secret = try files.write("a cluster secret of some length\n", to: "secret")
            extraArguments = ["--cluster-secret-file", secret]
        }
        let nodes = try Self.startCluster(files, extraArguments: extraArguments)
        defer {
            for node in nodes { node.process.terminate() }
            files.remove()
        }
        let leader = try #require(await ServerProcessTests.leader(of: nodes), "\(nodes.map(\.process.output))")
        let follower = try #require(nodes.first { $0 !== leader })
        // Written through a follower: forwarded to the leader over a peer connection, then
        // replicated to every node over others.
        #expect(follower.command(["SET", "mtls:k", "v"]) == .simpleString("OK"))
        let replicated = await waitUntil {
            nodes.allSatisfy { Self.localValue("mtls:k", on: $0) == .bulkString(Array("v".utf8)) }
        }
        #expect(replicated, "\(nodes.map(\.process.output))")
        for node in nodes { #expect(node.process.output.contains("peer connections use mutual TLS")) }
        // The peer port speaks TLS only: bytes that are not a TLS handshake get a TLS alert
        // (record type 21) and the close, not the handshake's 54-byte challenge.
        let plaintext = try BlockingRESPConnection(port: leader.peerPort, replyTimeoutSeconds: 20)
        try plaintext.sendBytes(Array("not a TLS handshake\r\n".utf8))
        #expect(try plaintext.readBytes(count: 1) == [21])
        #expect(throws: (any Error).self) { try plaintext.readBytes(count: 54) }
        #expect(leader.process.isRunning)
    }
}
