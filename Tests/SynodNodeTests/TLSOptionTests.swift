import SynodCore
import SynodTestSupport
import Testing

@testable import SynodNode

/// The TLS options as `synod server` reads them: every set that cannot work, and every file
/// that cannot be used, is a failure that names the option and the file, never a crash.
struct TLSOptionTests {
    let files: TestTLSFiles
    let server: TestTLSFiles.Identity
    let peer: TestTLSFiles.Identity

    init() throws {
        files = try TestTLSFiles(authorityName: "Synod option test CA")
        server = try files.issueServer()
        peer = try files.issuePeer(node: 1)
    }

    /// The failure `load` throws, as the operator would read it; nil if it loads.
    func failure(_ load: () throws -> Void) -> String? {
        do {
            try load()
            return nil
        } catch let failure as TLSFiles.Failure {
            return failure.description
        } catch {
            return "not a TLSFiles.Failure: \(error)"
        }
    }

    @Test func noOptionsIsNoTLS() throws {
        defer { files.remove() }
        #expect(try ClientTLS.load(certificateFile: nil, keyFile: nil, clientCertificateAuthorityFile: nil) == nil)
        #expect(
            try PeerTLS.load(certificateFile: nil, keyFile: nil, certificateAuthorityFile: nil, nodeID: NodeID(1))
                == nil
        )
    }

    @Test func completeOptionsLoad() throws {
        defer { files.remove() }
        let plain = try #require(
            try ClientTLS.load(
                certificateFile: server.certificatePath,
                keyFile: server.keyPath,
                clientCertificateAuthorityFile: nil
            )
        )
        #expect(!plain.requiresClientCertificates)
        let mutual = try #require(
            try ClientTLS.load(
                certificateFile: server.certificatePath,
                keyFile: server.keyPath,
                clientCertificateAuthorityFile: files.authorityPath
            )
        )
        #expect(mutual.requiresClientCertificates)
        #expect(
            try PeerTLS.load(
                certificateFile: peer.certificatePath,
                keyFile: peer.keyPath,
                certificateAuthorityFile: files.authorityPath,
                nodeID: NodeID(1)
            ) != nil
        )
    }

    @Test func partialClientOptionsAreRefused() {
        defer { files.remove() }
        let cases: [(String?, String?, String?, String)] = [
            (server.certificatePath, nil, nil, "--tls-cert-file needs --tls-key-file"),
            (nil, server.keyPath, nil, "--tls-key-file needs --tls-cert-file"),
            (nil, nil, files.authorityPath, "--tls-ca-cert-file needs --tls-cert-file and --tls-key-file"),
            (server.certificatePath, nil, files.authorityPath, "--tls-cert-file needs --tls-key-file"),
        ]
        for (certificate, key, authority, expected) in cases {
            let message = failure {
                _ = try ClientTLS.load(
                    certificateFile: certificate,
                    keyFile: key,
                    clientCertificateAuthorityFile: authority
                )
            }
            #expect(message == expected)
        }
    }

    @Test func partialPeerOptionsAreRefused() {
        defer { files.remove() }
        let all = [peer.certificatePath, peer.keyPath, files.authorityPath]
        for missing in 0..<3 {
            var given: [String?] = all
            given[missing] = nil
            let message = failure {
                _ = try PeerTLS.load(
                    certificateFile: given[0],
                    keyFile: given[1],
                    certificateAuthorityFile: given[2],
                    nodeID: NodeID(1)
                )
            }
            #expect(message?.hasPrefix("peer TLS needs all of --peer-tls-cert-file") == true, "\(missing)")
        }
    }

    @Test func unreadableOrMalformedFilesAreNamed() throws {
        defer { files.remove() }
        let missing = files.directory + "/absent.pem"
        let garbage = try files.write("not a certificate\n", to: "garbage.pem")
        let empty = try files.write("", to: "empty.pem")
        let otherKey = try files.issue("other", dnsNames: ["localhost"]).keyPath
        func client(_ certificate: String, _ key: String, _ authority: String? = nil) -> String? {
            failure {
                _ = try ClientTLS.load(
                    certificateFile: certificate,
                    keyFile: key,
                    clientCertificateAuthorityFile: authority
                )
            }
        }
        #expect(
            client(missing, server.keyPath) == "--tls-cert-file \(missing) cannot be read: No such file or directory"
        )
        #expect(
            client(server.certificatePath, missing)
                == "--tls-key-file \(missing) cannot be read: No such file or directory"
        )
        #expect(client(garbage, server.keyPath)?.hasPrefix("--tls-cert-file \(garbage): not a PEM certificate") == true)
        #expect(client(empty, server.keyPath)?.hasPrefix("--tls-cert-file \(empty): ") == true)
        #expect(
            client(server.certificatePath, garbage)?.hasPrefix("--tls-key-file \(garbage): not an unencrypted") == true
        )
        // A key read as a certificate, and a certificate read as a key.
        #expect(client(server.keyPath, server.keyPath)?.hasPrefix("--tls-cert-file \(server.keyPath): ") == true)
        #expect(client(server.certificatePath, server.certificatePath)?.hasPrefix("--tls-key-file") == true)
        #expect(
            client(server.certificatePath, otherKey)?.hasPrefix("--tls-cert-file and --tls-key-file do not make")
                == true
        )
        #expect(
            client(server.certificatePath, server.keyPath, garbage)?.hasPrefix("--tls-ca-cert-file \(garbage): ")
                == true
        )
        #expect(client(server.certificatePath, server.keyPath, files.directory)?.contains(files.directory) == true)
    }

    @Test func aPeerCertificateMustNameThisNode() throws {
        defer { files.remove() }
        let unnamed = try files.issue("unnamed", dnsNames: ["localhost"])
        let twice = try files.issue("twice", dnsNames: ["node-1.synod", "node-2.synod"])
        func peer(_ identity: TestTLSFiles.Identity, node: UInt64) -> String? {
            failure {
                _ = try PeerTLS.load(
                    certificateFile: identity.certificatePath,
                    keyFile: identity.keyPath,
                    certificateAuthorityFile: files.authorityPath,
                    nodeID: NodeID(node)
                )
            }
        }
        #expect(
            peer(self.peer, node: 2)
                == "--peer-tls-cert-file \(self.peer.certificatePath) names node 1, not this node (2)"
        )
        #expect(peer(unnamed, node: 1)?.contains("names no node (no node-<id>.synod DNS name)") == true)
        #expect(peer(twice, node: 1)?.contains("names several nodes (1, 2)") == true)
        #expect(peer(self.peer, node: 1) == nil)
    }
}
