import SynodCore
import Testing

@testable import SynodKeyValue

/// COPY makes a new key with the source's value and TTL, never its lease, reported as
/// `copy_to`; a copy onto itself is refused at the edge and when forged into an entry.
struct CopyTests {
    @Test func aCopyKeepsTheValueAndTTLButNotTheLease() throws {
        var store = KeyValueStore()
        var index: UInt64 = 0
        func apply(_ command: KeyValueCommand) -> KeyValueStore.Applied {
            index += 1
            return store.applyReporting(
                KeyValueEntry(requestID: index, timeMilliseconds: 1_000, command: command),
                at: index
            )
        }
        guard case .integer(let lease) = apply(.leaseGrant(ttlMilliseconds: 60_000)).result else {
            Issue.record("no lease")
            return
        }
        _ = apply(.withLease(lease: UInt64(lease), command: set("src", "v", .always, .afterMilliseconds(5_000))))
        let copied = apply(try RedisWordCommands.parseWrite([bytes("COPY"), bytes("src"), bytes("dst")]).get())
        #expect(copied.result == .integer(1))
        #expect(copied.keyChanges.map(\.event) == [.copyTo])
        #expect(store.value(of: bytes("dst"), at: 1_000) == bytes("v"))
        #expect(store.remainingMilliseconds(of: bytes("dst"), at: 1_000) == 5_000)
        #expect(store.records[bytes("dst")]?.lease == nil)
        #expect(apply(.copy(source: bytes("src"), destination: bytes("dst"), replace: false)).result == .integer(0))
        #expect(
            apply(.copy(source: bytes("src"), destination: bytes("src"), replace: true)).result
                == .error(KeyValueStore.sameObject)
        )
        _ = apply(.leaseRevoke(id: UInt64(lease)))
        #expect(store.records[bytes("src")] == nil)
        #expect(store.value(of: bytes("dst"), at: 1_000) == bytes("v"))
        let restored = try KeyValueStore(snapshotBytes: store.snapshotBytes)
        #expect(restored == store)
    }

    @Test func theParserRefusesWhatRedisRefuses() {
        func parse(_ text: String) -> Result<KeyValueCommand, KeyValueError> {
            RedisWordCommands.parseWrite(text.split(separator: " ").map { Array($0.utf8) })
        }
        #expect(parse("COPY a a") == .failure(KeyValueStore.sameObject))
        #expect(parse("COPY a b DB 1") == .failure(KeyValueError(.outOfRange, "ERR DB index is out of range")))
        #expect(parse("COPY a b DB x") == .failure(KeyValueStore.notAnInteger))
        #expect(parse("COPY a b DB") == .failure(KeyValueStore.syntax))
        #expect(
            parse("COPY a b DB 0 REPLACE")
                == .success(.copy(source: bytes("a"), destination: bytes("b"), replace: true))
        )
        #expect(parse("FLUSHDB ASYNC") == .success(.flushAll))
    }
}
