import Testing

@testable import SynodRESP

/// `pendingBytes`, what `--client-query-buffer-limit` bounds: every byte received and not yet
/// handed out as a command, whether still undecoded or read into a request not yet complete.
struct PendingBytesTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aRequestStillArrivingCountsUntilItIsHandedOut() {
        var decoder = RESPRequestDecoder()
        decoder.append(Self.bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel"))
        #expect(decoder.next() == .needMoreData)
        // SET and k are read, "hel" waits: 3 + 1 + 3.
        #expect(decoder.pendingBytes == 7)
        decoder.append(Self.bytes("lo\r\n*1\r\n$4\r\nPI"))
        #expect(decoder.next() == .command([Self.bytes("SET"), Self.bytes("k"), Self.bytes("hello")]))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.pendingBytes == 2)
        decoder.append(Self.bytes("NG\r\n"))
        #expect(decoder.next() == .command([Self.bytes("PING")]))
        #expect(decoder.pendingBytes == 0)
    }

    @Test func anInlineLineWithoutItsEndCountsAsIsAndPipelinedRequestsCountUntilDecoded() {
        var decoder = RESPRequestDecoder()
        decoder.append(Array(repeating: UInt8(ascii: "x"), count: 5000))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.pendingBytes == 5000)
        var pipelined = RESPRequestDecoder()
        pipelined.append(Self.bytes("PING\r\nPING\r\n"))
        #expect(pipelined.pendingBytes == 12)
        #expect(pipelined.next() == .command([Self.bytes("PING")]))
        #expect(pipelined.pendingBytes == 6)
    }
}
