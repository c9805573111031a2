import NIOCore
import SynodCommands
import SynodCore
import SynodKeyValue
import SynodPartitioning
import SynodRESP

/// COMMAND (INFO) and CLUSTER, for cluster-aware clients. Each shard's slots are served by
/// its group's leader, reported as their master, with the group's other members as replicas
/// (`ClusterTopology`). Any node serves any slot for a plain client (forwarding to the
/// shard's leader); a client that follows redirections is sent to the leader with MOVED.
extension RESPConnectionHandler {
    func writeCommandInfo(_ names: [[UInt8]]?, to writer: inout RESPWriter) {
        let infos: [CommandInfo?] =
            names.map { $0.map { CommandParser.commandInfo(KeyValueStore.lowercased($0)) } }
            ?? CommandParser.allCommandInfo
        writer.arrayHeader(infos.count)
        for info in infos {
            guard let info else {
                writer.nullArray()
                continue
            }
            writer.arrayHeader(7)
            writer.bulkString(info.name)
            writer.integer(Int64(info.arity))
            writer.setHeader(info.flags.count)
            for flag in info.flags { writer.simpleString(flag) }
            writer.integer(Int64(info.firstKey))
            writer.integer(Int64(info.lastKey))
            writer.integer(Int64(info.step))
            writer.setHeader(info.categories.count)
            for category in info.categories { writer.simpleString("@" + category.rawValue) }
        }
    }

    /// COMMAND DOCS [name ...]: a map from each known command (all, without names) to its
    /// summary and group; unknown names are left out, as Redis does.
    func writeCommandDocs(_ names: [[UInt8]], to writer: inout RESPWriter) {
        let requested = names.isEmpty ? CommandRegistry.commandNames : names.map { KeyValueStore.lowercased($0) }
        let documented = requested.compactMap { name in
            CommandRegistry.command(name)?.documentation.map { (name, $0) }
        }
        writer.mapHeader(documented.count)
        for (name, documentation) in documented {
            writer.bulkString(name)
            writer.mapHeader(2)
            writer.bulkString("summary")
            writer.bulkString(documentation.summary)
            writer.bulkString("group")
            writer.bulkString(documentation.group.rawValue)
        }
    }

    func runCluster(_ subcommand: String, key: [UInt8]?, slot: Int, context: ChannelHandlerContext) {
        let driver = shared.driver
        let future = driver.loop.submit { driver.clusterTopology() }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.hop(to: context.eventLoop).whenSuccess { topology in
            let (handler, context) = bound.value
            var writer = RESPWriter(version: handler.version)
            switch subcommand {
            case "INFO": writer.bulkString(topology.infoText)
            case "MYID": writer.bulkString(ClusterTopology.clusterID(of: topology.me))
            case "KEYSLOT": writer.integer(Int64(HashSlot.of(key: key ?? []).rawValue))
            case "SLOTS": Self.writeSlots(of: topology, to: &writer)
            case "SHARDS": Self.writeShards(of: topology, to: &writer)
            default: writer.bulkString(topology.nodesText)  // NODES
            }
            handler.complete(slot, writer.take(), context: context)
        }
    }

    /// CLUSTER SLOTS: per shard, its range, its master and its replicas (host, port, id).
    static func writeSlots(of topology: ClusterTopology, to writer: inout RESPWriter) {
        writer.arrayHeader(topology.shards.count)
        for shard in topology.shards {
            let nodes = [topology.master(of: shard)] + topology.replicas(of: shard)
            writer.arrayHeader(2 + nodes.count)
            writer.integer(Int64(shard.slots.lowerBound))
            writer.integer(Int64(shard.slots.upperBound - 1))
            for node in nodes {
                let address = topology.clientAddresses[node]!
                writer.arrayHeader(3)
                writer.bulkString(address.host)
                writer.integer(Int64(address.port))
                writer.bulkString(ClusterTopology.clusterID(of: node))
            }
        }
    }

    /// CLUSTER SHARDS: per shard, its slots and its nodes, the master first.
    static func writeShards(of topology: ClusterTopology, to writer: inout RESPWriter) {
        writer.arrayHeader(topology.shards.count)
        for shard in topology.shards {
            let master = topology.master(of: shard)
            let nodes = [master] + topology.replicas(of: shard)
            writer.mapHeader(2)
            writer.bulkString("slots")
            writer.arrayHeader(2)
            writer.integer(Int64(shard.slots.lowerBound))
            writer.integer(Int64(shard.slots.upperBound - 1))
            writer.bulkString("nodes")
            writer.arrayHeader(nodes.count)
            for node in nodes {
                let address = topology.clientAddresses[node]!
                writer.mapHeader(7)
                writer.bulkString("id")
                writer.bulkString(ClusterTopology.clusterID(of: node))
                writer.bulkString("port")
                writer.integer(Int64(address.port))
                writer.bulkString("ip")
                writer.bulkString(address.host)
                writer.bulkString("endpoint")
                writer.bulkString(address.host)
                writer.bulkString("role")
                writer.bulkString(node == master ? "master" : "replica")
                writer.bulkString("replication-offset")
                // Only this node's own progress is known here; the others' is the leader's.
                writer.integer(Int64(node == topology.me ? shard.appliedIndex : 0))
                writer.bulkString("health")
                writer.bulkString(shard.leader == nil ? "loading" : "online")
            }
        }
    }
}
