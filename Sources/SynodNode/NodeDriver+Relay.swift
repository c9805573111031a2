import NIOCore
import SynodConsensus
import SynodCore
import SynodKeyValue
import SynodPeerProtocol
import SynodRuntime

/// Who leads the shards, as the nodes announce it (`PeerFrame.encodeAnnouncement`): what a
/// node routes the shards it does not hold by, and names in CLUSTER SLOTS and MOVED. A claim
/// in a higher term replaces one in a lower; a node's announcement that no longer names a
/// group withdraws its claim.
struct ShardLeaders {
    private var claims: [GroupID: (leader: NodeID, term: Term)] = [:]

    /// `node` says it leads exactly these groups.
    mutating func announced(by node: NodeID, leading: [ShardLeadership]) {
        let led = Set(leading.map(\.group))
        for (group, claim) in claims where claim.leader == node && !led.contains(group) { claims[group] = nil }
        for leadership in leading where claims[leadership.group].map({ $0.term <= leadership.term }) ?? true {
            claims[leadership.group] = (node, leadership.term)
        }
    }

    /// The node that last claimed to lead `group`, in the highest term claimed.
    func leader(of group: GroupID) -> NodeID? { claims[group]?.leader }
    func term(of group: GroupID) -> Term? { claims[group]?.term }
}

/// The requests a node relays to nodes that hold their shards (for its clients), and those it
/// serves for other nodes' clients.
///
/// A node holds only the shards `ReplicaPlacement` gives it (`--replicas`). A request for
/// another shard goes, as a relayed request, to a node that holds it (its leader if known),
/// which serves it as one of its own clients' (forwarding it to the leader, keeping the
/// connection's order, waiting in a lock's line), and sends back the result. A connection's
/// requests for one shard go to one node while any is unanswered, so that they keep their
/// order there. Frames can be lost when a peer connection breaks: every second the relaying
/// node asks about requests older than two seconds, and those the node no longer holds are
/// answered UNCERTAIN (a write) or TRYAGAIN (a read), as are those to a node gone silent.
struct Relays {
    struct Request {
        let recipient: ReplyRecipient
        let route: Route
        let target: NodeID
        let isWrite: Bool
        /// When it was sent (monotonic milliseconds).
        let sentAt: Int64
    }

    /// A connection's requests for one group.
    struct Route: Hashable {
        let origin: UInt64
        let group: GroupID
    }

    /// A request a peer relayed here, being served.
    struct Held: Hashable {
        let from: NodeID
        let requestID: UInt64
    }

    var requests: [UInt64: Request] = [:]
    var nextRequestID: UInt64 = 1
    /// Where each route's requests go while some are unanswered, and how many are.
    var routes: [Route: (target: NodeID, unanswered: Int)] = [:]
    /// The requests peers relayed here, with the connection each came from.
    var held: [Held: UInt64] = [:]
    var lastCheck: Int64 = 0

    /// Requests unanswered this long are asked about.
    static let checkAfterMilliseconds: Int64 = 2_000
    static let checkIntervalMilliseconds: Int64 = 1_000

    /// The request is answered: it no longer holds its route.
    mutating func remove(_ requestID: UInt64) -> Request? {
        guard let request = requests.removeValue(forKey: requestID) else { return nil }
        if let route = routes[request.route] {
            routes[request.route] = route.unanswered > 1 ? (route.target, route.unanswered - 1) : nil
        }
        return request
    }
}

/// The answer a node that serves a relayed request sends back.
struct RelayedReply: Sendable {
    let driver: NodeDriver
    let to: NodeID
    let requestID: UInt64
    let group: GroupID

    func deliver(_ result: KeyValueResult) {
        driver.answerRelayed(result, to: to, requestID: requestID, group: group)
    }
}

extension NodeDriver {
    /// Whether `group` is one of the cluster's shards.
    func isShard(_ group: GroupID) -> Bool { (1...UInt64(slotDivision.shardCount)).contains(group.rawValue) }

    /// The leader of `group` as this node knows it: its own replica's view for a group it
    /// holds, the nodes' announcements for another.
    func leader(of group: GroupID) -> NodeID? {
        runtimes.hosts(group) ? runtimes[group].replica.leader : shardLeaders.leader(of: group)
    }

