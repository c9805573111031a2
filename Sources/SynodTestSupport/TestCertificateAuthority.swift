import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate authority made inside a test with swift-certificates, so TLS tests need no
/// external tools and no committed keys: each run has its own CA and certificates.
public struct TestCertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: Certificate.PrivateKey
    let name: DistinguishedName

    /// A CA valid from an hour ago (clock skew between the test and BoringSSL) for a day.
    public init(name commonName: String) throws {
        let key = P256.Signing.PrivateKey()
        name = try DistinguishedName { CommonName(commonName) }
        self.key = Certificate.PrivateKey(key)
        certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86_400,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: self.key
        )
    }

    public var certificatePEM: String {
        get throws { try certificate.serializeAsPEM().pemString }
    }

    /// A certificate for `dnsNames` (and the address 127.0.0.1), good for a TLS server and a
    /// TLS client alike, signed by this CA.
    public func issue(commonName: String, dnsNames: [String]) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let loopback = GeneralName.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86_400,
            issuer: name,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) } + [loopback])
            },
            issuerPrivateKey: self.key
        )
        return IssuedCertificate(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            keyPEM: key.pemRepresentation
        )
    }
}

/// A certificate and its private key, as PEM text.
public struct IssuedCertificate: Sendable {
    public let certificatePEM: String
    public let keyPEM: String
}
