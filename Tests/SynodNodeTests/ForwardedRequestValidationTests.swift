import SynodKeyValue
import SynodPeerProtocol
import Testing

@testable import SynodNode

/// A leader refuses a forwarded write no client's words could have parsed to, typed or (from
/// an older follower) as words, and takes the ones they could.
struct ForwardedRequestValidationTests {
    static func write(_ command: KeyValueCommand) -> ForwardedRequest {
        .write(KeyValueEntry(requestID: 1, timeMilliseconds: 0, command: command, session: 9))
    }

    static func words(_ strings: String...) -> [[UInt8]] { strings.map { Array($0.utf8) } }

    @Test func typedAndWordWritesAreCheckedAsTheParserChecksThem() {
        let key = Array("k".utf8)
        let accepted: [KeyValueCommand] = [
            .string(.setRange(key: key, offset: 3, value: Array("x".utf8))),
            .hash(.incrementByFloat(key: key, field: key, increment: Array("2.5".utf8))),
            .rename(source: key, destination: Array("j".utf8), onlyIfAbsent: false),
            .flushAll,
            .redis(words: Self.words("SETRANGE", "k", "3", "x")),
            .fenced(lock: key, token: 1, command: .string(.append(key: key, value: key))),
        ]
        for command in accepted { #expect(Self.write(command).refusal == nil, "\(command)") }
        let refused: [(KeyValueCommand, String)] = [
            (.string(.setRange(key: key, offset: -1, value: key)), "ERR offset is out of range"),
            (
                .string(.setExpiring(key: key, value: key, milliseconds: 0, unit: .seconds)),
                "ERR invalid expire time in 'setex' command"
            ),
            (
                .hash(.incrementByFloat(key: key, field: key, increment: Array("x".utf8))),
                "ERR value is not a valid float"
            ),
            (.redis(words: Self.words("SETRANGE", "k", "-1", "x")), "ERR forwarded write is not a valid command"),
            (.redis(words: Self.words("SET", "k", "v")), "ERR forwarded write is not a valid command"),
            (
                .withLease(lease: 1, command: .hash(.set(key: key, fields: [], answersCount: true))),
                "ERR wrong number of arguments for 'hset' command"
            ),
        ]
        for (command, refusal) in refused { #expect(Self.write(command).refusal?.message == refusal, "\(command)") }
    }
}
