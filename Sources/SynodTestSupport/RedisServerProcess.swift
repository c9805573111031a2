import Foundation

/// A throwaway `redis-server` on a free loopback port, for comparing Synod with the real thing.
public final class RedisServerProcess: Sendable {
    public let port: Int
    public let process: ChildProcess
    private let directory: URL

    /// Starts redis-server with `extraArguments` (e.g. `["--cluster-enabled", "yes"]`) and
    /// waits until it answers PING.
    public static func start(extraArguments: [String] = []) async throws -> RedisServerProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-redis-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // A port taken between freeLoopbackPort() and redis's bind makes redis exit; pick again.
        for _ in 0..<5 {
            let port = try freeLoopbackPort()
            let arguments =
                [
                    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                    directory.path,
                ]
                + extraArguments
            let process = try ChildProcess(executable: "redis-server", arguments: arguments)
            let ready = await waitUntil {
                guard process.isRunning else { return true }
                // A refused connection means the server is not listening yet: keep waiting.
                return (try? BlockingRESPConnection(port: port).command(["PING"])) == .simpleString("PONG")
            }
            if ready && process.isRunning {
                return RedisServerProcess(port: port, process: process, directory: directory)
            }
            process.terminate()
        }
        throw RESPProtocolError(description: "redis-server did not start on a free port in 5 attempts")
    }

    private init(port: Int, process: ChildProcess, directory: URL) {
        self.port = port
        self.process = process
        self.directory = directory
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)  // a leftover temp dir is harmless
    }
}
