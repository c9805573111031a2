import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// Reads the PEM files that the TLS options name, at startup, and turns every way they can be
/// wrong into a `Failure` that names the option and the file.
///
/// A node that cannot read its certificate must not start and then fail each handshake: the
/// operator would see a running node that no client can reach. So every file is read and
/// parsed, and every context built, before the node listens.
public enum TLSFiles {
    /// A TLS option that cannot work, in words an operator can act on.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String

        init(_ description: String) { self.description = description }
    }

    /// The largest PEM file read; certificate bundles are a few kilobytes, so a larger file
    /// is not one.
    static let fileBytesMax = 1 << 20

    /// The certificates in the PEM file at `path` (a leaf and its chain, or trusted roots).
    static func certificates(at path: String, option: String) throws(Failure) -> [NIOSSLCertificate] {
        let bytes = try contents(of: path, option: option)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw Failure("\(option) \(path): not a PEM certificate file (\(error))")
        }
        guard !certificates.isEmpty else { throw Failure("\(option) \(path): holds no PEM certificate") }
        return certificates
    }

    /// The private key in the PEM file at `path` (unencrypted: a node starts unattended).
    static func privateKey(at path: String, option: String) throws(Failure) -> NIOSSLPrivateKey {
        let bytes = try contents(of: path, option: option)
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw Failure("\(option) \(path): not an unencrypted PEM private key (\(error))")
        }
    }

    /// Builds a context; a key that does not match its certificate fails here (BoringSSL checks
    /// the pair when the key is set), so the failure names both options.
    static func context(
        _ configuration: TLSConfiguration,
        certificateOption: String,
        keyOption: String
    ) throws(Failure) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(
                "\(certificateOption) and \(keyOption) do not make a TLS identity (is it the certificate's key?): \(error)"
            )
        }
    }

    /// The bytes of the file at `path`; the system's reason when it cannot be read.
    private static func contents(of path: String, option: String) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure("\(option) \(path) cannot be read: \(systemReason())") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("\(option) \(path) cannot be read: \(systemReason())")
            }
            bytes += chunk[..<count]
            guard bytes.count <= fileBytesMax else {
                throw Failure("\(option) \(path) is larger than \(fileBytesMax) bytes: not a PEM file")
            }
        }
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}
