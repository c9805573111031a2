/// Per-connection bounds on what a client can make a node hold, each refused with a clear
/// error (the node stays up; the client is told, or for the query buffer disconnected, as Redis
/// does). Defaults are generous: no well-behaved client comes near them.
public struct ClientLimits: Hashable, Sendable {
    /// Bytes a client has sent that are not yet decoded into commands, the request being
    /// received included (`--client-query-buffer-limit`, Redis's client-query-buffer-limit,
    /// 1 GiB by default). Past it the client is disconnected. At least `--max-request-bytes`,
    /// so that any request the node accepts fits; reading pauses while replies are pending,
    /// so in practice only a client that sends faster than the node decodes comes near it.
    public var queryBufferBytesMax = 1 << 30
    /// PSUBSCRIBE patterns per connection: each PUBLISH matches every pattern.
    public var patternSubscriptionsMax = 10_000
    /// SUBSCRIBE channels per connection.
    public var channelSubscriptionsMax = 100_000
    /// CLIENT TRACKING ... BCAST PREFIX p ...: prefixes per connection, each compared with
    /// every changed key.
    public var trackingPrefixesMax = 10_000
    /// Keys one connection may WATCH before EXEC, UNWATCH or DISCARD.
    public var watchedKeysMax = 10_000
    /// WATCH.KEY, WATCH.PREFIX and SERVICE.WATCH streams open on one connection.
    public var watchesMax = 10_000

    public init() {}

    /// The largest query buffer limit accepted: 1 TiB, far above any real memory, but a bound.
    public static let queryBufferBytesCeiling = 1 << 40

    /// A description of the first setting that cannot work, or nil.
    public func problem(requestBytesMax: Int) -> String? {
        if !(requestBytesMax...Self.queryBufferBytesCeiling).contains(queryBufferBytesMax) {
            return "--client-query-buffer-limit must be at least --max-request-bytes (\(requestBytesMax)) "
                + "and at most \(Self.queryBufferBytesCeiling): every request the node accepts must fit in it"
        }
        let counts = [
            patternSubscriptionsMax, channelSubscriptionsMax, trackingPrefixesMax, watchedKeysMax, watchesMax,
        ]
        if counts.contains(where: { $0 < 1 }) { return "every per-client limit must be at least 1" }
        return nil
    }
}
