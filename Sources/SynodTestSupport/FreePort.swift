#if canImport(Glibc)
import Glibc
#endif

/// Errors from the socket helpers, with the failing call and errno.
public struct SocketError: Error, CustomStringConvertible {
    public let call: String
    public let errorNumber: Int32
    public var description: String { "\(call) failed: \(String(cString: strerror(errorNumber)))" }
}

/// Asks the kernel for a currently unused loopback TCP port.
///
/// The port is free when this returns; a server started on it right away almost always gets
/// it, and `ChildProcess` callers that lose the race see the server exit and pick again.
public func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw SocketError(call: "socket", errorNumber: errno) }
    defer { close(descriptor) }
    var address = loopbackAddress(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw SocketError(call: "bind", errorNumber: errno) }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { throw SocketError(call: "getsockname", errorNumber: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

func loopbackAddress(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}
