import NIOCore
import NIOSSL
import SwiftASN1
import SynodCore
import X509

/// How a peer's TLS certificate names its node: a subject alternative name of DNS type
/// `node-<id>.synod` (`node-2.synod` for node 2), and exactly one such name.
///
/// A subject alternative name rather than the common name, because that is where TLS puts
/// names today (`openssl req -addext subjectAltName=DNS:node-2.synod` writes one), and a
/// certificate may carry other names beside it (a host name, an address). The `.synod`
/// suffix is no public domain, so the name cannot be mistaken for a host's. One node per
/// certificate: a certificate naming two nodes could speak for either, so it is refused.
enum PeerCertificateName {
    static let prefix = "node-"
    static let suffix = ".synod"

    /// The name a certificate for `node` carries.
    static func dnsName(of node: NodeID) -> String { "\(prefix)\(node.rawValue)\(suffix)" }

    /// The node a DNS name names, or nil when it is not `node-<id>.synod` with a decimal id
    /// above zero (no sign, no leading zero, so each node has one spelling).
    static func node(fromDNSName name: String) -> NodeID? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else {
            return nil
        }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }), let raw = UInt64(digits) else {
            return nil
        }
        return NodeID(raw)
    }

    /// The one node `certificate` names; a refusal when it names none or several, or cannot
    /// be decoded.
    static func node(of certificate: NIOSSLCertificate) throws(PeerHandshake.Refusal) -> NodeID {
        let names: SubjectAlternativeNames?
        do {
            names = try Certificate(derEncoded: try certificate.toDERBytes()).extensions.subjectAlternativeNames
        } catch {
            throw PeerHandshake.Refusal("the certificate cannot be decoded: \(error)")
        }
        var nodes: Set<NodeID> = []
        for case .dnsName(let name) in names ?? SubjectAlternativeNames() {
            if let node = node(fromDNSName: name) { nodes.insert(node) }
        }
        guard let node = nodes.first else {
            throw PeerHandshake.Refusal("the certificate names no node (no \(prefix)<id>\(suffix) DNS name)")
        }
        guard nodes.count == 1 else {
            let listed = nodes.map { String($0.rawValue) }.sorted().joined(separator: ", ")
            throw PeerHandshake.Refusal("the certificate names several nodes (\(listed))")
        }
        return node
    }

    /// What `handshake` compares the claimed id with: the node named by the verified
    /// certificate the other end of `pipeline`'s connection presented in its (completed) TLS
    /// handshake; nil when peers do not use mutual TLS.
    static func certifiedNode(
        for handshake: PeerHandshake,
        in pipeline: ChannelPipeline.SynchronousOperations
    ) throws(PeerHandshake.Refusal) -> NodeID? {
        guard handshake.certificatesNameNodes else { return nil }
        let certificate: NIOSSLCertificate?
        do {
            certificate = try pipeline.nioSSL_peerCertificate()
        } catch {
            throw PeerHandshake.Refusal("no TLS on a connection that needs a certificate: \(error)")
        }
        guard let certificate else { throw PeerHandshake.Refusal("the peer presented no certificate") }
        return try node(of: certificate)
    }
}
