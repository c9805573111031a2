import NIOCore
import SynodCommands
import SynodCore
import SynodKeyValue
import SynodPartitioning
import SynodRESP

/// COMMAND (INFO) and CLUSTER, for cluster-aware clients. Every node serves every slot: one
/// consensus group holds all keys, and a node that does not lead forwards to the one that
/// does. So each node reports itself as the owner of slots 0-16383, and a client may send any
/// key to any node.
extension RESPConnectionHandler {
    /// A node's 40-hex-digit cluster id, derived from its node id.
    static func clusterID(of node: NodeID) -> String {
        let words = (0..<3).map { StableHash.xxh64(Array("synod-node-\(node.rawValue)-\($0)".utf8)) }
        let hex = words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        return String(hex.prefix(40))
    }

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
        let configuration = shared.configuration
        let future = driver.loop.submit { () -> (term: UInt64, leaderKnown: Bool, applied: UInt64) in
            (driver.replica.term.rawValue, driver.replica.leader != nil, driver.store.appliedIndex)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.hop(to: context.eventLoop).whenSuccess { state in
            let (handler, context) = bound.value
            var writer = RESPWriter(version: handler.version)
            let id = Self.clusterID(of: configuration.nodeID)
            let host = configuration.clientAddress.host
            let port = configuration.clientAddress.port
            switch subcommand {
            case "INFO":
                let lines = [
                    "cluster_enabled:1", "cluster_state:\(state.leaderKnown ? "ok" : "fail")",
                    "cluster_slots_assigned:16384", "cluster_slots_ok:\(state.leaderKnown ? 16384 : 0)",
                    "cluster_slots_pfail:0", "cluster_slots_fail:\(state.leaderKnown ? 0 : 16384)",
                    "cluster_known_nodes:\(configuration.initialCluster.count)", "cluster_size:1",
                    "cluster_current_epoch:\(state.term)", "cluster_my_epoch:\(state.term)",
                ]
                writer.bulkString(lines.joined(separator: "\r\n") + "\r\n")
            case "MYID":
                writer.bulkString(id)
            case "KEYSLOT":
                writer.integer(Int64(HashSlot.of(key: key ?? []).rawValue))
            case "SLOTS":
                writer.arrayHeader(1)
                writer.arrayHeader(3)
                writer.integer(0)
                writer.integer(16383)
                writer.arrayHeader(3)
                writer.bulkString(host)
                writer.integer(Int64(port))
                writer.bulkString(id)
            case "SHARDS":
                writer.arrayHeader(1)
                writer.mapHeader(2)
                writer.bulkString("slots")
                writer.arrayHeader(2)
                writer.integer(0)
                writer.integer(16383)
                writer.bulkString("nodes")
                writer.arrayHeader(1)
                writer.mapHeader(7)
                for (field, value) in [("id", id), ("port", "\(port)"), ("ip", host), ("endpoint", host)] {
                    writer.bulkString(field)
                    if field == "port" { writer.integer(Int64(port)) } else { writer.bulkString(value) }
                }
                writer.bulkString("role")
                writer.bulkString("master")
                writer.bulkString("replication-offset")
                writer.integer(Int64(state.applied))
                writer.bulkString("health")
                writer.bulkString(state.leaderKnown ? "online" : "failed")
            default:  // NODES
                let peerPort = configuration.peerAddress.port
                writer.bulkString(
                    "\(id) \(host):\(port)@\(peerPort) myself,master - 0 0 \(state.term) connected 0-16383\n"
                )
            }
            handler.complete(slot, writer.take(), context: context)
        }
    }
}
