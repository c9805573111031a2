/// Client-side caching (CLIENT TRACKING): which of this node's clients may hold which keys in
/// their local caches, and who to tell when a key changes. Confined to the driver's loop.
///
/// Every node applies every change, so each node invalidates its own clients, whatever node
/// the write came through. Default mode remembers the keys a client read; BCAST mode sends
/// every change under the client's prefixes. An invalidation goes to the client itself (a
/// RESP3 push) or to the connection it redirected to (a `__redis__:invalidate` message).
final class TrackingHub {
    struct Client {
        let broadcast: Bool
        let prefixes: [[UInt8]]
        /// The client id that receives the invalidations (the client itself if not redirected).
        let target: Int
        /// NOLOOP: the `KeyValueEntry.origin` of the client's own writes, not to be reported.
        let ownOrigin: UInt64?
    }

    private var clients: [Int: Client] = [:]
    /// Who gets the invalidations addressed to a client id: its connection's deliverer.
    private var deliverers: [Int: ([[UInt8]]) -> Void] = [:]
    /// Default mode: who may cache each key.
    private var readers: [[UInt8]: Set<Int>] = [:]

    func registerDeliverer(_ id: Int, _ deliver: @escaping ([[UInt8]]) -> Void) { deliverers[id] = deliver }

    func hasConnection(_ id: Int) -> Bool { deliverers[id] != nil }

    func enable(_ id: Int, _ client: Client) { clients[id] = client }

    func disable(_ id: Int) {
        clients[id] = nil
        for key in Array(readers.keys) where readers[key]!.contains(id) {
            readers[key]!.remove(id)
            if readers[key]!.isEmpty { readers[key] = nil }
        }
    }

    func disconnect(_ id: Int) {
        disable(id)
        deliverers[id] = nil
    }

    /// A tracking client read these keys: tell it when one changes.
    func track(_ id: Int, _ keys: [[UInt8]]) {
        guard let client = clients[id], !client.broadcast else { return }
        for key in keys { readers[key, default: []].insert(id) }
    }

    /// The client is about to write these keys itself: it was told already (before the
    /// write's reply), so they are no longer tracked for it.
    func untrack(_ id: Int, _ keys: [[UInt8]]) {
        for key in keys {
            readers[key]?.remove(id)
            if readers[key]?.isEmpty == true { readers[key] = nil }
        }
    }

    /// Whether any client tracks keys (nothing to do for a change otherwise).
    var isInUse: Bool { !clients.isEmpty }

    /// Keys changed by an applied entry from `origin`.
    func changed(_ keys: [[UInt8]], origin: UInt64) {
        guard !clients.isEmpty else { return }
        var batches: [Int: [[UInt8]]] = [:]
        for key in keys {
            guard let ids = readers[key] else { continue }
            for id in ids {
                // NOLOOP: the client's own write neither reports nor ends the tracking.
                if let client = clients[id], client.ownOrigin == origin { continue }
                readers[key]!.remove(id)
                batches[clients[id]?.target ?? id, default: []].append(key)
            }
            if readers[key]!.isEmpty { readers[key] = nil }
        }
        for client in clients.values where client.broadcast && client.ownOrigin != origin {
            let matching = keys.filter { key in
                client.prefixes.isEmpty || client.prefixes.contains { key.starts(with: $0) }
            }
            if !matching.isEmpty { batches[client.target, default: []] += matching }
        }
        for (target, keys) in batches { deliverers[target]?(keys) }
    }
}
