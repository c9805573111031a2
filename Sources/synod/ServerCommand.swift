import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SynodCore
import SynodNode

/// `synod server`: runs one node of a cluster.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run one Synod node: a Redis-protocol server replicated with Raft and stored in a write-ahead log."
    )

    @Option(help: "This node's id, as in --initial-cluster (1 or more).")
    var nodeId: UInt64

    @Option(help: "Directory for the write-ahead log and snapshots (created if missing).")
    var dataDir: String

    @Option(help: "HOST:PORT where Redis clients connect.")
    var clientAddr = "127.0.0.1:6379"

    @Option(help: "HOST:PORT where the other nodes connect.")
    var peerAddr = "127.0.0.1:7379"

    @Option(
        help: """
            HOST:PORT Redis clients are told to use for this node (CLUSTER SLOTS, MOVED), when --client-addr is \
            not it (NAT, containers); default: --client-addr, an unspecified host replaced by --peer-addr's.
            """
    )
    var announceClientAddr: String?

    @Flag(
        help: """
            Answer every client as Redis Cluster does: a keyed command sent to a node that does not lead its shard \
            gets MOVED (without it, only clients that sent CLIENT CAPA redirect do; others are forwarded).
            """
    )
    var clusterRedirects = false

    @Option(help: "HOST:PORT for /healthz, /readyz, /metrics (Prometheus) and /v1/status (JSON).")
    var httpAddr = "127.0.0.1:8379"

    @Option(help: "The founding members: 1=HOST:PEERPORT,2=HOST:PEERPORT,... (default: this node alone).")
    var initialCluster: String?

    @Option(help: "Milliseconds per Raft tick (1...10000); elections take about 10 ticks.")
    var tickMilliseconds = 20

    @Option(
        help: """
            Ticks a shard's group must be idle before it hibernates (its leader sends no heartbeats until a \
            request or a silent node wakes it); 0 never hibernates.
            """
    )
    var hibernateAfterTicks = 20

    @Option(
        help: """
            Take a snapshot once the log since the last one holds this percentage of the last snapshot's bytes \
            (1...1000, and at least 16 MiB): lower keeps less log in memory, higher writes fewer snapshots.
            """
    )
    var snapshotLogPercent = 25

    @Option(help: "Threads for client and peer connections; 0 serves them on the consensus thread, as Redis does.")
    var ioThreads = 0

    @Option(
        help: """
            Shards of the keyspace (1...\(NodeConfiguration.shardsMax)), each a consensus group on --replicas nodes, \
            the slots divided among them in equal ranges; the same on every founding node, and kept by the data.
            """
    )
    var initialShards = 1

    @Option(
        help: """
            Nodes that hold each shard (default: every node for one shard, min(3, nodes) for several); the same \
            on every founding node. A node relays requests for shards it does not hold to one that does.
            """
    )
    var replicas: Int?

    @Option(help: "Unsent reply bytes a client may hold before it is disconnected.")
    var clientOutputBufferLimit = 256 << 20

    @Option(
        help:
            "The most bytes one client request may take (1024...\(SizeLimits.requestBytesCeiling)); larger ones get an error."
    )
    var maxRequestBytes = SizeLimits.requestBytesDefault

    @Option(
        help: """
            A file holding the secret every member has (at least 16 bytes; a trailing newline is ignored): \
            peer connections prove it. Without one, peers may connect from loopback only.
            """
    )
    var clusterSecretFile: String?

    @Option(help: "The password clients must give (AUTH, HELLO ... AUTH) for the default user.")
    var requirepass: String?

    @Option(help: "A file holding the password clients must give (a trailing newline is ignored).")
    var requirepassFile: String?

    @Option(help: "yes: without a password, refuse clients that are not on loopback (Redis's protected mode).")
    var protectedMode = "yes"

    @Option(
        help: """
            A file of ACL users, in Redis's format (lines 'user NAME rules...'), read at start and by ACL LOAD, \
            written by ACL SAVE. Each node has its own users: ACLs are not replicated.
            """
    )
    var aclfile: String?

    @Option(help: "Bytes a client may have sent and not yet had decoded before it is disconnected (Redis's default).")
    var clientQueryBufferLimit = 1 << 30

    @Option(help: "A PEM certificate (and its chain): with --tls-key-file, the client port speaks TLS only.")
    var tlsCertFile: String?

    @Option(help: "The PEM private key of --tls-cert-file (unencrypted).")
    var tlsKeyFile: String?

    @Option(help: "A PEM CA: clients must present a certificate it signed (Redis's tls-auth-clients yes).")
    var tlsCaCertFile: String?

    @Option(help: "This node's PEM certificate for peers, naming it as DNS:node-<id>.synod (mutual TLS).")
    var peerTlsCertFile: String?

    @Option(help: "The PEM private key of --peer-tls-cert-file (unencrypted).")
    var peerTlsKeyFile: String?

    @Option(help: "The PEM CA that signed every member's peer certificate.")
    var peerTlsCaFile: String?

    @Option(help: "Key changes kept for watches to replay from a revision; older ones are compacted.")
    var watchHistory = 100_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func makeConfiguration() throws -> NodeConfiguration {
        guard nodeId > 0 else { throw ValidationError("--node-id must be 1 or more") }
        guard let client = HostPort(parsing: clientAddr) else {
            throw ValidationError("--client-addr must be HOST:PORT")
        }
        guard let peer = HostPort(parsing: peerAddr) else { throw ValidationError("--peer-addr must be HOST:PORT") }
        guard let http = HostPort(parsing: httpAddr) else { throw ValidationError("--http-addr must be HOST:PORT") }
        let clusterText = initialCluster ?? "\(nodeId)=\(peerAddr)"
        guard let cluster = NodeConfiguration.parseCluster(clusterText) else {
            throw ValidationError("--initial-cluster must be ID=HOST:PORT,... with distinct ids")
        }
        var configuration = NodeConfiguration(
            nodeID: NodeID(nodeId),
            dataDirectory: dataDir,
            clientAddress: client,
            peerAddress: peer,
            initialCluster: cluster
        )
        if let announceClientAddr {
            guard let announced = HostPort(parsing: announceClientAddr) else {
                throw ValidationError("--announce-client-addr must be HOST:PORT")
            }
            configuration.announcedClientAddress = announced
        }
        configuration.clusterRedirects = clusterRedirects
        configuration.tickMilliseconds = tickMilliseconds
        configuration.hibernateAfterIdleTicks = hibernateAfterTicks
        configuration.httpAddress = http
        configuration.ioThreads = ioThreads
        configuration.initialShards = initialShards
        configuration.replicas = replicas
        configuration.snapshotLogPercentOfState = snapshotLogPercent
        configuration.watchHistoryChanges = watchHistory
        configuration.clientOutputBufferBytesMax = clientOutputBufferLimit
        configuration.requestBytesMax = maxRequestBytes
        if let clusterSecretFile {
            configuration.clusterSecret = try Self.readSecret(clusterSecretFile, option: "--cluster-secret-file")
        }
        guard requirepass == nil || requirepassFile == nil else {
            throw ValidationError("give --requirepass or --requirepass-file, not both")
        }
        if let requirepass { configuration.requirePassword = Array(requirepass.utf8) }
        if let requirepassFile {
            configuration.requirePassword = try Self.readSecret(requirepassFile, option: "--requirepass-file")
        }
        if configuration.requirePassword?.isEmpty == true { throw ValidationError("the password is empty") }
        guard ["yes", "no"].contains(protectedMode) else { throw ValidationError("--protected-mode must be yes or no") }
        configuration.protectedMode = protectedMode == "yes"
        configuration.clientLimits.queryBufferBytesMax = clientQueryBufferLimit
        configuration.accessControl.filePath = aclfile
        if let problem = configuration.accessControl.loadFile() { throw ValidationError(problem) }
        try loadTLS(into: &configuration)
        if let problem = configuration.problem() { throw ValidationError(problem) }
        return configuration
    }

    /// Reads the TLS files now, so a file that cannot be used stops the node before it listens.
    func loadTLS(into configuration: inout NodeConfiguration) throws {
        do {
            configuration.clientTLS = try ClientTLS.load(
                certificateFile: tlsCertFile,
                keyFile: tlsKeyFile,
                clientCertificateAuthorityFile: tlsCaCertFile
            )
            configuration.peerTLS = try PeerTLS.load(
                certificateFile: peerTlsCertFile,
                keyFile: peerTlsKeyFile,
                certificateAuthorityFile: peerTlsCaFile,
                nodeID: configuration.nodeID
            )
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// A file's bytes without a trailing newline.
    static func readSecret(_ path: String, option: String) throws -> [UInt8] {
        guard var secret = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw ValidationError("\(option) \(path) cannot be read")
        }
        while secret.last == UInt8(ascii: "\n") || secret.last == UInt8(ascii: "\r") { secret.removeLast() }
        return secret
    }

    func validate() throws {
        _ = try makeConfiguration()
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel) is not a level")
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "synod.node")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let node = SynodNodeService(configuration: configuration, logger: logger, registry: registry)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: node)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
