#if canImport(Glibc)
import Glibc
#endif

/// A RESP reply as a test sees it.
public enum RESPReply: Equatable, Sendable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString([UInt8]?)
    case array([RESPReply]?)
    // RESP3 (after HELLO 3):
    case null
    case boolean(Bool)
    case double(String)
    /// Keys and values alternating, in the order the server sent them.
    case map([RESPReply])
    case set([RESPReply])
    /// An out-of-band message (pub/sub, invalidation).
    case push([RESPReply])
    case verbatim([UInt8])
}

/// A reply that is not valid RESP, or a connection that closed mid-reply.
public struct RESPProtocolError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// A minimal blocking RESP2/RESP3 client for tests that talk to real servers (redis-server, synod).
public final class BlockingRESPConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var readOffset = 0

    /// Connects to 127.0.0.1:`port`. A reply that takes longer than `replyTimeoutSeconds` is
    /// an error, so a server that never answers fails the test instead of hanging it.
    public init(port: Int, replyTimeoutSeconds: Int = 60) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(call: "socket", errorNumber: errno) }
        var timeout = timeval(tv_sec: replyTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close here: a class whose init throws once every property is set is deinitialized,
        // and `deinit` closes the descriptor (closing it twice could close another thread's
        // socket that reused the number).
        guard connected == 0 else { throw SocketError(call: "connect", errorNumber: errno) }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Sends one command and reads its reply.
    public func command(_ arguments: [String]) throws -> RESPReply {
        try pipeline([arguments.map { Array($0.utf8) }])[0]
    }

    /// Sends all commands at once (pipelining) and reads one reply per command.
    public func pipeline(_ commands: [[[UInt8]]]) throws -> [RESPReply] {
        var request: [UInt8] = []
        for arguments in commands {
            request += Array("*\(arguments.count)\r\n".utf8)
            for argument in arguments {
                request += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10]
            }
        }
        try send(request)
        return try commands.map { _ in try readReply() }
    }

    /// Sends commands without reading any reply (a client that stops reading).
    public func sendOnly(_ commands: [[String]]) throws {
        var request: [UInt8] = []
        for arguments in commands {
            request += Array("*\(arguments.count)\r\n".utf8)
            for argument in arguments.map({ Array($0.utf8) }) {
                request += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10]
            }
        }
        try send(request)
    }

    /// Sends `bytes` as they are (malformed input included) and reads one reply.
    public func sendRaw(_ bytes: [UInt8]) throws -> RESPReply {
        try send(bytes)
        return try readReply()
    }

    /// Sends `bytes` as they are and reads nothing (forged peer frames, for one).
    public func sendBytes(_ bytes: [UInt8]) throws { try send(bytes) }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
            guard result > 0 else { throw SocketError(call: "send", errorNumber: errno) }
            sent += result
        }
    }

    /// Sends one command and reads its reply, handing the push messages that come before it
    /// (RESP3 invalidations, pub/sub) to `onPush`.
    public func command(_ arguments: [String], onPush: (RESPReply) -> Void) throws -> RESPReply {
        try send(pipelineBytes([arguments.map { Array($0.utf8) }]))
        while true {
            let reply = try readReply()
            guard case .push = reply else { return reply }
            onPush(reply)
        }
    }

    private func pipelineBytes(_ commands: [[[UInt8]]]) -> [UInt8] {
        var request: [UInt8] = []
        for arguments in commands {
            request += Array("*\(arguments.count)\r\n".utf8)
            for argument in arguments { request += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10] }
        }
        return request
    }

    /// Reads the next reply or push message without sending anything.
    public func readNext() throws -> RESPReply { try readReply() }

    private func readReply() throws -> RESPReply {
        let line = try readLine()
        guard let kind = line.first else { throw RESPProtocolError(description: "empty reply line") }
        let rest = String(decoding: line.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"): return .simpleString(rest)
        case UInt8(ascii: "-"): return .error(rest)
        case UInt8(ascii: ":"): return .integer(try parseInteger(rest))
        case UInt8(ascii: "$"):
            let length = try parseInteger(rest)
            guard length >= 0 else { return .bulkString(nil) }
            let payload = try readExactly(Int(length) + 2)
            return .bulkString(Array(payload.dropLast(2)))
        case UInt8(ascii: "*"):
            let count = try parseInteger(rest)
            guard count >= 0 else { return .array(nil) }
            return .array(try (0..<count).map { _ in try readReply() })
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"): return .boolean(rest == "t")
        case UInt8(ascii: ","): return .double(rest)
        case UInt8(ascii: "%"): return .map(try (0..<(2 * parseInteger(rest))).map { _ in try readReply() })
        case UInt8(ascii: "~"): return .set(try (0..<parseInteger(rest)).map { _ in try readReply() })
        case UInt8(ascii: ">"): return .push(try (0..<parseInteger(rest)).map { _ in try readReply() })
        case UInt8(ascii: "="):
            let payload = try readExactly(Int(try parseInteger(rest)) + 2)
            return .verbatim(Array(payload.dropLast(2)))
        default:
            throw RESPProtocolError(description: "unexpected reply type byte \(kind)")
        }
    }

    private func parseInteger(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else { throw RESPProtocolError(description: "bad integer '\(text)'") }
        return value
    }

    private func readLine() throws -> [UInt8] {
        while true {
            if let end = buffer[readOffset...].firstIndex(of: 10), end > readOffset, buffer[end - 1] == 13 {
                let line = Array(buffer[readOffset..<(end - 1)])
                readOffset = end + 1
                return line
            }
            try fill()
        }
    }

    /// Reads exactly `count` bytes as they are (a peer handshake, for one).
    public func readBytes(count: Int) throws -> [UInt8] { try readExactly(count) }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        while buffer.count - readOffset < count { try fill() }
        defer { readOffset += count }
        return Array(buffer[readOffset..<(readOffset + count)])
    }

    private func fill() throws {
        if readOffset > 0 {
            buffer.removeFirst(readOffset)
            readOffset = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard received > 0 else {
            if received == 0 { throw RESPProtocolError(description: "connection closed by peer") }
            throw SocketError(call: "recv", errorNumber: errno)
        }
        buffer += chunk[0..<received]
    }
}
