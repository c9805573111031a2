import NIOCore
import SynodCommands

/// One connection's commands take effect in the order it sent them, as Redis runs them,
/// however many are pipelined and whichever node serves them.
///
/// Writes go to the log in order, and a read is served no earlier than the writes proposed
/// before it (`SessionOrder`, in the group runtime), so runs of writes and runs of reads stay
/// pipelined. Two cases wait: a write waits until this connection's earlier reads are
/// answered (else it could apply before a read that came first and be seen by it), and a
/// command that changes the connection itself (HELLO, CLIENT TRACKING, SUBSCRIBE, WATCH ...)
/// waits until everything before it is answered. Once one command waits, every later one
/// waits behind it.
extension RESPConnectionHandler {
    func mustWait(_ parsed: Result<ClientCommand, CommandRejection>) -> Bool {
        switch parsed {
        case .failure:
            return false
        case .success(.read):
            return false
        case .success(.write):
            // Inside MULTI a write is only queued; EXEC is the write that waits.
            return queuedSteps == nil && unansweredReads > 0
        case .success(.connection(let command)):
            switch command {
            case .ping, .echo: return false
            case .exec: return unansweredReads > 0
            default: return queuedSteps == nil && unansweredCount > 1
            }
        }
    }

    /// Runs the held commands whose turn has come, in order.
    func runHeld(context: ChannelHandlerContext) {
        guard !runningHeld else { return }
        runningHeld = true
        defer { runningHeld = false }
        while let (words, slot) = held.first {
            let parsed = CommandParser.parse(words)
            // `unansweredCount` counts the held command itself and those behind it.
            let waiting = held.count - 1
            unansweredCount -= waiting
            let wait = mustWait(parsed)
            unansweredCount += waiting
            guard !wait else { return }
            held.removeFirst()
            run(words, parsed: parsed, slot: slot, context: context)
        }
    }
}
