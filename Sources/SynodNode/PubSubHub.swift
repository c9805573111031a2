import SynodCore

/// The node's publish/subscribe channels: SUBSCRIBE and PSUBSCRIBE of its own clients, PUBLISH
/// from its clients and its peers, and keyspace notifications of the changes it applies.
/// Confined to the driver's loop.
final class PubSubHub {
    enum Delivery: Sendable {
        case message(channel: [UInt8], payload: [UInt8])
        case patternMessage(pattern: [UInt8], channel: [UInt8], payload: [UInt8])
    }

    private var deliverers: [UInt64: (Delivery) -> Void] = [:]
    private var channels: [[UInt8]: Set<UInt64>] = [:]
    private var patterns: [[UInt8]: Set<UInt64>] = [:]

    /// A connection (by its client id) that subscribes; `deliver` gets its messages.
    func register(_ id: UInt64, _ deliver: @escaping (Delivery) -> Void) { deliverers[id] = deliver }

    func unregister(_ id: UInt64) {
        deliverers[id] = nil
        for channel in Array(channels.keys) { unsubscribe(id, from: channel) }
        for pattern in Array(patterns.keys) { unsubscribe(id, fromPattern: pattern) }
    }

    func subscribe(_ id: UInt64, to channel: [UInt8]) { channels[channel, default: []].insert(id) }
    func subscribe(_ id: UInt64, toPattern pattern: [UInt8]) { patterns[pattern, default: []].insert(id) }

    func unsubscribe(_ id: UInt64, from channel: [UInt8]) {
        channels[channel]?.remove(id)
        if channels[channel]?.isEmpty == true { channels[channel] = nil }
    }

    func unsubscribe(_ id: UInt64, fromPattern pattern: [UInt8]) {
        patterns[pattern]?.remove(id)
        if patterns[pattern]?.isEmpty == true { patterns[pattern] = nil }
    }

    /// Delivers to this node's subscribers; returns how many received it.
    @discardableResult
    func publish(_ channel: [UInt8], _ payload: [UInt8]) -> Int {
        var receivers = 0
        for id in channels[channel] ?? [] {
            deliverers[id]?(.message(channel: channel, payload: payload))
            receivers += 1
        }
        for (pattern, ids) in patterns where Glob.matches(pattern, channel) {
            for id in ids {
                deliverers[id]?(.patternMessage(pattern: pattern, channel: channel, payload: payload))
                receivers += 1
            }
        }
        return receivers
    }

    /// PUBSUB CHANNELS: the channels with subscribers, optionally matching a pattern.
    func activeChannels(matching pattern: [UInt8]?) -> [[UInt8]] {
        channels.keys.filter { channel in pattern.map { Glob.matches($0, channel) } ?? true }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    func subscriberCount(of channel: [UInt8]) -> Int { channels[channel]?.count ?? 0 }

    /// PUBSUB NUMPAT: patterns subscribed to, by anyone.
    var patternCount: Int { patterns.count }
}
