import Foundation

/// A child process started by a test, killed (with its output kept for the failure message)
/// when the test ends.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only mutated in init and terminate(), which take `lock`.
    fileprivate let process = Process()
    private let lock = NSLock()
    public let logURL: URL
    public let commandLine: String

    /// Starts `executable` with `arguments`; stdout and stderr go to a temporary log file.
    public init(executable: String, arguments: [String]) throws {
        logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("synod-test-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logURL.path])
        }
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = try Self.resolve(executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        commandLine = ([executable] + arguments).joined(separator: " ")
        try process.run()
    }

    deinit { terminate() }

    public var isRunning: Bool { lock.withLock { process.isRunning } }

    /// The process's output so far, for failure messages.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? "<no output file>"  // a missing log is reported as such
    }

    /// Kills the process (SIGKILL) and waits for it to exit.
    public func terminate() {
        lock.withLock {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func resolve(_ executable: String) throws -> URL {
        if executable.contains("/") { return URL(fileURLWithPath: executable) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(executable)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw MissingExecutable(name: executable)
    }
}

/// A program a test needs is not installed; the README's test command installs it.
public struct MissingExecutable: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "\(name) is not on PATH; run the README's test command, which installs it" }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
///
/// Tests wait on conditions, not on fixed delays: the pause between polls only paces the loop.
public func waitUntil(
    timeout: Duration = .seconds(30),
    pollInterval: Duration = .milliseconds(20),
    _ condition: () throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: pollInterval)  // cancellation ends the wait at the next check
    }
    return try condition()
}

extension ChildProcess {
    /// Sends `signal` (SIGTERM for a graceful stop, SIGSTOP/SIGCONT to pause and resume).
    public func send(signal number: Int32) {
        lock.withLock {
            guard process.isRunning else { return }
            kill(process.processIdentifier, number)
        }
    }

    /// Waits for the process to exit by itself and returns its exit status.
    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
