import ArgumentParser
import Foundation
import SynodCore
import SynodNode
import SynodPartitioning

/// `synod dev`: a whole local cluster in one command, for development.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Start a local cluster (one synod server process per node) and stop it cleanly on Ctrl-C.",
        discussion: """
            Node N listens for Redis clients on 127.0.0.1:(7000+N), for peers on 127.0.0.1:(7100+N) and \
            for HTTP on 127.0.0.1:(7200+N) (see --client-port-base and --peer-port-base; HTTP is the peer \
            port plus 100); its data lives in ./.synod/nodeN, so a restart keeps the data.
            """
    )

    @Option(help: "Nodes in the cluster (1...7).")
    var nodes = 3

    @Option(help: "Directory for the nodes' data.")
    var dataDir = ".synod"

    @Option(help: "Node N's client port is this plus N.")
    var clientPortBase = 7000

    @Option(help: "Node N's peer port is this plus N.")
    var peerPortBase = 7100

    @Option(help: "Node N's HTTP port (/healthz, /metrics, /v1/status) is this plus N.")
    var httpPortBase = 7200

    @Option(help: "Shards of the keyspace, each a consensus group on --replicas nodes (--initial-shards of each).")
    var shards = 1

    @Option(help: "Nodes that hold each shard (--replicas of each; default min(3, nodes) for several shards).")
    var replicas: Int?

    @Flag(help: "Every node answers MOVED as Redis Cluster does (--cluster-redirects of each), for redis-cli -c.")
    var clusterRedirects = false

    func validate() throws {
        guard (1...7).contains(nodes) else { throw ValidationError("--nodes must be in 1...7") }
        guard (1...NodeConfiguration.shardsMax).contains(shards) else {
            throw ValidationError("--shards must be in 1...\(NodeConfiguration.shardsMax)")
        }
        if let replicas, !(1...nodes).contains(replicas) { throw ValidationError("--replicas must be in 1...\(nodes)") }
        let members = ReplicaPlacement.members(
            shardCount: shards,
            nodes: Set((1...nodes).map { NodeID(UInt64($0)) }),
            replicas: replicas ?? (shards == 1 ? nodes : min(3, nodes))
        )
        if Set(members.joined()).count < nodes {
            throw ValidationError("with \(shards) shard(s) of --replicas \(replicas ?? 0), some node would hold none")
        }
        for base in [clientPortBase, peerPortBase, httpPortBase] where !(1...65_000).contains(base) {
            throw ValidationError("port bases must be in 1...65000")
        }
    }

    /// Writes a line at once (unbuffered), even into a pipe or file, so the hints appear now.
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// The cluster's secret in the data directory, made (random, readable by its owner only)
    /// the first time; its path.
    func ensureClusterSecret() throws -> String {
        let path = "\(dataDir)/cluster-secret"
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &random)) }
        guard
            FileManager.default.createFile(
                atPath: path,
                contents: Data((secret.joined() + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw ValidationError("cannot write the cluster secret to \(path)") }
        return path
    }

    func clientPort(_ node: Int) -> Int { clientPortBase + node }
    func peerPort(_ node: Int) -> Int { peerPortBase + node }
    func httpPort(_ node: Int) -> Int { httpPortBase + node }

    func run() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let cluster = (1...nodes).map { "\($0)=127.0.0.1:\(peerPort($0))" }.joined(separator: ",")
        let secretFile = try ensureClusterSecret()
        var children: [Process] = []
        // Exits are awaited through termination handlers: Foundation's waitUntilExit spins a
        // core in its run loop on Linux, which starved the nodes on a 2-core machine.
        let running = DispatchGroup()
        for node in 1...nodes {
            let process = Process()
            running.enter()
            process.terminationHandler = { _ in running.leave() }
            process.executableURL = executable
            process.arguments =
                [
                    "server", "--node-id", String(node), "--data-dir", "\(dataDir)/node\(node)",
                    "--client-addr", "127.0.0.1:\(clientPort(node))", "--peer-addr",
                    "127.0.0.1:\(peerPort(node))",
                    "--http-addr", "127.0.0.1:\(httpPort(node))", "--initial-cluster", cluster,
                    "--cluster-secret-file", secretFile, "--initial-shards", String(shards),
                ] + (clusterRedirects ? ["--cluster-redirects"] : [])
                + (replicas.map { ["--replicas", String($0)] } ?? [])
            do {
                try process.run()
            } catch {
                running.leave()
                throw error
            }
            children.append(process)
        }
        say(
            "synod dev: \(nodes) node\(nodes == 1 ? "" : "s")\(shards == 1 ? "" : " of \(shards) shards") running, "
                + "data in \(dataDir)/"
        )
        for node in 1...nodes {
            say(
                "  node \(node): redis-cli -p \(clientPort(node))    (peers on \(peerPort(node)), "
                    + "http://127.0.0.1:\(httpPort(node))/v1/status)"
            )
        }
        say(
            clusterRedirects
                ? "Each shard's leader serves its slots; other nodes answer MOVED (redis-cli -c follows it). "
                    + "Ctrl-C stops the cluster."
                : "Any node takes any command (followers forward to the leader). Ctrl-C stops the cluster."
        )
        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        // Also stop when every node has exited by itself.
        running.notify(queue: .global()) { stop.signal() }
        stop.wait()
        say("synod dev: stopping")
        for child in children where child.isRunning { kill(child.processIdentifier, SIGTERM) }
        running.wait()
        let failed = children.contains { $0.terminationStatus != 0 }
        say("synod dev: stopped")
        if failed { throw ExitCode(1) }
    }
}
