import NIOCore
import SynodCore
import SynodPartitioning
import SynodPeerProtocol
import SynodRESP

/// A host and port, as written on the command line (`127.0.0.1:7001`).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil when it is not one.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port), colon != text.startIndex
        else { return nil }
        self.init(host: String(text[..<colon]), port: port)
    }

    public var description: String { "\(host):\(port)" }
}

/// Everything one node needs to run, with documented defaults.
public struct NodeConfiguration: Sendable {
    public var nodeID: NodeID
    public var dataDirectory: String
    /// Where Redis clients connect.
    public var clientAddress: HostPort
    /// Where Redis clients are told to reach this node (CLUSTER SLOTS, MOVED), when
    /// `clientAddress` is not it (a node behind NAT or in a container); nil for the default,
    /// `clientAddress` with an unspecified host (0.0.0.0, ::) replaced by the peer address's.
    public var announcedClientAddress: HostPort?
    /// Clients that do not say they follow redirections (`CLIENT CAPA redirect`) get them
    /// anyway: a keyed command sent to a node that does not lead its shard is answered
    /// `MOVED slot host:port`, as Redis Cluster does, instead of being forwarded.
    public var clusterRedirects = false
    /// Where the other nodes connect.
    public var peerAddress: HostPort
    /// Where `/healthz`, `/readyz`, `/metrics` and `/v1/status` are served; nil for nowhere.
    public var httpAddress: HostPort?
    /// The founding members and their peer addresses (this node included).
    public var initialCluster: [NodeID: HostPort]
    /// One Raft tick. With 10 ticks per election timeout (randomized up to twice that), a
    /// leader that dies is replaced in about 200 to 400 ms.
    public var tickMilliseconds = 20
    /// Ticks without a leader before an election (with the randomization Raft adds).
    public var electionTimeoutTicks = 10
    public var heartbeatIntervalTicks = 1
    /// Ticks a group is idle before it hibernates: its leader stops its heartbeats and its
    /// followers their election timers, until a request or a silent leader node wakes it
    /// (`RaftReplica+Hibernation`); 0 never hibernates.
    public var hibernateAfterIdleTicks = 20
    /// A tick this late means the event loop was busy (or the process paused) that long: it
    /// is counted (INFO consensus, metrics) and logged as a warning.
    public var loopStallWarningMilliseconds = 100
    /// A snapshot is taken when the log since the last one holds more bytes than this
    /// percentage of the last snapshot, and at least `snapshotLogBytesMin`; the log on disk is
    /// bounded by it (`GroupSettings.snapshotLogPercentOfState`).
    public var snapshotLogPercentOfState = 25
    public var snapshotLogBytesMin = 16 << 20
    /// The bytes of a snapshot sent to a follower in one chunk; nil for the consensus
    /// default (`RaftConfiguration.snapshotChunkBytes`).
    public var snapshotChunkBytes: Int?
    /// The bytes of applied entries each group keeps in memory for followers a little behind;
    /// older ones are read back from the log on disk. Nil for the consensus default
    /// (`RaftConfiguration.appliedEntryBytesKept`).
    public var appliedEntryBytesKept: Int?
    /// Keys with a TTL the leader checks for expiry per tick (`GroupSettings`).
    public var expiryChecksPerRound = 2_048
    /// Open client connections at most (Redis `maxclients`).
    public var clientConnectionsMax = 10_000
    /// Unsent reply bytes one client may hold before it is disconnected (Redis's
    /// client-output-buffer-limit).
    public var clientOutputBufferBytesMax = 256 << 20
    /// The most bytes one client request may take on the wire (`--max-request-bytes`); larger
    /// ones are refused at the client edge with an error. At most `SizeLimits.requestBytesCeiling`.
    public var requestBytesMax = SizeLimits.requestBytesDefault
    /// The secret every member holds (`--cluster-secret-file`): peer connections prove it
    /// (`PeerHandshake`). Without one, peer connections are accepted from loopback only.
    public var clusterSecret: [UInt8]?
    /// The default user's password (`--requirepass`): clients must AUTH with it. Without one,
    /// protected mode decides who may connect.
    public var requirePassword: [UInt8]?
    /// Without a password, refuse clients that are not on loopback (Redis's protected mode).
    public var protectedMode = true
    /// ACL users from a file (`--aclfile`), besides the default user.
    public var accessControl = AccessControlSettings()
    /// Per-connection bounds: query buffer, subscriptions, tracking prefixes, watches.
    public var clientLimits = ClientLimits()
    /// TLS on the client port (`--tls-cert-file`, `--tls-key-file`, `--tls-ca-cert-file`);
    /// nil for plaintext.
    public var clientTLS: ClientTLS?
    /// Mutual TLS between peers (`--peer-tls-cert-file`, `--peer-tls-key-file`,
    /// `--peer-tls-ca-file`); nil for plain TCP, where the cluster secret or loopback decides.
    public var peerTLS: PeerTLS?
    /// Key changes each node keeps for watches to replay (WATCH.* FROM a revision); older
    /// revisions are compacted.
    public var watchHistoryChanges = 100_000
    /// How long a client write waits without a leader before it is answered (TRYAGAIN, or
    /// UNCERTAIN if a copy may be in a log), and how long it may wait in all while a leader
    /// keeps working on it (`GroupRuntime+Writes`).
    public var writeWait = TimeAmount.seconds(5)
    public var writeWaitMax = TimeAmount.seconds(60)
    /// Threads for client and peer connections; 0 runs them on the driver's own thread, as
    /// Redis does, which saves a thread hop per request and suits small machines.
    public var ioThreads = 0
    /// Shards of the keyspace, each a consensus group on `replicaCount` nodes, the slots
    /// divided among them in equal ranges (`SlotDivision`). Every founding node takes the same
    /// number, and a node's data keeps it: a restart with another is refused.
    public var initialShards = 1
    /// How many nodes hold each shard (`--replicas`); nil for the default, every node for one
    /// shard (as a cluster of one group always was) and min(3, nodes) for several. Every
    /// founding node takes the same number.
    public var replicas: Int?
    /// The most shards a cluster may start with: every group is a runtime on every node, which
    /// costs little once it hibernates, but each takes a share of memory and of the elections
    /// at the cluster's first start.
    public static let shardsMax = 1024

