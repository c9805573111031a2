import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRaft
import SynodTestSupport

@testable import SynodNode

/// Real node drivers (real storage on a temporary directory, real fdatasync thread) wired
/// together in one process, with a network the test can cut: for scenarios that need a precise
/// partition, which separate processes cannot give.
final class InProcessCluster: Sendable {
    let loopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let syncThreads = NIOThreadPool(numberOfThreads: 1)
    let backgroundThread = BackgroundThread.start()
    let directory: String
    /// Every driver runs on this one loop; the test reaches them through `onLoop`.
    var loop: EventLoop { loopGroup.next() }
    private let drivers: NIOLockedValueBox<[NodeID: NodeDriver]> = NIOLockedValueBox([:])
    /// Nodes cut off from all others: their messages are dropped both ways.
    private let isolated: NIOLockedValueBox<Set<NodeID>> = NIOLockedValueBox([])
    /// Pairs of nodes whose consensus messages to each other are lost (other frames pass).
    private let raftCuts: NIOLockedValueBox<Set<Set<NodeID>>> = NIOLockedValueBox([])
    /// Nodes whose answers to forwarded requests are lost on the way.
    private let answersLost: NIOLockedValueBox<Set<NodeID>> = NIOLockedValueBox([])
    /// Nodes whose relayed requests, or whose results of relayed requests, are lost on the way
    /// (`NodeDriver+Relay`; the other relay frames pass).
    private let relayedRequestsLost: NIOLockedValueBox<Set<NodeID>> = NIOLockedValueBox([])
    private let relayedResultsLost: NIOLockedValueBox<Set<NodeID>> = NIOLockedValueBox([])
    private let ticks: NIOLockedValueBox<[RepeatedTask]> = NIOLockedValueBox([])

