import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle
import SynodCore
import SynodPeerProtocol
import SynodRaft

/// One running node: storage and consensus on the driver's loop, fdatasync on a thread of its
/// own, and the peer transport and the client server on the driver's loop too (or on
/// `ioThreads` loops of their own). Runs until graceful shutdown (SIGTERM, SIGINT): then
/// it stops accepting, lets the driver finish what it is doing, and exits cleanly. A storage
/// failure stops it with an error.
public final class SynodNodeService: Service, Sendable {
    public let configuration: NodeConfiguration
    let logger: Logger
    /// Where the process's metrics are kept; `/metrics` prints it.
    let registry: PrometheusCollectorRegistry

    public init(configuration: NodeConfiguration, logger: Logger, registry: PrometheusCollectorRegistry) {
        self.configuration = configuration
        self.logger = logger
        self.registry = registry
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func run() async throws {
        let driverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let ioGroup: MultiThreadedEventLoopGroup? =
            configuration.ioThreads == 0 ? nil : MultiThreadedEventLoopGroup(numberOfThreads: configuration.ioThreads)
        let networkGroup = ioGroup ?? driverGroup
        let driverLoop = driverGroup.next()
        let syncThreads = NIOThreadPool(numberOfThreads: 1)
        syncThreads.start()
        let backgroundThread = BackgroundThread.start()
        let driver = try await driverLoop.submit {
            try NodeDriver(
                configuration: self.configuration,
                loop: driverLoop,
                syncThreads: syncThreads,
                backgroundThread: backgroundThread
            )
        }.get()
        let stopped = driverLoop.makePromise(of: Void.self)
        let logger = self.logger
        driver.onFatalError = { reason in
            logger.critical("storage failed; stopping", metadata: ["reason": "\(reason)"])
            stopped.fail(Failure(description: "storage failed: \(reason)"))
        }
        let refusals = RateLimitedLog(interval: .seconds(1))
        let stalls = RateLimitedLog(interval: .seconds(1))
        driver.onLoopStall = { late, applied in
            stalls.report(
                "the event loop ran \(late / 1_000_000) ms late (busy or paused) at applied index \(applied)",
                remote: nil,
                logger: logger
            )
        }
        driver.onRoleChange = { group, now in
            logger.notice(
                "raft role changed",
                metadata: ["group": "\(group.rawValue)", "role": "\(now.role)", "term": "\(now.term)"]
            )
        }
        let transport = PeerTransport(
            group: networkGroup,
            nodeID: configuration.nodeID,
            addresses: configuration.initialCluster,
            clusterSecret: configuration.clusterSecret,
            identity: try NodeIdentity(
                directory: configuration.dataDirectory,
                initialCluster: configuration.initialCluster
            ),
            announcement: driver.announcement,
            tls: configuration.peerTLS,
            logger: logger,
            refused: { reason, remote in
                driver.metrics.droppedPeerMessages.increment()
                refusals.report(reason, remote: remote, logger: logger)
            }
        ) { frame in
            driverLoop.execute { driver.receive(frame) }
        }
        driver.send = { message, group in transport.send(message, group: group) }
        driver.sendFrame = { frame, peer, lane in transport.send(frame: frame, to: peer, lane: lane) }
        let interval = TimeAmount.milliseconds(Int64(configuration.tickMilliseconds))
        let ticks = driverLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in driver.tick() }

        let peerServer = try await transport.startServer(at: configuration.peerAddress)
        let shared = ClientContext(driver: driver, configuration: configuration)
        let respLimits = configuration.respLimits
        let clientTLS = configuration.clientTLS
        let clientServer = try await ServerBootstrap(group: networkGroup)
            .serverChannelOption(.backlog, value: 511)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let clientTLS {
                        try channel.pipeline.syncOperations.addHandlers(clientTLS.makeHandlers(logger: logger))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        RESPConnectionHandler(shared: shared, limits: respLimits)
                    )
                }
            }
            .bind(host: configuration.clientAddress.host, port: configuration.clientAddress.port)
            .get()
        var httpServer: Channel?
        if let httpAddress = configuration.httpAddress {
            let registry = self.registry
            httpServer = try await ServerBootstrap(group: networkGroup)
                .serverChannelOption(.backlog, value: 64)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPStatusHandler(driver: driver, registry: registry)
                        )
                    }
                }
                .bind(host: httpAddress.host, port: httpAddress.port)
                .get()
        }
        logger.info(
            "node started",
            metadata: [
                "node.id": "\(configuration.nodeID.rawValue)", "client.address": "\(configuration.clientAddress)",
                "peer.address": "\(configuration.peerAddress)", "data.directory": "\(configuration.dataDirectory)",
                "client.tls": "\(clientTLS?.mode ?? "off")",
                "peer.tls": "\(configuration.peerTLS == nil ? "off" : "mutual")",
            ]
        )

        var failure: Error?
        do {
            try await withGracefulShutdownHandler {
                try await stopped.futureResult.get()
            } onGracefulShutdown: {
                stopped.succeed(())
            }
        } catch {
            failure = error
        }
        logger.info("node stopping")
        try? await clientServer.close()  // Closing a server that is already closed is fine.
        try? await httpServer?.close()  // Likewise.
        try? await peerServer.close()  // Likewise.
        try? await transport.close()  // Peer connections may already be gone.
        ticks.cancel()
        // The driver takes no new work and finishes the sync in progress, answering its clients.
        try? await driverLoop.flatSubmit {  // The loop is still running here.
            driver.stopped = true
            return driver.waitForSync()
        }.get()
        try await syncThreads.shutdownGracefully()
        try await backgroundThread.shutdownGracefully()
        try await ioGroup?.shutdownGracefully()
        try await driverGroup.shutdownGracefully()
        if let failure { throw failure }
    }
}
