import SynodCore
import SynodRuntime
import Testing

@testable import SynodKeyValue

/// Errors are values: a client of the store (or of the runtime) acts on their kind without
/// reading their text, and the kind survives every trip a result makes.
struct TypedErrorTests {
    static func roundTrip(_ result: KeyValueResult) throws -> KeyValueResult {
        var writer = ByteWriter()
        result.write(to: &writer)
        var reader = ByteReader(writer.bytes)
        let decoded = try KeyValueResult(reading: &reader)
        #expect(reader.isAtEnd)
        return decoded
    }

    @Test func theStoreAnswersEachKindOfError() {
        var driver = StoreDriver()
        let hash = KeyValueCommand.hash(
            .set(key: bytes("h"), fields: [KeyValuePair(key: bytes("f"), value: [])], answersCount: true)
        )
        let cases: [(KeyValueCommand, KeyValueError.Kind)] = [
            (.increment(key: bytes("h"), by: 1), .wrongType),
            (.string(.append(key: bytes("h"), value: bytes("x"))), .wrongType),
            (.string(.incrementByFloat(key: bytes("h"), increment: bytes("1"))), .wrongType),
            (.string(.incrementByFloat(key: bytes("s"), increment: bytes("x"))), .notANumber),
            (.string(.setRange(key: bytes("r"), offset: -1, value: bytes("x"))), .outOfRange),
            (.leaseKeepAlive(id: 99), .notFound),
            (.fenced(lock: bytes("l"), token: 5, command: .delete(keys: [bytes("n")])), .fenced),
        ]
        _ = driver.apply(hash, at: 1)
        for (offset, (command, kind)) in cases.enumerated() {
            let result = driver.apply(command, at: Int64(offset + 2))
            guard case .error(let error) = result else {
                Issue.record("\(command) answered \(result)")
                continue
            }
            #expect(error.kind == kind, "\(command): \(error)")
        }
    }

    @Test func everyKindAndTheLeaderSurviveEncoding() throws {
        for kind in KeyValueError.Kind.allCases {
            let error = KeyValueError(kind, "ERR of kind \(kind)")
            #expect(try Self.roundTrip(.error(error)) == .error(error))
        }
        let redirect = KeyValueError(.notLeader, "NOTLEADER node 3 leads", leader: NodeID(3))
        #expect(try Self.roundTrip(.array([.ok, .error(redirect)])) == .array([.ok, .error(redirect)]))
        guard case .error(let decoded) = try Self.roundTrip(.error(redirect)) else { return }
        #expect(decoded.leader == NodeID(3))
    }

    /// Session results in a snapshot written before errors were typed hold the text alone: it
    /// still reads, with the kind its code names.
    @Test func anErrorStoredAsTextReadsWithTheKindItsCodeNames() throws {
        let stored: [(String, KeyValueError.Kind)] = [
            ("WRONGTYPE Operation against a key holding the wrong kind of value", .wrongType),
            ("OOM command not allowed when used memory > 'maxmemory'.", .outOfMemory),
            ("FENCED token 1 is older than 2, the newest token of lock 'l'", .fenced),
            ("TRYAGAIN the leader changed; retry", .tryAgain),
            ("UNCERTAIN a deadline; read before retrying", .uncertain),
            ("ERR syntax error", .invalidRequest),
        ]
        for (message, kind) in stored {
            var writer = ByteWriter()
            writer.write(UInt8(6))
            writer.writeLengthPrefixed(Array(message.utf8))
            var reader = ByteReader(writer.bytes)
            #expect(try KeyValueResult(reading: &reader) == .error(KeyValueError(kind, message)))
        }
    }

    @Test func anUnknownKindIsRefusedWhenDecoded() {
        var writer = ByteWriter()
        writer.write(UInt8(12))
        writer.write(UInt8(200))
        writer.write(UInt64(0))
        writer.writeLengthPrefixed(Array("ERR x".utf8))
        var reader = ByteReader(writer.bytes)
        #expect(throws: ByteReader.Failure.self) { try KeyValueResult(reading: &reader) }
    }

    @Test func theRuntimesRefusalsBecomeTypedErrors() {
        let cases: [(GroupRefusal, KeyValueError.Kind, NodeID?)] = [
            (.stopping(nil), .unavailable, nil),
            (.notLeader(NodeID(2), peerAddress: "127.0.0.1:7102"), .notLeader, NodeID(2)),
            (.tryAgain("no leader elected yet"), .tryAgain, nil),
            (.uncertain("its deadline passed"), .uncertain, nil),
        ]
        for (refusal, kind, leader) in cases {
            guard case .error(let error) = KeyValueResult.refusal(refusal) else {
                Issue.record("\(refusal) is not an error")
                continue
            }
            #expect(error.kind == kind && error.leader == leader && error.message == refusal.message)
        }
        #expect(
            GroupRefusal.notLeader(NodeID(2), peerAddress: "127.0.0.1:7102").message
                == "NOTLEADER node 2 leads (peer address 127.0.0.1:7102); send requests to it"
        )
    }
}
