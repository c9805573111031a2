import SynodCore
import Testing

@testable import SynodRESP

struct RESPRequestDecoderTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func multibulk(_ arguments: [[UInt8]]) -> [UInt8] {
        var result = bytes("*\(arguments.count)\r\n")
        for argument in arguments { result += bytes("$\(argument.count)\r\n") + argument + bytes("\r\n") }
        return result
    }

    /// Feeds `input` in the given pieces and collects every output until more data is needed.
    static func decode(
        _ input: [UInt8],
        pieces: [Int],
        limits: RESPLimits = RESPLimits()
    ) -> [RESPRequestDecoder.Output] {
        var decoder = RESPRequestDecoder(limits: limits)
        var outputs: [RESPRequestDecoder.Output] = []
        var start = 0
        for size in pieces + [input.count] where start < input.count {
            let end = min(input.count, start + size)
            decoder.append(input[start..<end])
            start = end
            while true {
                let output = decoder.next()
                if output == .needMoreData { break }
                outputs.append(output)
                if case .protocolError = output { return outputs }
            }
        }
        return outputs
    }

    /// All at once, byte by byte, and in seeded random pieces: the same commands every time.
    static func decodeEveryWay(_ input: [UInt8], limits: RESPLimits = RESPLimits()) -> [RESPRequestDecoder.Output] {
        let whole = decode(input, pieces: [], limits: limits)
        #expect(decode(input, pieces: Array(repeating: 1, count: input.count), limits: limits) == whole)
        var random = SeededGenerator(seed: UInt64(input.count))
        for _ in 0..<5 {
            let pieces = (0..<input.count).map { _ in 1 + random.nextIndex(below: 9) }
            #expect(decode(input, pieces: pieces, limits: limits) == whole)
        }
        return whole
    }

    @Test func pipelinedMultibulkCommandsWithBinaryValues() {
        let value: [UInt8] = [0, 13, 10, 36, 42, 255]
        let commands: [[[UInt8]]] = [
            [Self.bytes("SET"), Self.bytes("key"), value],
            [Self.bytes("GET"), Self.bytes("key")],
            [Self.bytes("SET"), Self.bytes("empty"), []],
        ]
        let input = commands.flatMap(Self.multibulk)
        #expect(Self.decodeEveryWay(input) == commands.map { .command($0) })
    }

    @Test func inlineCommandsFollowRedisQuoting() {
        let input = Self.bytes(
            "PING\r\nset k \"a b\\n\\x41\"\nGET   'it\\'s'  \r\n\r\n  \necho \"\" ''\r\n"
        )
        #expect(
            Self.decodeEveryWay(input) == [
                .command([Self.bytes("PING")]),
                .command([Self.bytes("set"), Self.bytes("k"), Self.bytes("a b\nA")]),
                .command([Self.bytes("GET"), Self.bytes("it's")]),
                .command([Self.bytes("echo"), [], []]),
            ]
        )
    }

    @Test func emptyCommandsAreSkipped() {
        let input = Self.bytes("*0\r\n*-1\r\n") + Self.multibulk([Self.bytes("PING")])
        #expect(Self.decodeEveryWay(input) == [.command([Self.bytes("PING")])])
    }

    @Test(arguments: [
        ("*abc\r\n", "Protocol error: invalid multibulk length"),
        ("*2\r\n:1\r\n", "Protocol error: expected '$', got ':'"),
        ("*1\r\n$-5\r\n", "Protocol error: invalid bulk length"),
        ("*1\r\n$99999999999999999999\r\n", "Protocol error: invalid bulk length"),
        // Integers at the 64-bit limits: the last digit's add overflows after a checked multiply.
        ("*9223372036854775808\r\n", "Protocol error: invalid multibulk length"),
        ("*9223372036854775807\r\n", "Protocol error: invalid multibulk length"),
        ("*-9223372036854775809\r\n", "Protocol error: invalid multibulk length"),
        ("*1\r\n$9223372036854775808\r\n", "Protocol error: invalid bulk length"),
        ("*1\r\n$9223372036854775807\r\n", "Protocol error: invalid bulk length"),
        ("*1\r\n$-9223372036854775808\r\n", "Protocol error: invalid bulk length"),
        ("*1\r\n$3\r\nabcde", "Protocol error: expected CRLF after a bulk string"),
        ("SET k \"open\r\n", "Protocol error: unbalanced quotes in request"),
        ("SET k \"a\"b\r\n", "Protocol error: unbalanced quotes in request"),
    ])
    func malformedInputIsAProtocolError(input: String, message: String) {
        #expect(Self.decodeEveryWay(Self.bytes(input)).last == .protocolError(message))
    }

    @Test func limitsAreEnforcedBeforeAnythingIsBuffered() {
        var limits = RESPLimits()
        limits.bulkBytesMax = 10
        limits.arrayCountMax = 3
        limits.inlineBytesMax = 32
        #expect(
            Self.decode(Self.bytes("*4\r\n"), pieces: [], limits: limits) == [
                .protocolError("Protocol error: invalid multibulk length")
            ]
        )
        #expect(
            Self.decode(Self.bytes("*1\r\n$11\r\n"), pieces: [], limits: limits) == [
                .protocolError("Protocol error: invalid bulk length")
            ]
        )
        #expect(
            Self.decode(Self.multibulk([Self.bytes("0123456789")]), pieces: [], limits: limits) == [
                .command([Self.bytes("0123456789")])
            ]
        )
        let longInline = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
        #expect(
            Self.decode(longInline, pieces: [], limits: limits) == [
                .protocolError("Protocol error: too big inline request")
            ]
        )
        let longHeader = Self.bytes("*") + [UInt8](repeating: UInt8(ascii: "1"), count: 40)
        #expect(
            Self.decode(longHeader, pieces: [], limits: limits) == [
                .protocolError("Protocol error: too big mbulk count string")
            ]
        )
        let longBulkHeader = Self.bytes("*1\r\n$") + [UInt8](repeating: UInt8(ascii: "1"), count: 40)
        #expect(
            Self.decode(longBulkHeader, pieces: [], limits: limits) == [
                .protocolError("Protocol error: too big bulk count string")
            ]
        )
    }

    /// A request over the limit is still RESP: it is read past as its bytes arrive (none is
    /// kept), refused with a clear error, and the connection goes on with the next request.
    @Test func aRequestOverTheRequestLimitIsReadPastAndRefused() {
        var limits = RESPLimits()
        limits.requestBytesMax = 1024
        let refused = RESPRequestDecoder.Output.refusedRequest("ERR request larger than max-request-bytes (1024 bytes)")
        let ping = Self.multibulk([Self.bytes("PING")])
        // 4 + 9 + (7 + 1010 + 2) = 1032 bytes: over. Its header alone refuses nothing yet.
        let header = Self.bytes("*2\r\n$3\r\nSET\r\n$1010\r\n")
        #expect(Self.decodeEveryWay(header, limits: limits) == [])
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 1010) + Self.bytes("\r\n")
        #expect(
            Self.decodeEveryWay(header + value + ping, limits: limits) == [refused, .command([Self.bytes("PING")])]
        )
        // Bytes that are not its CRLF after the value still break the stream.
        let broken = header + [UInt8](repeating: UInt8(ascii: "v"), count: 1010) + Self.bytes("xx") + ping
        #expect(Self.decodeEveryWay(broken, limits: limits).last?.isProtocolError == true)
        // Many small arguments count as well, headers included.
        let many = Self.multibulk(Array(repeating: Self.bytes("abcd"), count: 103))
        #expect(many.count == 6 + 103 * 10)
        #expect(Self.decodeEveryWay(many + ping, limits: limits) == [refused, .command([Self.bytes("PING")])])
        // Exactly at the limit is accepted; one byte more is not.
        let fits = Self.multibulk([Self.bytes("SET"), [UInt8](repeating: 7, count: 1002)])
        #expect(fits.count == 1024)
        #expect(Self.decodeEveryWay(fits, limits: limits) == [.command([Self.bytes("SET"), Array(fits[20..<1022])])])
        let overByOne = Self.multibulk([Self.bytes("SET"), [UInt8](repeating: 7, count: 1003)])
        #expect(
            Self.decodeEveryWay(overByOne + fits, limits: limits) == [
                refused, .command([Self.bytes("SET"), Array(fits[20..<1022])]),
            ]
        )
        // Skipping keeps nothing: the pending bytes stay those of the read in progress.
        var decoder = RESPRequestDecoder(limits: limits)
        decoder.append(header + [UInt8](repeating: UInt8(ascii: "v"), count: 600))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.pendingBytes == 0)
    }

    @Test func anUnauthenticatedClientGetsRedisTighterLimits() {
        var decoder = RESPRequestDecoder()
        decoder.isAuthenticated = false
        decoder.append(Self.multibulk(Array(repeating: Self.bytes("x"), count: 10)))
        #expect(decoder.next() == .command(Array(repeating: Self.bytes("x"), count: 10)))
        decoder.append(Self.bytes("*11\r\n"))
        #expect(decoder.next() == .protocolError("Protocol error: unauthenticated multibulk length"))
        var bulk = RESPRequestDecoder()
        bulk.isAuthenticated = false
        bulk.append(Self.bytes("*2\r\n$4\r\nAUTH\r\n$16385\r\n"))
        #expect(bulk.next() == .protocolError("Protocol error: unauthenticated bulk length"))
    }

    @Test func afterAProtocolErrorTheDecoderStaysFailed() {
        var decoder = RESPRequestDecoder()
        decoder.append(Self.bytes("*x\r\n"))
        #expect(decoder.next() == .protocolError("Protocol error: invalid multibulk length"))
        decoder.append(Self.multibulk([Self.bytes("PING")]))
        #expect(decoder.next() == .protocolError("Protocol error: invalid multibulk length"))
    }

    @Test func aLargeValueInManyPiecesIsDecodedOnce() {
        let value = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        let input = Self.multibulk([Self.bytes("SET"), Self.bytes("big"), value])
        let outputs = Self.decode(input, pieces: Array(repeating: 1000, count: input.count / 1000 + 1))
        #expect(outputs == [.command([Self.bytes("SET"), Self.bytes("big"), value])])
    }
}

extension RESPRequestDecoder.Output {
    var isProtocolError: Bool {
        if case .protocolError = self { return true }
        return false
    }
}
