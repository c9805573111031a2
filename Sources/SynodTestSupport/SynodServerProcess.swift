import Foundation

/// A `synod server` child process on free loopback ports, with its data directory, for
/// real-process tests.
public final class SynodServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is set only by init and restart(), which tests call
    // from one task.
    public let nodeID: Int
    public let clientPort: Int
    public let peerPort: Int
    public let httpPort: Int
    public let dataDirectory: String
    public let executable: String
    public let initialCluster: String
    /// `synod server` and its options (with the caller's extra ones), the same on every start.
    let launchArguments: [String]
    public private(set) var process: ChildProcess

    /// Picks the ports of `count` nodes and returns their `--initial-cluster` value.
    public static func plan(count: Int) throws -> [(clientPort: Int, peerPort: Int)] {
        try (0..<count).map { _ in (try freeLoopbackPort(), try freeLoopbackPort()) }
    }

    public static func cluster(_ plan: [(clientPort: Int, peerPort: Int)]) -> String {
        plan.enumerated().map { "\($0.offset + 1)=127.0.0.1:\($0.element.peerPort)" }.joined(separator: ",")
    }

    public init(
        executable: String,
        nodeID: Int,
        clientPort: Int,
        peerPort: Int,
        initialCluster: String,
        dataDirectory: String,
        extraArguments: [String] = []
    )
        throws
    {
        self.executable = executable
        self.nodeID = nodeID
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.httpPort = try freeLoopbackPort()
        self.initialCluster = initialCluster
        self.dataDirectory = dataDirectory
        // 50 ms ticks (elections after about half a second): fast enough for failover tests,
        // slow enough that a machine loaded with many test clusters does not elect anew
        // whenever a process is descheduled for a moment.
        launchArguments =
            [
                "server", "--node-id", String(nodeID), "--data-dir", dataDirectory, "--client-addr",
                "127.0.0.1:\(clientPort)", "--peer-addr", "127.0.0.1:\(peerPort)", "--http-addr",
                "127.0.0.1:\(httpPort)", "--initial-cluster", initialCluster, "--tick-milliseconds", "50",
            ] + extraArguments
        process = try ChildProcess(executable: executable, arguments: launchArguments)
    }

    /// Starts the node again on the same ports and data (after a kill or a stop).
    public func restart() throws {
        process.terminate()
        process = try ChildProcess(executable: executable, arguments: launchArguments)
    }

    /// The client password the node was started with (`--requirepass`), which `command` gives.
    public var password: String? {
        launchArguments.firstIndex(of: "--requirepass").map { launchArguments[$0 + 1] }
    }

    /// One command on a fresh connection (authenticated first if the node wants a password);
    /// nil if the node does not answer.
    public func command(_ words: [String]) -> RESPReply? {
        // Down or not yet up: nil.
        guard let connection = try? BlockingRESPConnection(port: clientPort, replyTimeoutSeconds: 10) else {
            return nil
        }
        if let password, (try? connection.command(["AUTH", password])) != .simpleString("OK") { return nil }
        return try? connection.command(words)
    }

    /// The fields of `INFO consensus`, or nil if the node does not answer.
    public func consensus() -> [String: String]? {
        guard case .bulkString(let bytes?) = command(["INFO", "consensus"]) else { return nil }
        var fields: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }

    public var isLeader: Bool { consensus()?["raft_role"] == "leader" }
}