    /// `nodes` nodes, each hosting `groups` (the shards its configuration gives it if nil)
    /// over its one log, with `configure` applied to each node's configuration.
    init(
        nodes: Int,
        groups: [GroupID]? = [NodeDriver.keyspaceGroup],
        configure: @escaping @Sendable (inout NodeConfiguration) -> Void = { _ in }
    ) throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("synod-in-process-\(UInt64.random(in: 0...UInt64.max))").path
        syncThreads.start()
        let ids = (1...nodes).map { NodeID(UInt64($0)) }
        let cluster = Dictionary(uniqueKeysWithValues: ids.map { ($0, HostPort(host: "127.0.0.1", port: 1)) })
        let loop = self.loop
        try loop.submit {
            for id in ids {
                var configuration = NodeConfiguration(
                    nodeID: id,
                    dataDirectory: self.directory + "/n\(id.rawValue)",
                    clientAddress: HostPort(host: "127.0.0.1", port: 1),
                    peerAddress: HostPort(host: "127.0.0.1", port: 1),
                    initialCluster: cluster
                )
                configuration.tickMilliseconds = 10
                // Scenarios wait on conditions, however slow a loaded machine makes them: a
                // write is never given up on for lack of time.
                configuration.writeWait = .seconds(600)
                configuration.writeWaitMax = .seconds(600)
                configure(&configuration)
                let driver = try NodeDriver(
                    configuration: configuration,
                    loop: loop,
                    syncThreads: self.syncThreads,
                    backgroundThread: self.backgroundThread,
                    groups: groups
                )
                driver.send = { [self] message, group in self.deliver(message, group: group) }
                driver.sendFrame = { [self] frame, peer, _ in self.deliver(frame, from: id, to: peer) }
                self.drivers.withLockedValue { $0[id] = driver }
                let interval = TimeAmount.milliseconds(10)
                let task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in driver.tick() }
                self.ticks.withLockedValue { $0.append(task) }
            }
        }.wait()
    }

    private func deliver(_ message: RaftMessage, group: GroupID) {
        let cut =
            isolated.withLockedValue { $0.contains(message.from) || $0.contains(message.to) }
            || raftCuts.withLockedValue { $0.contains([message.from, message.to]) }
        guard !cut, let driver = drivers.withLockedValue({ $0[message.to] }) else { return }
        loop.execute { driver.receive(.message(group: group, message)) }
    }

    /// Delivers a peer frame (a forwarded request, its answer, a publish) as the transport does.
    private func deliver(_ frame: [UInt8], from sender: NodeID, to receiver: NodeID) {
        let cut = isolated.withLockedValue { $0.contains(sender) || $0.contains(receiver) }
        guard !cut, let driver = drivers.withLockedValue({ $0[receiver] }) else { return }
        var decoder = PeerFrameDecoder()
        decoder.append(frame)
        let output = decoder.next()
        if case .forwardedResult = output, answersLost.withLockedValue({ $0.contains(sender) }) { return }
        if case .relayedRequest = output, relayedRequestsLost.withLockedValue({ $0.contains(sender) }) { return }
        if case .relayedResult(_, _, _, _?) = output, relayedResultsLost.withLockedValue({ $0.contains(sender) }) {
            return
        }
        loop.execute { driver.receive(output) }
    }

    /// From now on, consensus messages between `first` and `second` are lost both ways.
    func cutConsensus(between first: NodeID, and second: NodeID) {
        raftCuts.withLockedValue { _ = $0.insert([first, second]) }
    }

    /// From now on, `node`'s answers to forwarded requests are lost (the requests arrive).
    func loseAnswers(from node: NodeID) { answersLost.withLockedValue { _ = $0.insert(node) } }

    /// From now on, the requests `nodes` relay are lost on the way (or, with `results`, the
    /// results they send back); `[]` ends it.
    func loseRelayed(from nodes: Set<NodeID>, results: Bool = false) {
        (results ? relayedResultsLost : relayedRequestsLost).withLockedValue { $0 = nodes }
    }

    func isolate(_ node: NodeID) { isolated.withLockedValue { _ = $0.insert(node) } }
    func heal() {
        isolated.withLockedValue { $0.removeAll() }
        raftCuts.withLockedValue { $0.removeAll() }
    }

    /// Runs `body` with the drivers on their loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable ([NodeID: NodeDriver]) -> T) throws -> T {
        let drivers = self.drivers.withLockedValue { $0 }
        return try loop.submit { body(drivers) }.wait()
    }

    /// The node that leads `group`, if exactly one node believes it does.
    func leader(excluding excluded: Set<NodeID> = [], group: GroupID = NodeDriver.keyspaceGroup) throws -> NodeID? {
        try onLoop { drivers in
            let leaders = drivers.filter {
                !excluded.contains($0.key) && $0.value.runtimes.hosts(group) && $0.value.runtimes[group].isLeader
            }.map(\.key)
            return leaders.count == 1 ? leaders[0] : nil
        }
    }

    /// Waits until `leader(excluding:)` finds one; nil if none is elected in time.
    func awaitLeader(
        excluding excluded: Set<NodeID> = [],
        group: GroupID = NodeDriver.keyspaceGroup,
        pollInterval: Duration = .milliseconds(20)
    ) async throws -> NodeID? {
        var found: NodeID?
        _ = try await waitUntil(pollInterval: pollInterval) {
            found = try leader(excluding: excluded, group: group)
            return found != nil
        }
        return found
    }

    /// Sends a write to `node`'s driver; the future completes with its reply.
    func write(
        _ command: KeyValueCommand,
        to node: NodeID,
        group: GroupID = NodeDriver.keyspaceGroup
    ) throws -> EventLoopFuture<KeyValueResult> {
        try request(at: node) { driver, promise in driver.write(command, promise: promise, group: group) }
    }

    /// Sends a linearizable read to `node`'s driver; the future completes with its reply.
    func read(
        _ command: ReadCommand,
        at node: NodeID,
        group: GroupID = NodeDriver.keyspaceGroup
    ) throws -> EventLoopFuture<KeyValueResult> {
        try request(at: node) { driver, promise in driver.read(command, promise: promise, origin: 0, group: group) }
    }

    /// Hands a request to `node`'s driver on its loop, as a client connection does.
    private func request(
        at node: NodeID,
        _ send: @escaping @Sendable (NodeDriver, EventLoopPromise<KeyValueResult>) -> Void
    ) throws -> EventLoopFuture<KeyValueResult> {
        try onLoop { drivers in
            let driver = drivers[node]!
            let promise = driver.loop.makePromise(of: KeyValueResult.self)
            send(driver, promise)
            return promise.futureResult
        }
    }

    func shutdown() throws {
        for task in ticks.withLockedValue({ $0 }) { task.cancel() }
        _ = try onLoop { drivers in
            for driver in drivers.values { driver.stopped = true }
            return EventLoopFuture.andAllComplete(
                drivers.values.map { $0.waitForSync() },
                on: drivers.first!.value.loop
            )
        }.wait()
        try syncThreads.syncShutdownGracefully()
        try backgroundThread.syncShutdownGracefully()
        try loopGroup.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