    /// This node's announcement: its client address and the groups it leads.
    func currentAnnouncement() -> [UInt8] {
        var leading: [ShardLeadership] = []
        for position in runtimes.positions where runtimes[position: position].replica.role == .leader {
            leading.append(
                ShardLeadership(group: groups[position], term: runtimes[position: position].replica.hardState.term)
            )
        }
        return PeerFrame.encodeAnnouncement(
            from: configuration.nodeID,
            clientAddress: Array(configuration.clientAddressToAnnounce.description.utf8),
            leading: leading
        )
    }

    /// Sends a request for a group this node does not hold to a node that does.
    func relay(_ request: ForwardedRequest, group: GroupID, origin: UInt64, replyTo recipient: ReplyRecipient) {
        let now = Self.milliseconds(.now())
        let route = Relays.Route(origin: origin, group: group)
        guard let target = relays.routes[route]?.target ?? relayTarget(of: group, at: now) else {
            return recipient.deliver(
                .refusal(.tryAgain("no node that holds shard \(group.rawValue - 1) is reachable from here"))
            )
        }
        let requestID = relays.nextRequestID
        relays.nextRequestID += 1
        var isWrite = false
        if case .write = request { isWrite = true }
        relays.requests[requestID] = Relays.Request(
            recipient: recipient,
            route: route,
            target: target,
            isWrite: isWrite,
            sentAt: now
        )
        relays.routes[route] = (target, (relays.routes[route]?.unanswered ?? 0) + 1)
        metrics.relayedRequests.increment()
        sendFrame(
            PeerFrame.encodeRelayed(
                request,
                from: configuration.nodeID,
                requestID: requestID,
                origin: origin,
                group: group
            ),
            target,
            .data
        )
    }

    /// The node a request for `group` is relayed to: its leader if known and not silent,
    /// otherwise the first of its members not silent (which forwards to the leader).
    func relayTarget(of group: GroupID, at now: Int64) -> NodeID? {
        let me = configuration.nodeID
        if let leader = shardLeaders.leader(of: group), leader != me, !liveness.isSilent(leader, at: now),
            configuration.initialCluster[leader] != nil
        {
            return leader
        }
        let members = shardMembers[Int(group.rawValue) - 1]
        return members.first { $0 != me && !liveness.isSilent($0, at: now) }
    }

    /// A peer relayed a request of one of its clients: served here as one of this node's own.
    func serveRelayed(_ request: ForwardedRequest, group: GroupID, from: NodeID, requestID: UInt64, origin: UInt64) {
        // A connection's origin names its node (`RESPConnectionHandler.origin`): a peer relays
        // only its own connections' (or the node's own requests', origin 0), so no two nodes'
        // connections are taken for one.
        guard origin == 0 || origin >> 32 == from.rawValue,
            relays.held[Relays.Held(from: from, requestID: requestID)] == nil
        else {
            return metrics.droppedPeerMessages.increment()
        }
        let recipient = ReplyRecipient.relayed(RelayedReply(driver: self, to: from, requestID: requestID, group: group))
        guard runtimes.hosts(group) else {
            return recipient.deliver(
                .error(KeyValueError(.unavailable, "ERR shard \(group.rawValue - 1) is not held here"))
            )
        }
        relays.held[Relays.Held(from: from, requestID: requestID)] = origin
        switch request {
        case .write(let entry): write(entry.command, replyTo: recipient, origin: origin, group: group)
        case .read(let command): read(command, replyTo: recipient, origin: origin, group: group)
        }
    }

    /// Sends the result of a request a peer relayed here; one too large for a frame becomes an
    /// error.
    func answerRelayed(_ result: KeyValueResult, to node: NodeID, requestID: UInt64, group: GroupID) {
        precondition(loop.inEventLoop, "driver state is confined to its loop")
        guard relays.held.removeValue(forKey: Relays.Held(from: node, requestID: requestID)) != nil else { return }
        var frame = PeerFrame.encodeRelayedResult(
            result,
            from: configuration.nodeID,
            requestID: requestID,
            group: group
        )
        if frame.count > SizeLimits.frameBytesMax {
            frame = PeerFrame.encodeRelayedResult(
                .error(
                    KeyValueError(
                        .replyTooLarge,
                        "ERR the reply is larger than a peer frame carries; ask a node of its shard"
                    )
                ),
                from: configuration.nodeID,
                requestID: requestID,
                group: group
            )
        }
        sendFrame(frame, node, .data)
    }

