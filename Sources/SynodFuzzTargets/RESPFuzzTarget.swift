import SynodCommands
import SynodCore
import SynodKeyValue
import SynodRESP

/// A client's bytes, as a node serves them: decoded (at once, and in pieces derived from the
/// input, which must agree), each command parsed, and each parsed write applied to a store
/// through its log encoding, each read answered from it.
enum RESPFuzzTarget {
    /// Commands served per input: enough for a pipeline, bounded so one input stays fast.
    static let commandsPerInputMax = 64

    /// Limits small enough that inputs of a few hundred bytes reach every limit check.
    static let smallLimits: RESPLimits = {
        var limits = RESPLimits()
        limits.requestBytesMax = 1024
        limits.bulkBytesMax = 64
        limits.arrayCountMax = 8
        limits.inlineBytesMax = 32
        return limits
    }()

    static func run(_ input: [UInt8]) {
        let whole = decode(input, pieceSizes: [], limits: RESPLimits(), authenticated: true)
        let inPieces = decode(input, pieceSizes: pieceSizes(of: input), limits: RESPLimits(), authenticated: true)
        check(inPieces, agreesWith: whole)
        let small = decode(input, pieceSizes: [], limits: smallLimits, authenticated: false)
        let smallInPieces = decode(input, pieceSizes: pieceSizes(of: input), limits: smallLimits, authenticated: false)
        check(smallInPieces, agreesWith: small)
        serve(whole.commands)
    }

    struct Decoded {
        var commands: [[[UInt8]]] = []
        /// Where requests over the size limit were read past: the number of commands before
        /// each.
        var refusedAfter: [Int] = []
        var failed = false
    }

    /// Feeds `input` in pieces of the given sizes (the rest at once) and collects every command
    /// up to the first protocol error.
    static func decode(_ input: [UInt8], pieceSizes: [Int], limits: RESPLimits, authenticated: Bool) -> Decoded {
        var decoder = RESPRequestDecoder(limits: limits)
        decoder.isAuthenticated = authenticated
        var decoded = Decoded()
        var start = 0
        for size in pieceSizes + [input.count] where start < input.count {
            let end = min(input.count, start + size)
            decoder.append(input[start..<end])
            start = end
            decoding: while true {
                switch decoder.next() {
                case .command(let words):
                    precondition(!words.isEmpty, "the decoder returned an empty command")
                    decoded.commands.append(words)
                case .needMoreData:
                    break decoding
                case .refusedRequest:
                    decoded.refusedAfter.append(decoded.commands.count)
                case .protocolError:
                    guard case .protocolError = decoder.next() else {
                        preconditionFailure("the decoder went on after a protocol error")
                    }
                    decoded.failed = true
                    return decoded
                }
            }
        }
        return decoded
    }

    /// The same commands, and a protocol error in both or in neither. The error's text may
    /// differ: a header too long to be valid is refused before its end arrives when it comes
    /// in pieces, and for what it holds when it comes at once, as Redis does.
    static func check(_ inPieces: Decoded, agreesWith whole: Decoded) {
        precondition(inPieces.commands == whole.commands, "decoding in pieces gave other commands than at once")
        precondition(inPieces.refusedAfter == whole.refusedAfter, "decoding in pieces refused other requests")
        precondition(inPieces.failed == whole.failed, "decoding in pieces failed differently than at once")
    }

    /// Parses each command and runs it on a copy of the fixture store, as one client's session.
    static func serve(_ commands: [[[UInt8]]]) {
        var store = FuzzFixtures.store
        for (offset, words) in commands.prefix(commandsPerInputMax).enumerated() {
            guard case .success(let command) = CommandParser.parse(words) else { continue }
            switch command {
            case .write(let write):
                let entry = FuzzFixtures.entry(
                    write,
                    requestID: UInt64(offset + 1),
                    time: FuzzFixtures.commandMilliseconds
                )
                EntryFuzzTarget.checkRoundTrip(entry)
                FuzzFixtures.apply(entry, to: &store)
            case .read(let read):
                _ = store.read(read, at: FuzzFixtures.commandMilliseconds)
            case .connection:
                break
            }
        }
        FuzzFixtures.checkSnapshotRoundTrip(store)
    }
}

extension RESPFuzzTarget {
    static func multibulk(_ text: String) -> [UInt8] {
        let arguments = text.split(separator: " ").map { Array($0.utf8) }
        var bytes = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments { bytes += Array("$\(argument.count)\r\n".utf8) + argument + [13, 10] }
        return bytes
    }

    static var seeds: [FuzzSeed] {
        let pipeline = [
            "SET key value EX 100", "GET key", "INCRBY counter 5", "HSET hash f v", "HGETALL hash", "MSET a 1 b 2",
            "MGET a b", "EXPIRE key 10 GT", "CAS key value other", "LOCK.ACQUIRE lock owner 1000",
            "LEASE.GRANT 10000", "DEL a b",
        ]
        return [
            FuzzSeed("multibulk-pipeline", pipeline.flatMap(multibulk)),
            FuzzSeed("inline-quoted", Array("SET \"k\\x41y\" 'it\\'s'\r\nGET \"k\\x41y\"\nPING\r\n".utf8)),
            FuzzSeed(
                "multibulk-binary-value",
                Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + [0, 13, 10, 0xFF, 13, 10]
            ),
            FuzzSeed("multibulk-partial", multibulk("PING") + multibulk("SET key value").dropLast(4)),
            FuzzSeed(
                "coordination",
                ["SETNX x 1", "GETSET x 2", "APPEND x 3", "SETRANGE x 1 zz", "ELECT.CAMPAIGN e me", "TYPE x"]
                    .flatMap(multibulk)
            ),
        ]
    }
}
