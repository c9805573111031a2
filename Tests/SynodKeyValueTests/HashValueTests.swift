import SynodCore
import Testing

@testable import SynodKeyValue

/// Hashes are changed in place with their bytes counted as they change: the count stays the
/// one a fresh count of the same state gives, and removing the last field reports `del`.
struct HashValueTests {
    static func hash(_ text: String) throws -> KeyValueCommand {
        try RedisWordCommands.parseWrite(text.split(separator: " ").map { Array($0.utf8) }).get()
    }

    @Test func theByteCountFollowsEveryChange() throws {
        var replicas = ReplicaPair()
        let script = [
            "HSET h a 1 bb 22 ccc 333", "HSET h a 1111", "HSETNX h d 4", "HINCRBY h a 5", "HINCRBYFLOAT h f 1.25",
            "HDEL h bb zz", "HMSET h2 x y", "HSET h t text", "HINCRBY h t 1", "HDEL h a ccc d f t",
        ]
        for (step, text) in script.enumerated() {
            _ = replicas.apply(try Self.hash(text), at: Int64(step + 1))
            let restored = try KeyValueStore(snapshotBytes: replicas.first.store.snapshotBytes)
            #expect(restored.datasetBytes == replicas.first.store.datasetBytes, "\(text)")
            #expect(restored == replicas.first.store, "\(text)")
        }
        try replicas.expectIdentical()
        #expect(replicas.first.store.records[bytes("h")] == nil)
        #expect(replicas.first.store.records[bytes("h2")]?.hash == [bytes("x"): bytes("y")])
    }

    @Test func changesAreReportedAsRedisReportsThem() throws {
        var recorder = EventingStore()
        func events(_ text: String) throws -> [String] { recorder.events(try Self.hash(text)) }
        #expect(try events("HSET h a 1") == ["h:hset"])
        #expect(try events("HSET h a 1") == [])
        #expect(try events("HSETNX h a 2") == [])
        #expect(try events("HINCRBY h a 0") == [])
        #expect(try events("HINCRBY h a 2") == ["h:hincrby"])
        #expect(try events("HDEL h a") == ["h:hdel", "h:del"])
        #expect(recorder.store.datasetBytes == 0)
    }
}
