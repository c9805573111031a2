import SynodKeyValue
import Testing

@testable import SynodCommands

struct CoordinationParserTests {
    static func parse(_ words: String...) -> Result<ClientCommand, CommandRejection> {
        CommandParser.parse(words.map { Array($0.utf8) })
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func plainSet(_ key: String, _ value: String) -> KeyValueCommand {
        .set(key: bytes(key), value: bytes(value), condition: .always, expiry: .none, returnPrevious: false)
    }

    @Test func locksAndElectionsTakeTheirOptionsInAnyOrder() {
        #expect(
            Self.parse("LOCK.ACQUIRE", "jobs", "worker-1", "5000", "LEASE", "42", "WAIT", "100")
                == .success(
                    .write(
                        .acquire(
                            kind: .lock,
                            name: Self.bytes("jobs"),
                            owner: Self.bytes("worker-1"),
                            ttlMilliseconds: 5000,
                            waitMilliseconds: 100,
                            lease: 42
                        )
                    )
                )
        )
        #expect(
            Self.parse("elect.campaign", "db", "n1")
                == .success(
                    .write(
                        .acquire(
                            kind: .election,
                            name: Self.bytes("db"),
                            owner: Self.bytes("n1"),
                            ttlMilliseconds: nil,
                            waitMilliseconds: 0,
                            lease: nil
                        )
                    )
                )
        )
        #expect(Self.parse("LOCK.INFO", "jobs") == .success(.read(.lockInfo(name: Self.bytes("jobs")))))
        #expect(Self.parse("LEASE.TTL", "7") == .success(.read(.leaseTimeToLive(id: 7))))
    }

    @Test func fenceAndLeaseWrapTheWrite() {
        #expect(
            Self.parse("SET", "k", "v", "FENCE", "l", "12", "LEASE", "3")
                == .success(
                    .write(
                        .fenced(
                            lock: Self.bytes("l"),
                            token: 12,
                            command: .withLease(lease: 3, command: Self.plainSet("k", "v"))
                        )
                    )
                )
        )
        #expect(
            Self.parse("CAS", "k", "old", "new", "PX", "100", "FENCE", "l", "9")
                == .success(
                    .write(
                        .fenced(
                            lock: Self.bytes("l"),
                            token: 9,
                            command: .compareAndSet(
                                key: Self.bytes("k"),
                                expected: Self.bytes("old"),
                                new: Self.bytes("new"),
                                expiry: .afterMilliseconds(100)
                            )
                        )
                    )
                )
        )
        #expect(
            Self.parse("CAD", "k", "v")
                == .success(.write(.compareAndDelete(key: Self.bytes("k"), expected: Self.bytes("v"))))
        )
    }

    @Test func badArgumentsGetClearErrors() {
        #expect(
            Self.parse("LOCK.ACQUIRE", "l", "o")
                == .failure(CommandRejection(lookup: "ERR wrong number of arguments for 'lock.acquire' command"))
        )
        #expect(
            Self.parse("LOCK.ACQUIRE", "l", "o", "0")
                == .failure(
                    CommandRejection(KeyValueError(.outOfRange, "ERR invalid lock TTL: milliseconds, 1 to 2592000000"))
                )
        )
        #expect(Self.parse("LOCK.ACQUIRE", "l", "o", "10", "WAIT") == .failure(CommandRejection("ERR syntax error")))
        #expect(
            Self.parse("LOCK.ACQUIRE", "l", "o", "10", "WAIT", "1", "WAIT", "2")
                == .failure(CommandRejection("ERR syntax error"))
        )
        #expect(
            Self.parse("LEASE.GRANT", "-5")
                == .failure(
                    CommandRejection(KeyValueError(.outOfRange, "ERR invalid lease TTL: milliseconds, 1 to 2592000000"))
                )
        )
        #expect(
            Self.parse("LEASE.KEEPALIVE", "abc")
                == .failure(CommandRejection(KeyValueError(.outOfRange, "ERR invalid lease id")))
        )
        #expect(Self.parse("SET", "k", "v", "FENCE", "l") == .failure(CommandRejection("ERR syntax error")))
        #expect(
            Self.parse("SET", "k", "v", "FENCE", "l", "0")
                == .failure(CommandRejection(KeyValueError(.outOfRange, "ERR invalid fencing token")))
        )
        #expect(Self.parse("CAS", "k", "a", "b", "EX", "1") == .failure(CommandRejection("ERR syntax error")))
    }
}
