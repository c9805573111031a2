/// One client operation as the client saw it: what it asked, what it was told, and when.
///
/// The checker needs the call and return times to know which operations overlapped (only those may be reordered),
/// and the input and output to replay them on a model. Times are in any unit, as long as all clients share it.
///
/// An operation with `output == nil` is indeterminate: the client never learnt its outcome (it timed out, or the
/// server answered "unknown"). It may have taken effect, with any output, at any time after its call, even after
/// the client gave up, as a request still in a leader's log may commit later; or it may never have taken effect.
/// The checker therefore treats its return time as +infinity whatever `returnTime` says, as Jepsen and Porcupine
/// do, and does not require it to be linearized at all.
public struct HistoryOperation<Input, Output> {
    /// The client that issued the operation; used only to describe failures.
    public let clientID: Int
    /// What the client asked.
    public let input: Input
    /// What the client was told, or nil if it never learnt the outcome.
    public let output: Output?
    /// When the client sent the request.
    public let callTime: UInt64
    /// When the client received the answer or gave up, or nil if it never did (+infinity).
    public let returnTime: UInt64?

    /// Records an operation; an operation with a known output must have returned, no earlier than its call.
    public init(clientID: Int, input: Input, output: Output?, callTime: UInt64, returnTime: UInt64?) {
        if let returnTime {
            precondition(callTime <= returnTime, "operation returned at \(returnTime) before its call at \(callTime)")
        }
        precondition(output == nil || returnTime != nil, "an operation with a known output must have a return time")
        self.clientID = clientID
        self.input = input
        self.output = output
        self.callTime = callTime
        self.returnTime = returnTime
    }

    /// Whether the outcome is unknown, so the operation may or may not have taken effect.
    public var isIndeterminate: Bool { output == nil }
}

extension HistoryOperation: Sendable where Input: Sendable, Output: Sendable {}

extension HistoryOperation: Equatable where Input: Equatable, Output: Equatable {}

extension HistoryOperation: CustomStringConvertible {
    /// One line, for failure reports: `client 2 [10, 15] put(key: 1, value: 7) -> stored`.
    public var description: String {
        let returned = returnTime.map { String($0) } ?? "never"
        let answer = output.map { String(describing: $0) } ?? "unknown"
        return "client \(clientID) [\(callTime), \(returned)] \(input) -> \(answer)"
    }
}
