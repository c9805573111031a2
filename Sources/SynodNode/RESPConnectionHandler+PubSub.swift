import NIOCore
import SynodCommands
import SynodKeyValue
import SynodRESP

/// SUBSCRIBE, PSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH and PUBSUB, as Redis answers them. A
/// subscribed RESP2 connection takes only those and PING, QUIT and RESET; in RESP3, messages are
/// push frames and any command may interleave.
extension RESPConnectionHandler {
    var subscriptionCount: Int { subscribedChannels.count + subscribedPatterns.count }

    func runPubSubCommand(_ command: ConnectionCommand, slot: Int, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        let driver = shared.driver
        let id = UInt64(clientID)
        switch command {
        case .subscribe(let channels), .psubscribe(let channels):
            let isPattern = if case .psubscribe = command { true } else { false }
            if let refusal = subscriptionLimitRefusal(adding: channels, isPattern: isPattern) {
                writer.error(refusal)
                break
            }
            registerSubscriber(context: context)
            for channel in channels {
                if isPattern { subscribedPatterns.insert(channel) } else { subscribedChannels.insert(channel) }
                writer.pushHeader(3)
                writer.bulkString(isPattern ? "psubscribe" : "subscribe")
                writer.bulkString(channel)
                writer.integer(Int64(subscriptionCount))
            }
            driver.loop.execute {
                for channel in channels {
                    if isPattern {
                        driver.pubsub.subscribe(id, toPattern: channel)
                    } else {
                        driver.pubsub.subscribe(id, to: channel)
                    }
                }
            }
        case .unsubscribe(let named), .punsubscribe(let named):
            let isPattern = if case .punsubscribe = command { true } else { false }
            let current = isPattern ? subscribedPatterns : subscribedChannels
            let leaving = named.isEmpty ? current.sorted { $0.lexicographicallyPrecedes($1) } : named
            let kind = isPattern ? "punsubscribe" : "unsubscribe"
            if leaving.isEmpty {
                writer.pushHeader(3)
                writer.bulkString(kind)
                writer.null()
                writer.integer(Int64(subscriptionCount))
            }
            for channel in leaving {
                if isPattern { subscribedPatterns.remove(channel) } else { subscribedChannels.remove(channel) }
                writer.pushHeader(3)
                writer.bulkString(kind)
                writer.bulkString(channel)
                writer.integer(Int64(subscriptionCount))
            }
            driver.loop.execute {
                for channel in leaving {
                    if isPattern {
                        driver.pubsub.unsubscribe(id, fromPattern: channel)
                    } else {
                        driver.pubsub.unsubscribe(id, from: channel)
                    }
                }
            }
        case .publish(let channel, let message):
            answer(slot: slot, context: context) { .integer(Int64(driver.publish(channel, message))) }
            return
        case .pubsubChannels(let pattern):
            answer(slot: slot, context: context) {
                .array(driver.pubsub.activeChannels(matching: pattern).map { .value($0) })
            }
            return
        case .pubsubNumsub(let channels):
            answer(slot: slot, context: context) {
                .map(channels.flatMap { [.value($0), .integer(Int64(driver.pubsub.subscriberCount(of: $0)))] })
            }
            return
        case .pubsubNumpat:
            answer(slot: slot, context: context) { .integer(Int64(driver.pubsub.patternCount)) }
            return
        case .configSet(let events, let tuning):
            if let events {
                shared.keyspaceEvents.withLockedValue { $0 = events }
                driver.loop.execute { driver.keyspaceEvents = events }
            }
            shared.tuning.withLockedValue { values in
                for setting in tuning { values[setting.name] = setting.value }
            }
            writer.simpleString("OK")
        default:
            preconditionFailure("\(command) is not a pub/sub command")
        }
        complete(slot, writer.take(), context: context)
    }

    /// Runs `body` on the driver's loop and writes what it returns into `slot`.
    func answer(
        slot: Int,
        context: ChannelHandlerContext,
        _ body: @escaping @Sendable () -> KeyValueResult
    ) {
        let future = shared.driver.loop.submit(body)
        replyWhenReady(future, slot: slot, context: context)
    }

    /// Gives the hub a way to reach this connection (once).
    func registerSubscriber(context: ChannelHandlerContext) {
        guard !subscriberRegistered else { return }
        subscriberRegistered = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let connectionLoop = context.eventLoop
        let id = UInt64(clientID)
        let driver = shared.driver
        driver.loop.execute {
            driver.pubsub.register(id) { delivery in
                connectionLoop.execute {
                    let (handler, context) = bound.value
                    handler.deliver(delivery, context: context)
                }
            }
        }
    }

    func deliver(_ delivery: PubSubHub.Delivery, context: ChannelHandlerContext) {
        var writer = RESPWriter(version: version)
        switch delivery {
        case .message(let channel, let payload):
            guard subscribedChannels.contains(channel) else { return }  // Unsubscribed meanwhile.
            writer.pushHeader(3)
            writer.bulkString("message")
            writer.bulkString(channel)
            writer.bulkString(payload)
        case .patternMessage(let pattern, let channel, let payload):
            guard subscribedPatterns.contains(pattern) else { return }
            writer.pushHeader(4)
            writer.bulkString("pmessage")
            writer.bulkString(pattern)
            writer.bulkString(channel)
            writer.bulkString(payload)
        }
        replies.append(writer.take())
        flushReady(context: context)
    }

    func unregisterSubscriber() {
        guard subscriberRegistered else { return }
        let id = UInt64(clientID)
        let driver = shared.driver
        driver.loop.execute { driver.pubsub.unregister(id) }
    }

    /// In RESP2, a subscribed connection's stream is messages: only these may interleave.
    static func allowedWhileSubscribedInRESP2(_ command: ClientCommand) -> Bool {
        switch command {
        case .connection(.subscribe), .connection(.unsubscribe), .connection(.psubscribe),
            .connection(.punsubscribe), .connection(.ping), .connection(.quit):
            true
        default: false
        }
    }
}
