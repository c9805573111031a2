import SynodCore

/// Why the runtime did not serve a request, typed: a follower, the simulator or a client
/// library acts on the case, and `message` is the error reply a RESP client reads.
public enum GroupRefusal: Hashable, Sendable {
    /// The node is stopping, or its group stopped; the reason, when there is one.
    case stopping(String?)
    /// Another node leads: requests go there. Not applied. Its peer address, when known.
    case notLeader(NodeID, peerAddress: String?)
    /// Not done, and certainly not applied: retrying is safe. Why, as the client reads it.
    case tryAgain(String)
    /// Its fate is unknown: it may or may not have been applied. Why, as the client reads it.
    case uncertain(String)
    /// This leader is handing leadership to `successor`: not applied. The node that forwarded
    /// it keeps it and sends it to whichever node leads next.
    case handingOver(to: NodeID)

    public var message: String {
        switch self {
        case .stopping(nil): "ERR node stopping"
        case .stopping(let reason?): "ERR node stopping: \(reason)"
        case .notLeader(let leader, let address):
            "NOTLEADER node \(leader.rawValue) leads\(address.map { " (peer address \($0))" } ?? ""); send requests to it"
        case .tryAgain(let why): "TRYAGAIN \(why)"
        case .uncertain(let why): "UNCERTAIN \(why); the write may or may not have been applied: read before retrying"
        case .handingOver(let successor): "TRYAGAIN leadership is moving to node \(successor.rawValue); retry"
        }
    }

    /// Whether the refusing node leads no more, or hands leadership over: another node will
    /// take the request.
    public var meansAnotherLeader: Bool {
        switch self {
        case .notLeader, .handingOver: true
        case .stopping, .tryAgain, .uncertain: false
        }
    }

    /// The leader a NOTLEADER refusal names.
    public var leader: NodeID? {
        if case .notLeader(let leader, _) = self { leader } else { nil }
    }
}

extension GroupRefusal {
    /// The binary form a leader's refusal of a forwarded request travels in.
    public func write(to writer: inout ByteWriter) {
        switch self {
        case .stopping(let reason):
            writer.write(UInt8(1))
            writer.write(UInt8(reason == nil ? 0 : 1))
            writer.writeLengthPrefixed(Array((reason ?? "").utf8))
        case .notLeader(let leader, let address):
            writer.write(UInt8(2))
            writer.write(leader.rawValue)
            writer.write(UInt8(address == nil ? 0 : 1))
            writer.writeLengthPrefixed(Array((address ?? "").utf8))
        case .tryAgain(let why):
            writer.write(UInt8(3))
            writer.writeLengthPrefixed(Array(why.utf8))
        case .uncertain(let why):
            writer.write(UInt8(4))
            writer.writeLengthPrefixed(Array(why.utf8))
        case .handingOver(let successor):
            writer.write(UInt8(5))
            writer.write(successor.rawValue)
        }
    }

    static let textBytesMax = 1 << 16

    public init(reading reader: inout ByteReader) throws(ByteReader.Failure) {
        func text() throws(ByteReader.Failure) -> String {
            String(decoding: try reader.readLengthPrefixed(maximumCount: Self.textBytesMax), as: UTF8.self)
        }
        func optionalText() throws(ByteReader.Failure) -> String? {
            let present = try reader.readUInt8()
            guard present <= 1 else { throw .invalid("presence flag \(present)") }
            let value = try text()
            return present == 1 ? value : nil
        }
        switch try reader.readUInt8() {
        case 1: self = .stopping(try optionalText())
        case 2:
            let rawLeader = try reader.readUInt64()
            guard rawLeader != 0 else { throw .invalid("a refusal naming node 0 as leader") }
            self = .notLeader(NodeID(rawLeader), peerAddress: try optionalText())
        case 3: self = .tryAgain(try text())
        case 4: self = .uncertain(try text())
        case 5:
            let rawSuccessor = try reader.readUInt64()
            guard rawSuccessor != 0 else { throw .invalid("a refusal naming node 0 as successor") }
            self = .handingOver(to: NodeID(rawSuccessor))
        case let kind: throw .invalid("refusal kind \(kind)")
        }
    }
}
