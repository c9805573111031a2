#if canImport(Glibc)
import Glibc
#endif

/// Prints which simulation seed was running when the process crashed (a failed
/// precondition in the code under test), then exits with the crash code.
///
/// The message is formatted before each seed into a buffer allocated once, so the signal
/// handler only calls `write` and `_exit`, which are async-signal-safe.
enum CrashReporter {
    static let bufferBytes = 256
    /// Written only by the main thread between seeds and read only by the signal handler.
    nonisolated(unsafe) private static var buffer: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var length = 0

    static func install() {
        buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bufferBytes)
        length = 0
        for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            signal(signalNumber) { _ in
                if let buffer = CrashReporter.buffer, CrashReporter.length > 0 {
                    _ = write(2, buffer, CrashReporter.length)
                }
                _exit(SimulationExitCode.crash.rawValue)
            }
        }
    }

    /// Sets the message printed if the process crashes from now on.
    static func setMessage(_ message: String) {
        guard let buffer else { return }
        let bytes = Array(message.utf8.prefix(bufferBytes))
        for (offset, byte) in bytes.enumerated() { buffer[offset] = CChar(bitPattern: byte) }
        length = bytes.count
    }
}

/// Exit codes of `synod sim`, one per kind of failure.
enum SimulationExitCode: Int32 {
    case clean = 0
    case safety = 3
    case liveness = 4
    case crash = 5
    /// `--expect-violation` was given and no seed found one.
    case mutationNotCaught = 6
}
