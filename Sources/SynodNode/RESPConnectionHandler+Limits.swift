import NIOCore
import SynodRESP

/// The per-connection bounds of `ClientLimits`, and their errors.
extension RESPConnectionHandler {
    var limits: ClientLimits { shared.configuration.clientLimits }

    /// Input the client sent that is not yet decoded (a request still arriving, or requests
    /// behind pending replies) may not grow past `queryBufferBytesMax`: past it the client is
    /// told and disconnected, as Redis closes a client over its client-query-buffer-limit.
    func enforceQueryBufferLimit(context: ChannelHandlerContext) {
        let pending = decoder.pendingBytes
        guard pending > limits.queryBufferBytesMax, !closeAfterFlush else { return }
        var writer = RESPWriter(version: version)
        writer.error(
            "ERR client query buffer over client-query-buffer-limit (\(limits.queryBufferBytesMax) bytes): "
                + "closing the connection"
        )
        replies.append(writer.take())
        closeAfterFlush = true
        flushReady(context: context)
    }

    /// The error for subscribing past a limit, or nil. `adding` are the channels (or patterns)
    /// asked for; those already subscribed do not count again.
    func subscriptionLimitRefusal(adding channels: [[UInt8]], isPattern: Bool) -> String? {
        let current = isPattern ? subscribedPatterns : subscribedChannels
        let maximum = isPattern ? limits.patternSubscriptionsMax : limits.channelSubscriptionsMax
        guard current.union(channels).count > maximum else { return nil }
        let kind = isPattern ? "pattern subscriptions" : "channel subscriptions"
        let undo = isPattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE"
        return "ERR too many \(kind) on this connection: at most \(maximum) (\(undo) some first)"
    }

    /// CLIENT TRACKING's prefixes past the limit: the error, or nil.
    func trackingPrefixRefusal(_ prefixes: [[UInt8]]) -> String? {
        guard Set(prefixes).count > limits.trackingPrefixesMax else { return nil }
        return "ERR too many tracking prefixes: at most \(limits.trackingPrefixesMax) per connection"
    }

    /// WATCH past the limit of watched keys: the error, or nil.
    func watchedKeysRefusal(adding keys: [[UInt8]]) -> String? {
        let watched = Set(watchedVersions.map(\.key))
        guard watched.union(keys).count > limits.watchedKeysMax else { return nil }
        return "ERR too many watched keys on this connection: at most \(limits.watchedKeysMax) "
            + "(EXEC, DISCARD or UNWATCH first)"
    }

    /// One more WATCH.KEY, WATCH.PREFIX or SERVICE.WATCH past the limit: the error, or nil.
    var watchesRefusal: String? {
        guard watchIDs.count >= limits.watchesMax else { return nil }
        return "ERR too many watches on this connection: at most \(limits.watchesMax) (WATCH.CANCEL first)"
    }
}