    /// The group of a shard: group n + 1 is shard n (group 1, the first shard, is the one a
    /// node of one shard has always had).
    public static func group(ofShard shard: Int) -> GroupID { GroupID(UInt64(shard) + 1) }
    /// How the slots are divided among the shards.
    public var slotDivision: SlotDivision { SlotDivision(shardCount: initialShards) }
    /// The nodes that hold each shard.
    public var replicaCount: Int {
        replicas ?? (initialShards == 1 ? initialCluster.count : min(3, initialCluster.count))
    }
    /// The members of each shard, by shard, its preferred leader first (`ReplicaPlacement`).
    public var shardMembers: [[NodeID]] {
        ReplicaPlacement.members(shardCount: initialShards, nodes: Set(initialCluster.keys), replicas: replicaCount)
    }
    /// The groups of the shards this node holds a replica of.
    public var hostedShardGroups: [GroupID] {
        ReplicaPlacement.shards(of: nodeID, in: shardMembers).map(Self.group(ofShard:))
    }

    public init(
        nodeID: NodeID,
        dataDirectory: String,
        clientAddress: HostPort,
        peerAddress: HostPort,
        initialCluster: [NodeID: HostPort]
    ) {
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.clientAddress = clientAddress
        self.peerAddress = peerAddress
        self.initialCluster = initialCluster
    }

    /// Where Redis clients reach this node, as its peers and CLUSTER SLOTS name it.
    public var clientAddressToAnnounce: HostPort {
        if let announcedClientAddress { return announcedClientAddress }
        guard ["0.0.0.0", "::", "[::]", ""].contains(clientAddress.host) else { return clientAddress }
        let peerHost = initialCluster[nodeID]?.host ?? peerAddress.host
        return HostPort(host: peerHost, port: clientAddress.port)
    }

    /// Parses `1=HOST:PORT,2=HOST:PORT,...`.
    public static func parseCluster(_ text: String) -> [NodeID: HostPort]? {
        var members: [NodeID: HostPort] = [:]
        for member in text.split(separator: ",") {
            let parts = member.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let raw = UInt64(parts[0]), raw > 0,
                let address = HostPort(parsing: String(parts[1])),
                members[NodeID(raw)] == nil
            else { return nil }
            members[NodeID(raw)] = address
        }
        return members.isEmpty ? nil : members
    }

    /// What this node accepts from one client.
    public var respLimits: RESPLimits {
        var limits = RESPLimits()
        limits.requestBytesMax = requestBytesMax
        // A bulk may be as long as Redis's proto-max-bulk-len: one over the request limit is
        // read past and refused with a clear error (`RESPRequestDecoder.Output.refusedRequest`);
        // only a longer one breaks the stream, as it does in Redis.
        limits.bulkBytesMax = SizeLimits.requestBytesCeiling
        return limits
    }

    /// A description of the first setting that cannot work, or nil.
    public func problem() -> String? {
        if initialCluster[nodeID] == nil { return "--initial-cluster does not name this node (\(nodeID.rawValue))" }
        if dataDirectory.isEmpty { return "--data-dir is empty" }
        if !(1...10_000).contains(tickMilliseconds) { return "the tick must be 1...10000 ms" }
        if electionTimeoutTicks <= heartbeatIntervalTicks {
            return "the election timeout must exceed the heartbeat interval"
        }
        if hibernateAfterIdleTicks < 0 { return "--hibernate-after-ticks must not be negative" }
        if clientOutputBufferBytesMax < 1024 { return "the client output buffer limit must be at least 1024 bytes" }
        if !(1024...SizeLimits.requestBytesCeiling).contains(requestBytesMax) {
            return "--max-request-bytes must be 1024...\(SizeLimits.requestBytesCeiling)"
        }
        if clientAddressToAnnounce.description.utf8.count > PeerFrame.clientAddressBytesMax {
            return "the client address to announce is longer than \(PeerFrame.clientAddressBytesMax) bytes"
        }
        if let clusterSecret, clusterSecret.count < 16 {
            return "the cluster secret must have at least 16 bytes"
        }
        if watchHistoryChanges < 1 { return "the watch history must keep at least 1 change" }
        if let problem = clientLimits.problem(requestBytesMax: requestBytesMax) { return problem }
        if !(0...64).contains(ioThreads) { return "--io-threads must be 0...64" }
        if !(1...Self.shardsMax).contains(initialShards) { return "--initial-shards must be 1...\(Self.shardsMax)" }
        if let replicas, !(1...initialCluster.count).contains(replicas) {
            return "--replicas must be 1...\(initialCluster.count) (the founding nodes)"
        }
        if initialCluster[nodeID] != nil, hostedShardGroups.isEmpty {
            return
                "with \(initialShards) shard(s) of \(replicaCount) replica(s), node \(nodeID.rawValue) would hold none: "
                + "every node holds at least one shard (raise --initial-shards or --replicas)"
        }
        if !(1...1_000).contains(snapshotLogPercentOfState) {
            return "the snapshot threshold must be 1...1000 percent of the dataset"
        }
        if snapshotLogBytesMin < 1 { return "the snapshot threshold must be at least 1 byte" }
        return nil
    }
}
