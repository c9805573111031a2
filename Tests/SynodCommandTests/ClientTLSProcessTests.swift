import Foundation
import SynodTestSupport
import Testing

/// TLS on the client port of a real `synod server`, as Redis users know it: `--tls-cert-file`
/// and `--tls-key-file` make the port TLS only, `--tls-ca-cert-file` requires client
/// certificates, and options that cannot work stop the node at startup with a clear message.
@Suite(.serialized)
struct ClientTLSProcessTests {
    /// One node whose client port speaks TLS with a certificate from `files`.
    static func startNode(_ files: TestTLSFiles, extraArguments: [String] = []) throws -> SynodServerProcess {
        let server = try files.issueServer()
        let arguments = ["--tls-cert-file", server.certificatePath, "--tls-key-file", server.keyPath]
        return try ServerProcessTests.startCluster(count: 1, extraArguments: arguments + extraArguments)[0]
    }

    /// One command on a fresh TLS connection; nil if the node refuses it or does not answer.
    static func command(
        _ words: [String],
        on node: SynodServerProcess,
        files: TestTLSFiles,
        clientCertificate: IssuedCertificate? = nil
    ) async -> RESPReply? {
        // Refused, down or not yet up: nil.
        try? await TLSRESPConnection.with(
            port: node.clientPort,
            authorityPEM: try files.authority.certificatePEM,
            clientCertificate: clientCertificate
        ) { connection in try await connection.command(words) }
    }

    /// Waits until `words` answers `expected` over TLS (the node is up and leads).
    static func awaitReply(
        _ expected: RESPReply,
        to words: [String],
        on node: SynodServerProcess,
        files: TestTLSFiles,
        clientCertificate: IssuedCertificate? = nil
    ) async -> Bool {
        await awaitCondition {
            await command(words, on: node, files: files, clientCertificate: clientCertificate) == expected
        }
    }

    /// Whether this machine's redis-cli was built with TLS (Debian's is).
    static var redisCLISupportsTLS: Bool {
        guard let help = try? ChildProcess(executable: "redis-cli", arguments: ["--help"]) else { return false }
        _ = help.waitForExit()
        return help.output.contains("--tls")
    }

    static func redisCLI(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let cli = try ChildProcess(executable: "redis-cli", arguments: arguments)
        let status = cli.waitForExit()
        return (status, cli.output)
    }

    @Test func aTLSClientGetsPongAndCanSetAndGet() async throws {
        let files = try TestTLSFiles(authorityName: "Synod client test CA")
        let node = try Self.startNode(files)
        defer {
            ServerProcessTests.stop([node])
            files.remove()
        }
        #expect(
            await Self.awaitReply(.simpleString("PONG"), to: ["PING"], on: node, files: files),
            "\(node.process.output)"
        )
        #expect(await Self.awaitReply(.simpleString("OK"), to: ["SET", "tls:k", "v"], on: node, files: files))
        #expect(await Self.command(["GET", "tls:k"], on: node, files: files) == .bulkString(Array("v".utf8)))

