import NIOCore

extension SocketAddress {
    /// 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6; a Unix socket counts as local too.
    var isLoopback: Bool {
        switch self {
        case .v4(let address): return (UInt32(bigEndian: address.address.sin_addr.s_addr) >> 24) == 127
        case .v6: return ipAddress == "::1" || ipAddress?.hasPrefix("::ffff:127.") == true
        case .unixDomainSocket: return true
        }
    }
}
