import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Errors from the socket helpers, with the failing call and errno.
public struct SocketError: Error, CustomStringConvertible {
    public let call: String
    public let errorNumber: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(errorNumber)))" }
}

/// A loopback TCP port that is free now and that no other caller in this process got.
///
/// Ports come from 20000..<32000, below Linux's ephemeral range (32768 and up): the kernel
/// never hands those out on its own, for a client connection's local end or a bind to port 0,
/// so a port chosen here stays free until the server that was given it binds it. (Asking the
/// kernel for port 0 instead loses races against the many client connections of parallel
/// real-process tests.) Each port is given out once per process.
public func freeLoopbackPort() throws -> Int { try PortAllocator.shared.next() }

final class PortAllocator: @unchecked Sendable {
    // @unchecked Sendable: `given` and `cursor` are only touched with `lock` held.
    static let shared = PortAllocator()
    static let range = 20_000..<32_000
    private let lock = NSLock()
    private var given: Set<Int> = []
    /// Starts at a place that differs between processes, so concurrent test processes rarely
    /// try the same ports.
    private var cursor = range.lowerBound + Int(getpid()) * 37 % range.count

    func next() throws -> Int {
        try lock.withLock {
            for _ in 0..<Self.range.count {
                cursor = cursor + 1 >= Self.range.upperBound ? Self.range.lowerBound : cursor + 1
                guard !given.contains(cursor), Self.isFree(cursor) else { continue }
                given.insert(cursor)
                return cursor
            }
            throw SocketError(call: "bind (no free port in \(Self.range))", errorNumber: EADDRINUSE)
        }
    }

    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}
