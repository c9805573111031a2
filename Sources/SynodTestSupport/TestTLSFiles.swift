import Foundation

/// A test's certificate authority with the PEM files of what it issued, in a temporary
/// directory, for options such as `--tls-cert-file` that take paths.
public struct TestTLSFiles: Sendable {
    public let authority: TestCertificateAuthority
    public let directory: String
    /// The CA's certificate, for `--tls-ca-cert-file`, `--peer-tls-ca-file` or `redis-cli --cacert`.
    public let authorityPath: String

    /// A certificate and key issued by `authority`, with the paths they were written to.
    public struct Identity: Sendable {
        public let issued: IssuedCertificate
        public let certificatePath: String
        public let keyPath: String
    }

    /// A new CA named `name`, its files in a new temporary directory (remove with `remove()`).
    public init(authorityName name: String) throws {
        authority = try TestCertificateAuthority(name: name)
        let temporary = FileManager.default.temporaryDirectory
        directory = temporary.appendingPathComponent("synod-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        authorityPath = directory + "/ca.pem"
        let authorityPEM = try authority.certificatePEM
        try Data(authorityPEM.utf8).write(to: URL(fileURLWithPath: authorityPath))
    }

    /// Issues a certificate for `dnsNames` and writes it as `name.pem` and `name.key`.
    public func issue(_ name: String, dnsNames: [String]) throws -> Identity {
        let issued = try authority.issue(commonName: name, dnsNames: dnsNames)
        return Identity(
            issued: issued,
            certificatePath: try write(issued.certificatePEM, to: name + ".pem"),
            keyPath: try write(issued.keyPEM, to: name + ".key")
        )
    }

    /// A peer certificate for node `id`, named as Synod expects (`node-<id>.synod`).
    public func issuePeer(node id: Int) throws -> Identity {
        try issue("node-\(id)", dnsNames: ["node-\(id).synod"])
    }

    /// A certificate for a node's client port (`localhost`, and 127.0.0.1 as every issued one has).
    public func issueServer() throws -> Identity { try issue("server", dnsNames: ["localhost"]) }

    /// Writes `text` to `name` in the directory; returns its path.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)  // Best effort: /tmp is cleaned anyway.
    }
}
