import Testing

@testable import SynodRESP

/// A big argument is received into room made once, when its header is read (as Redis does past
/// 32 KiB), not into a buffer regrown, and so copied, again and again as its bytes come; small
/// ones and refused ones reserve nothing.
struct BigBulkTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aBigBulkHasItsRoomReservedWhenItsHeaderArrives() {
        let count = 1 << 20
        var decoder = RESPRequestDecoder()
        decoder.append(Self.bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$\(count)\r\n"))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.bufferCapacity >= count + 2)
        let reserved = decoder.bufferCapacity
        let value = [UInt8](repeating: 120, count: count)
        var start = 0
        while start < count {
            decoder.append(value[start..<min(count, start + 65_536)])
            start += 65_536
            #expect(decoder.next() == .needMoreData)
        }
        #expect(decoder.bufferCapacity == reserved, "no regrowth while the value arrives")
        decoder.append(Self.bytes("\r\n"))
        #expect(decoder.next() == .command([Self.bytes("SET"), Self.bytes("k"), value]))
    }

    @Test func smallAndRefusedBulksReserveNothing() {
        var decoder = RESPRequestDecoder()
        decoder.append(Self.bytes("*2\r\n$4\r\nECHO\r\n$1000\r\n"))
        #expect(decoder.next() == .needMoreData)
        #expect(decoder.bufferCapacity < 1000)
        var limits = RESPLimits()
        limits.requestBytesMax = 1 << 16
        var limited = RESPRequestDecoder(limits: limits)
        limited.append(Self.bytes("*2\r\n$4\r\nECHO\r\n$\(1 << 20)\r\n"))
        #expect(limited.next() == .needMoreData)
        #expect(limited.bufferCapacity < 1 << 16, "a request over the limit is read past, not kept")
    }
}