        guard Self.redisCLISupportsTLS else { return }  // redis-cli without TLS: the NIOSSL client covers it.
        let port = String(node.clientPort)
        let ping = try Self.redisCLI(["--tls", "--cacert", files.authorityPath, "-p", port, "PING"])
        #expect(ping == (0, "PONG\n"))
        let set = try Self.redisCLI(["--tls", "--cacert", files.authorityPath, "-p", port, "SET", "tls:cli", "w"])
        #expect(set == (0, "OK\n"))
        let get = try Self.redisCLI(["--tls", "--cacert", files.authorityPath, "-p", port, "GET", "tls:cli"])
        #expect(get == (0, "w\n"))
    }

    @Test func aPlaintextClientIsDisconnectedAndTheNodeStaysUp() async throws {
        let files = try TestTLSFiles(authorityName: "Synod client test CA")
        let node = try Self.startNode(files)
        defer {
            ServerProcessTests.stop([node])
            files.remove()
        }
        #expect(
            await Self.awaitReply(.simpleString("PONG"), to: ["PING"], on: node, files: files),
            "\(node.process.output)"
        )
        for _ in 0..<3 {
            let plaintext = try BlockingRESPConnection(port: node.clientPort, replyTimeoutSeconds: 20)
            #expect(throws: (any Error).self) { try plaintext.command(["PING"]) }
        }
        // What runs behind TLS is unchanged: HTTP sent through it is still closed unanswered.
        #expect(await Self.command(["POST", "/", "HTTP/1.1"], on: node, files: files) == nil)
        guard case .bulkString(let stats?) = await Self.command(["INFO", "stats"], on: node, files: files) else {
            Issue.record("INFO stats did not answer over TLS")
            return
        }
        #expect(String(decoding: stats, as: UTF8.self).contains("cross_protocol_rejections:1"))
        #expect(node.process.isRunning)
    }

    @Test func withTLSCACertFileAClientWithoutACertificateIsRefused() async throws {
        let files = try TestTLSFiles(authorityName: "Synod client test CA")
        let strangers = try TestTLSFiles(authorityName: "Another CA")
        let node = try Self.startNode(files, extraArguments: ["--tls-ca-cert-file", files.authorityPath])
        defer {
            ServerProcessTests.stop([node])
            files.remove()
            strangers.remove()
        }
        let client = try files.issue("client", dnsNames: ["client.example"])
        #expect(
            await Self.awaitReply(
                .simpleString("PONG"),
                to: ["PING"],
                on: node,
                files: files,
                clientCertificate: client.issued
            ),
            "\(node.process.output)"
        )
        #expect(await Self.command(["PING"], on: node, files: files) == nil)
        let stranger = try strangers.issue("client", dnsNames: ["client.example"])
        #expect(await Self.command(["PING"], on: node, files: files, clientCertificate: stranger.issued) == nil)
        #expect(node.process.isRunning)

        guard Self.redisCLISupportsTLS else { return }
        let port = String(node.clientPort)
        let anonymous = try Self.redisCLI(["--tls", "--cacert", files.authorityPath, "-p", port, "PING"])
        #expect(!anonymous.output.contains("PONG"), "\(anonymous)")
        let authenticated = try Self.redisCLI([
            "--tls", "--cacert", files.authorityPath, "--cert", client.certificatePath, "--key", client.keyPath, "-p",
            port, "PING",
        ])
        #expect(authenticated == (0, "PONG\n"))
    }

    @Test func optionsThatCannotWorkStopTheNodeAtStartupWithAClearMessage() throws {
        let files = try TestTLSFiles(authorityName: "Synod client test CA")
        defer { files.remove() }
        let server = try files.issueServer()
        let node2 = try files.issuePeer(node: 2)
        let garbage = try files.write("-----BEGIN CERTIFICATE-----\nnot base64\n", to: "garbage.pem")
        let missing = files.directory + "/missing.pem"
        let cases: [(arguments: [String], message: String)] = [
            (["--tls-cert-file", server.certificatePath], "--tls-cert-file needs --tls-key-file"),
            (["--tls-key-file", server.keyPath], "--tls-key-file needs --tls-cert-file"),
            (
                ["--tls-ca-cert-file", files.authorityPath],
                "--tls-ca-cert-file needs --tls-cert-file and --tls-key-file"
            ),
            (
                ["--tls-cert-file", missing, "--tls-key-file", server.keyPath],
                "--tls-cert-file \(missing) cannot be read: No such file or directory"
            ),
            (
                ["--tls-cert-file", garbage, "--tls-key-file", server.keyPath],
                "--tls-cert-file \(garbage): not a PEM certificate file"
            ),
            (
                ["--tls-cert-file", server.certificatePath, "--tls-key-file", garbage],
                "--tls-key-file \(garbage): not an unencrypted PEM private key"
            ),
            (
                ["--peer-tls-cert-file", node2.certificatePath, "--peer-tls-key-file", node2.keyPath],
                "peer TLS needs all of --peer-tls-cert-file, --peer-tls-key-file and --peer-tls-ca-file"
            ),
            (
                ["--peer-tls-ca-file", files.authorityPath],
                "peer TLS needs all of --peer-tls-cert-file, --peer-tls-key-file and --peer-tls-ca-file"
            ),
            (
                [
                    "--peer-tls-cert-file", node2.certificatePath, "--peer-tls-key-file", node2.keyPath,
                    "--peer-tls-ca-file", files.authorityPath,
                ],
                "--peer-tls-cert-file \(node2.certificatePath) names node 2, not this node (1)"
            ),
        ]
        for (arguments, message) in cases {
            let synod = try ChildProcess(
                executable: synodExecutablePath(),
                arguments: ["server", "--node-id", "1", "--data-dir", files.directory + "/data"] + arguments
            )
            // 64 is ArgumentParser's usage error: the node refused the options; a crash is a signal.
            #expect(synod.waitForExit() == 64, "\(arguments): \(synod.output)")
            #expect(synod.output.contains("Error: \(message)"), "\(arguments): \(synod.output)")
        }
    }
}
