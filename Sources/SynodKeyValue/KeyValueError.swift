import SynodCore
import SynodRuntime

/// An error the store answers, or the runtime in front of it: `kind` says what went wrong, for
/// code that acts on it (a Swift client, the simulator, a transaction coordinator) without
/// reading text; `message` is the error reply Redis gives for it, code first
/// (`WRONGTYPE ...`, `ERR ...`), which only the RESP edge writes out.
public struct KeyValueError: Error, Hashable, Sendable {
    public enum Kind: UInt8, CaseIterable, Sendable {
        /// The request's words: an unknown command or subcommand, the wrong number of words, a
        /// syntax error, a setting that is not one.
        case invalidRequest = 1
        /// An argument, or the stored value it works on, is not the number the command needs.
        case notANumber = 2
        /// A number, offset, size or time outside what the command takes, or arithmetic that
        /// would overflow.
        case outOfRange = 3
        /// The key holds another type (Redis's WRONGTYPE).
        case wrongType = 4
        /// What the command names does not exist (a lease; the key RENAME moves).
        case notFound = 5
        /// Over `maxmemory` with nothing to evict (Redis's OOM).
        case outOfMemory = 6
        /// A fencing token that is not its lock's newest (FENCED).
        case fenced = 7
        /// A request id already used: it waits in a line, or its session already had it
        /// answered.
        case duplicateRequest = 8
        /// Another node leads (NOTLEADER): send requests there. Not applied.
        case notLeader = 9
        /// Not done, and certainly not applied: retrying is safe (TRYAGAIN).
        case tryAgain = 10
        /// Its fate is unknown: it may or may not have been applied; read before retrying
        /// (UNCERTAIN).
        case uncertain = 11
        /// The node is stopping, or its group stopped.
        case unavailable = 12
        /// A committed entry this node cannot decode: its group stops rather than diverge.
        case undecodableEntry = 13
        /// The reply is larger than a peer frame carries.
        case replyTooLarge = 14
    }

    /// The kind, stored as its raw value: a payload of `KeyValueResult` with an enum (or Bool)
    /// field is what Swift 6.3.1 copied wrongly (see `CommandRejection.stage`).
    let rawKind: UInt8
    /// The leader a NOTLEADER error names, as its raw value (0: none): a plain integer for
    /// the same reason.
    let rawLeader: UInt64
    public let message: String

    public var kind: Kind { Kind(rawValue: rawKind) ?? .invalidRequest }
    /// The node a NOTLEADER error sends the client to.
    public var leader: NodeID? { rawLeader == 0 ? nil : NodeID(rawLeader) }

    public init(_ kind: Kind, _ message: String, leader: NodeID? = nil) {
        self.rawKind = kind.rawValue
        self.rawLeader = leader?.rawValue ?? 0
        self.message = message
    }

    /// The kind of an error reply stored as text alone, as results were before errors were
    /// typed (a snapshot's session results): read from its code, Redis's first word.
    init(storedMessage message: String) {
        let code = message.prefix { $0 != " " }
        let kind: Kind =
            switch code {
            case "WRONGTYPE": .wrongType
            case "OOM": .outOfMemory
            case "FENCED": .fenced
            case "NOTLEADER": .notLeader
            case "TRYAGAIN": .tryAgain
            case "UNCERTAIN": .uncertain
            default: .invalidRequest
            }
        self.init(kind, message)
    }

    /// The runtime's refusal, as the store's error.
    public init(_ refusal: GroupRefusal) {
        let kind: Kind =
            switch refusal {
            case .stopping: .unavailable
            case .notLeader: .notLeader
            case .tryAgain, .handingOver: .tryAgain
            case .uncertain: .uncertain
            }
        self.init(kind, refusal.message, leader: refusal.leader)
    }
}

extension KeyValueError {
    /// The longest message decoded.
    static let messageBytesMax = 1 << 16

    /// Its binary form, in results and typed reads: kind, leader (0: none), message.
    func write(to writer: inout ByteWriter) {
        writer.write(rawKind)
        writer.write(rawLeader)
        writer.writeLengthPrefixed(Array(message.utf8))
    }

    init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        let rawKind = try reader.readUInt8()
        guard let kind = Kind(rawValue: rawKind) else { throw .invalid("error kind \(rawKind)") }
        let rawLeader = try reader.readUInt64()
        self.init(kind, try Self.readMessage(from: &reader), leader: rawLeader == 0 ? nil : NodeID(rawLeader))
    }

    /// An error written before errors were typed (a result, or a typed read's refused
    /// options): its message alone, its kind read from its code.
    init(readingStoredMessage reader: inout ByteReader) throws(ByteReader.Failure) {
        self.init(storedMessage: try Self.readMessage(from: &reader))
    }

    static func readMessage(from reader: inout ByteReader) throws(ByteReader.Failure) -> String {
        String(decoding: try reader.readLengthPrefixed(maximumCount: messageBytesMax), as: UTF8.self)
    }
}

extension KeyValueError: CustomStringConvertible {
    public var description: String { message }
}

extension Result where Success == KeyValueResult, Failure == KeyValueError {
    var value: KeyValueResult {
        switch self {
        case .success(let result): result
        case .failure(let error): .error(error)
        }
    }
}