    /// A relayed request's result came back (nil: the node no longer holds it).
    func relayedResult(_ result: KeyValueResult?, from: NodeID, requestID: UInt64) {
        guard relays.requests[requestID]?.target == from, let request = relays.remove(requestID) else {
            return metrics.droppedPeerMessages.increment()
        }
        request.recipient.deliver(result ?? Self.lost(request, "node \(from.rawValue) lost the request relayed to it"))
    }

    /// The answer to a relayed request whose result will not come.
    static func lost(_ request: Relays.Request, _ why: String) -> KeyValueResult {
        request.isWrite ? .refusal(.uncertain(why)) : .refusal(.tryAgain("\(why); retry"))
    }

    /// A peer asks which of the requests it relayed here are still held: those that are not
    /// are answered as such (an answer sent before went before this one, on the same lane).
    func answerRelayCheck(from node: NodeID, requestIDs: [UInt64]) {
        for requestID in requestIDs where relays.held[Relays.Held(from: node, requestID: requestID)] == nil {
            sendFrame(
                PeerFrame.encodeRelayedResult(nil, from: configuration.nodeID, requestID: requestID, group: GroupID(0)),
                node,
                .data
            )
        }
    }

    /// Once per tick: relayed requests to a silent node, or to one not heard from since they
    /// were sent two seconds ago, end; older ones are asked about; the requests silent peers
    /// relayed here end as their connections closing would.
    func superviseRelays(at now: Int64, silent: [NodeID]) {
        for peer in silent {
            endRelays(to: peer, "node \(peer.rawValue), which the request was relayed to, went silent")
            let origins = Set(relays.held.filter { $0.key.from == peer }.map(\.value))
            guard !origins.isEmpty else { continue }
            relays.held = relays.held.filter { $0.key.from != peer }
            for origin in origins.sorted() { clientGone(origin: origin) }
        }
        guard now - relays.lastCheck >= Relays.checkIntervalMilliseconds, !relays.requests.isEmpty else { return }
        relays.lastCheck = now
        var asked: [NodeID: [UInt64]] = [:]
        var unheard: [UInt64] = []
        for (requestID, request) in relays.requests where now - request.sentAt >= Relays.checkAfterMilliseconds {
            if (liveness.lastHeard(from: request.target) ?? .min) < request.sentAt {
                unheard.append(requestID)
            } else {
                asked[request.target, default: []].append(requestID)
            }
        }
        for requestID in unheard.sorted() {
            guard let request = relays.remove(requestID) else { continue }
            request.recipient.deliver(
                Self.lost(request, "node \(request.target.rawValue), which the request was relayed to, is not heard")
            )
        }
        for (target, requestIDs) in asked {
            for start in stride(from: 0, to: requestIDs.count, by: PeerFrame.listCountMax) {
                let part = Array(requestIDs[start..<min(requestIDs.count, start + PeerFrame.listCountMax)])
                sendFrame(PeerFrame.encodeRelayCheck(from: configuration.nodeID, requestIDs: part), target, .data)
            }
        }
    }

    /// Ends every request relayed to `peer` with `why`.
    func endRelays(to peer: NodeID, _ why: String) {
        let ended = relays.requests.filter { $0.value.target == peer }.keys.sorted()
        for requestID in ended {
            guard let request = relays.remove(requestID) else { continue }
            request.recipient.deliver(Self.lost(request, why))
        }
    }

    /// A client connection of this node closed: the nodes its requests were relayed to end its
    /// waits there.
    func relayedConnectionGone(origin: UInt64) {
        let targets = Set(relays.routes.keys.filter { $0.origin == origin }.compactMap { relays.routes[$0]?.target })
        for target in targets.sorted() {
            sendFrame(PeerFrame.encodeRelayEnded(from: configuration.nodeID, origin: origin), target, .data)
        }
    }
}
