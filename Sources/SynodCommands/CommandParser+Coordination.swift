import SynodKeyValue

/// CAS and CAD, leases, locks and elections (Synod's own commands), and the LEASE and FENCE
/// options of SET and CAS.
extension CommandParser {
    /// `LEASE id` and `FENCE lock token`, on a write that supports them.
    struct CoordinationOptions {
        var lease: UInt64?
        var fence: (lock: [UInt8], token: UInt64)?

        /// Parses the option at `index`; returns the index after it.
        mutating func parse(_ option: String, _ arguments: [[UInt8]], at index: Int) throws(CommandRejection) -> Int {
            switch option {
            case "LEASE" where lease == nil && index + 1 < arguments.count:
                lease = try identifier(arguments[index + 1], what: "lease id")
                return index + 2
            case "FENCE" where fence == nil && index + 2 < arguments.count:
                fence = (arguments[index + 1], try identifier(arguments[index + 2], what: "fencing token"))
                return index + 3
            default:
                throw CommandRejection(CommandError.syntax)
            }
        }

        /// The command with its keys attached to the lease, run only under the fence.
        func wrap(_ command: KeyValueCommand) -> KeyValueCommand {
            var wrapped = command
            if let lease { wrapped = .withLease(lease: lease, command: wrapped) }
            if let fence { wrapped = .fenced(lock: fence.lock, token: fence.token, command: wrapped) }
            return wrapped
        }
    }

    /// A positive 64-bit id or token.
    static func identifier(_ bytes: [UInt8], what: String) throws(CommandRejection) -> UInt64 {
        guard let value = KeyValueStore.parseInteger(bytes), value > 0 else {
            throw CommandRejection(KeyValueError(.outOfRange, "ERR invalid \(what)"))
        }
        return UInt64(value)
    }

    /// A TTL (at least 1 ms) or a wait (0 allowed), in milliseconds, up to
    /// `KeyValueStore.coordinationMillisecondsMax` (the store refuses the same when it applies).
    static func milliseconds(
        _ bytes: [UInt8],
        what: String,
        zeroAllowed: Bool = false
    ) throws(CommandRejection) -> Int64 {
        let value = KeyValueStore.parseInteger(bytes) ?? -1  // Not an integer: refused as out of range.
        if let refusal = KeyValueStore.refusal(ofMilliseconds: value, what: what, zeroAllowed: zeroAllowed) {
            throw CommandRejection(refusal)
        }
        return value
    }

    /// CAS key expected new [PX ms] [LEASE id] [FENCE lock token]
    static func parseCompareAndSet(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        var coordination = CoordinationOptions()
        var expiry = KeyExpiry.none
        var index = 3
        while index < arguments.count {
            let option = keyword(arguments[index])
            if option == "PX", expiry == .none, index + 1 < arguments.count {
                expiry = .afterMilliseconds(try milliseconds(arguments[index + 1], what: "expire time"))
                index += 2
            } else {
                index = try coordination.parse(option, arguments, at: index)
            }
        }
        return .write(
            coordination.wrap(
                .compareAndSet(key: arguments[0], expected: arguments[1], new: arguments[2], expiry: expiry)
            )
        )
    }

    /// LOCK.ACQUIRE name owner ttl_ms [WAIT ms] [LEASE id]
    static func parseLockAcquire(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        let ttl = try milliseconds(arguments[2], what: "lock TTL")
        let (wait, lease) = try parseWaitAndLease(arguments.dropFirst(3))
        return .write(
            .acquire(
                kind: .lock,
                name: arguments[0],
                owner: arguments[1],
                ttlMilliseconds: ttl,
                waitMilliseconds: wait,
                lease: lease
            )
        )
    }

    /// ELECT.CAMPAIGN name candidate [LEASE id] [WAIT ms]
    static func parseCampaign(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        let (wait, lease) = try parseWaitAndLease(arguments.dropFirst(2))
        return .write(
            .acquire(
                kind: .election,
                name: arguments[0],
                owner: arguments[1],
                ttlMilliseconds: nil,
                waitMilliseconds: wait,
                lease: lease
            )
        )
    }

