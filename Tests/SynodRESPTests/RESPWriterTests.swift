import Testing

@testable import SynodRESP

struct RESPWriterTests {
    static func text(_ body: (inout RESPWriter) -> Void, version: RESPVersion) -> String {
        var writer = RESPWriter(version: version)
        body(&writer)
        return String(decoding: writer.take(), as: UTF8.self)
    }

    @Test func scalarsAreTheSameInBothVersions() {
        for version in [RESPVersion.resp2, .resp3] {
            #expect(Self.text({ $0.simpleString("OK") }, version: version) == "+OK\r\n")
            #expect(Self.text({ $0.error("ERR bad\r\nthing") }, version: version) == "-ERR bad  thing\r\n")
            #expect(Self.text({ $0.integer(-42) }, version: version) == ":-42\r\n")
            #expect(Self.text({ $0.bulkString("héllo") }, version: version) == "$6\r\nhéllo\r\n")
            #expect(Self.text({ $0.bulkString([UInt8]()) }, version: version) == "$0\r\n\r\n")
        }
    }

    @Test func resp3TypesFallBackToTheirResp2Forms() {
        let cases: [((inout RESPWriter) -> Void, String, String)] = [
            ({ $0.null() }, "$-1\r\n", "_\r\n"),
            ({ $0.nullArray() }, "*-1\r\n", "_\r\n"),
            ({ $0.mapHeader(2) }, "*4\r\n", "%2\r\n"),
            ({ $0.setHeader(3) }, "*3\r\n", "~3\r\n"),
            ({ $0.pushHeader(3) }, "*3\r\n", ">3\r\n"),
            ({ $0.boolean(true) }, ":1\r\n", "#t\r\n"),
            ({ $0.double(text: "1.5") }, "$3\r\n1.5\r\n", ",1.5\r\n"),
            ({ $0.double(text: "-inf") }, "$4\r\n-inf\r\n", ",-inf\r\n"),
        ]
        for (write, resp2, resp3) in cases {
            #expect(Self.text(write, version: .resp2) == resp2)
            #expect(Self.text(write, version: .resp3) == resp3)
        }
    }
}
