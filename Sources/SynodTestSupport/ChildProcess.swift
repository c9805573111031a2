import Foundation

/// A child process started by a test, killed (with its output kept for the failure message)
/// when the test ends.
///
/// Spawned and reaped with posix_spawn and waitpid rather than Foundation's `Process`, whose
/// Linux implementation can block one child's wait behind another's while tests running in
/// parallel kill their processes (a deadlock seen in CI-like runs).
public final class ChildProcess: @unchecked Sendable {
    // @unchecked Sendable: `exitStatus` is only read and written under `lock`.
    private let lock = NSLock()
    public let processIdentifier: pid_t
    /// The raw wait status once the process has been reaped.
    private var exitStatus: Int32?
    public let logURL: URL
    public let commandLine: String

    /// Starts `executable` with `arguments`; stdout and stderr go to a temporary log file.
    public init(executable: String, arguments: [String]) throws {
        logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("synod-test-\(UUID().uuidString).log")
        let path = try Self.resolve(executable).path
        commandLine = ([executable] + arguments).joined(separator: " ")
        let log = open(logURL.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SocketError(call: "open \(logURL.path)", errorNumber: errno) }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        // The test support's own sockets are opened with SOCK_CLOEXEC, so a test's client
        // connections do not leak into the child and outlive their close.
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard result == 0 else { throw SocketError(call: "posix_spawn \(path)", errorNumber: result) }
        processIdentifier = pid
    }

    deinit { terminate() }

    /// Reaps the process if it has exited, without blocking. Call with `lock` held.
    private func reapIfExited() {
        guard exitStatus == nil else { return }
        var status: Int32 = 0
        if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { exitStatus = status }
    }

    public var isRunning: Bool {
        lock.withLock {
            reapIfExited()
            return exitStatus == nil
        }
    }

    /// The process's output so far, for failure messages.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? "<no output file>"  // a missing log is reported as such
    }

    /// Kills the process (SIGKILL) and waits for it to exit.
    public func terminate() {
        lock.withLock {
            reapIfExited()
            guard exitStatus == nil else { return }
            kill(processIdentifier, SIGKILL)
            var status: Int32 = 0
            while waitpid(processIdentifier, &status, 0) == -1 && errno == EINTR {}
            exitStatus = status
        }
    }

    /// Sends `signal` (SIGTERM for a graceful stop, SIGSTOP/SIGCONT to pause and resume).
    public func send(signal number: Int32) {
        lock.withLock {
            reapIfExited()
            guard exitStatus == nil else { return }
            kill(processIdentifier, number)
        }
    }

    /// Waits for the process to exit by itself and returns its exit code (or, if a signal
    /// ended it, the signal's number, as Foundation's `Process` reports it).
    public func waitForExit() -> Int32 {
        var status: Int32 = 0
        // Blocking, without the lock: a concurrent `isRunning` may reap it first (then
        // waitpid fails with ECHILD and the status it recorded is used).
        var reaped = waitpid(processIdentifier, &status, 0)
        while reaped == -1 && errno == EINTR { reaped = waitpid(processIdentifier, &status, 0) }
        let raw: Int32 = lock.withLock {
            if reaped == processIdentifier && exitStatus == nil { exitStatus = status }
            return exitStatus ?? status
        }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
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
