import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Logs a warning at most once per `interval`, saying how many were suppressed since the last
/// one: input from outside (or a loop that stalls again and again) must not flood the log.
final class RateLimitedLog: Sendable {
    let interval: TimeAmount
    private let state = NIOLockedValueBox((nextAt: NIODeadline.uptimeNanoseconds(0), suppressed: 0))

    init(interval: TimeAmount) { self.interval = interval }

    func report(_ message: String, remote: SocketAddress?, logger: Logger) {
        let now = NIODeadline.now()
        let suppressed: Int? = state.withLockedValue { state in
            guard now >= state.nextAt else {
                state.suppressed += 1
                return nil
            }
            defer { state = (now + interval, 0) }
            return state.suppressed
        }
        guard let suppressed else { return }
        var metadata: Logger.Metadata = ["suppressed.since.last": "\(suppressed)"]
        if let remote { metadata["peer.remote"] = "\(remote)" }
        logger.warning("\(message)", metadata: metadata)
    }
}