    /// WATCH.KEY key [FROM revision], WATCH.PREFIX prefix [FROM revision]
    static func parseWatch(_ arguments: [[UInt8]], isPrefix: Bool) throws(CommandRejection) -> ClientCommand {
        .connection(.watch(key: arguments[0], isPrefix: isPrefix, from: try parseFrom(arguments.dropFirst())))
    }

    /// SERVICE.REGISTER service instance address LEASE id [META text]
    static func parseServiceRegister(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        let key = try ServiceRegistry.key(service: arguments[0], instance: arguments[1])
        var lease: UInt64?
        var metadata: [UInt8] = []
        var index = 3
        while index + 1 < arguments.count {
            switch keyword(arguments[index]) {
            case "LEASE" where lease == nil: lease = try identifier(arguments[index + 1], what: "lease id")
            case "META": metadata = arguments[index + 1]
            default: throw CommandRejection(CommandError.syntax)
            }
            index += 2
        }
        guard index == arguments.count, let lease else {
            throw CommandRejection("ERR SERVICE.REGISTER needs LEASE id: an instance lives as long as its lease")
        }
        let value = ServiceRegistry.value(address: arguments[2], metadata: metadata)
        return .write(
            .withLease(
                lease: lease,
                command: .set(key: key, value: value, condition: .always, expiry: .none, returnPrevious: false)
            )
        )
    }

    /// SERVICE.WATCH service [FROM revision]: a watch of the service's prefix.
    static func parseServiceWatch(_ arguments: [[UInt8]]) throws(CommandRejection) -> ClientCommand {
        let prefix = KeyValueStore.serviceRegistryPrefix(of: try ServiceRegistry.checkedName(arguments[0]))
        return .connection(.watch(key: prefix, isPrefix: true, from: try parseFrom(arguments.dropFirst())))
    }

    /// `[FROM revision]`.
    static func parseFrom(_ options: ArraySlice<[UInt8]>) throws(CommandRejection) -> UInt64? {
        guard let first = options.first else { return nil }
        guard options.count == 2, keyword(first) == "FROM" else { throw CommandRejection(CommandError.syntax) }
        guard let revision = KeyValueStore.parseInteger(options[options.startIndex + 1]), revision >= 0 else {
            throw CommandRejection(KeyValueError(.outOfRange, "ERR invalid revision"))
        }
        return UInt64(revision)
    }

    /// `[WAIT ms] [LEASE id]`, in either order.
    static func parseWaitAndLease(_ options: ArraySlice<[UInt8]>) throws(CommandRejection) -> (Int64, UInt64?) {
        var wait: Int64?
        var lease: UInt64?
        var index = options.startIndex
        while index < options.endIndex {
            guard index + 1 < options.endIndex else { throw CommandRejection(CommandError.syntax) }
            switch keyword(options[index]) {
            case "WAIT" where wait == nil:
                wait = try milliseconds(options[index + 1], what: "wait", zeroAllowed: true)
            case "LEASE" where lease == nil:
                lease = try identifier(options[index + 1], what: "lease id")
            default:
                throw CommandRejection(CommandError.syntax)
            }
            index += 2
        }
        return (wait ?? 0, lease)
    }
}

/// The service registry's names. Instances are keys under
/// `KeyValueStore.serviceRegistryPrefix(of:)`, each under the lease its instance keeps alive,
/// holding the address, a newline, and the metadata.
public enum ServiceRegistry {
    static func checkedName(_ name: [UInt8]) throws(CommandRejection) -> [UInt8] {
        guard !name.isEmpty, !name.contains(UInt8(ascii: "/")), name.count <= 256 else {
            throw CommandRejection("ERR service and instance names are 1 to 256 bytes without '/'")
        }
        return name
    }

    static func key(service: [UInt8], instance: [UInt8]) throws(CommandRejection) -> [UInt8] {
        KeyValueStore.serviceRegistryPrefix(of: try checkedName(service)) + (try checkedName(instance))
    }

    static func value(address: [UInt8], metadata: [UInt8]) -> [UInt8] {
        address.filter { $0 != UInt8(ascii: "\n") } + [UInt8(ascii: "\n")] + metadata
    }
}
