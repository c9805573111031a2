import Testing

@testable import SynodRESP

/// A big argument (32 KiB or more, where Redis too makes room for it) is received straight into
/// an array of its own, which becomes the argument as it is: not into the receive buffer, which
/// would be regrown as its bytes come and then copied out of.
struct BigBulkTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func request(_ words: [[UInt8]]) -> [UInt8] {
        var bytes = Self.bytes("*\(words.count)\r\n")
        for word in words { bytes += Self.bytes("$\(word.count)\r\n") + word + Self.bytes("\r\n") }
        return bytes
    }

    @Test func aBigBulkArrivesInAnArrayOfItsOwn() {
        let count = 1 << 20
        var decoder = RESPRequestDecoder()
        decoder.append(Self.bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$\(count)\r\n"))
        #expect(decoder.next() == .needMoreData)
        let value = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var start = 0
        while start < count {
            decoder.append(value[start..<min(count, start + 65_536)])
            start += 65_536
            #expect(decoder.next() == .needMoreData)
            #expect(decoder.pendingBytes == 4 + min(count, start), "SET, k and the value so far")
        }
        #expect(decoder.bufferCapacity < 1 << 16, "the value is not in the receive buffer")
        decoder.append(Self.bytes("\r\n*1\r\n$4\r\nPING\r\n"))
        #expect(decoder.next() == .command([Self.bytes("SET"), Self.bytes("k"), value]))
        #expect(decoder.next() == .command([Self.bytes("PING")]))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.pendingBytes == 0)
    }

    /// However the stream is cut, big and small arguments in a pipeline decode the same.
    @Test(arguments: [1, 2, 7, 1_000, 32_767, 32_768, 65_536, 1 << 20])
    func aPipelineWithBigArgumentsDecodesWhateverItsPieces(pieceSize: Int) {
        let big = [UInt8](repeating: 65, count: 40_000)
        let bigger = (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }
        let commands: [[[UInt8]]] = [
            [Self.bytes("SET"), Self.bytes("k"), big],
            [Self.bytes("GET"), Self.bytes("k")],
            [Self.bytes("MSET"), Self.bytes("a"), bigger, Self.bytes("b"), big],
            [Self.bytes("PING")],
        ]
        let stream = commands.flatMap(Self.request)
        var decoder = RESPRequestDecoder()
        var decoded: [[[UInt8]]] = []
        var start = 0
        while start < stream.count {
            decoder.append(stream[start..<min(stream.count, start + pieceSize)])
            start += pieceSize
            while case .command(let words) = decoder.next() { decoded.append(words) }
        }
        #expect(decoded == commands)
        #expect(decoder.pendingBytes == 0)
    }

    @Test func aBigBulkWithoutItsCRLFIsAProtocolError() {
        var decoder = RESPRequestDecoder()
        decoder.append(
            Self.bytes("*2\r\n$4\r\nECHO\r\n$40000\r\n") + [UInt8](repeating: 1, count: 40_000) + Self.bytes("xy")
        )
        #expect(decoder.next() == .protocolError("Protocol error: expected CRLF after a bulk string"))
    }

    @Test func aRefusedBigBulkIsReadPastNotKept() {
        var limits = RESPLimits()
        limits.requestBytesMax = 1 << 16
        var limited = RESPRequestDecoder(limits: limits)
        limited.append(Self.bytes("*2\r\n$4\r\nECHO\r\n$\(1 << 20)\r\n"))
        #expect(limited.next() == .needMoreData)
        limited.append([UInt8](repeating: 0, count: 1 << 20) + Self.bytes("\r\n"))
        #expect(limited.next() == .refusedRequest("ERR request larger than max-request-bytes (65536 bytes)"))
        #expect(limited.pendingBytes == 0)
    }
}
