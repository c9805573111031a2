import SynodKeyValue

/// Redis's tuning parameters that Synod accepts and reports but does not act on (encodings,
/// persistence, timers): CONFIG SET checks a value as Redis checks it and the node keeps it,
/// so CONFIG GET answers it back, and test harnesses and clients that set them run unchanged.
/// What Synod does is its own: it always persists through its WAL and never writes RDB
/// snapshots or an AOF, whatever `save` and `appendonly` say.
public enum TuningParameters {
    /// What values a parameter takes.
    enum Kind {
        /// yes or no.
        case boolean
        case integer
        /// One of these words.
        case choice([String])
        /// Any text (`save`'s schedule).
        case text
    }

    /// Each parameter with its kind and the value it starts with.
    static let parameters: [String: (kind: Kind, initial: String)] = [
        "appendonly": (.boolean, "no"), "appendfsync": (.choice(["always", "everysec", "no"]), "everysec"),
        "save": (.text, ""), "hz": (.integer, "10"), "dynamic-hz": (.boolean, "yes"),
        "activerehashing": (.boolean, "yes"), "lazyfree-lazy-eviction": (.boolean, "no"),
        "lazyfree-lazy-expire": (.boolean, "no"), "lazyfree-lazy-server-del": (.boolean, "no"),
        "lazyfree-lazy-user-del": (.boolean, "no"), "lazyfree-lazy-user-flush": (.boolean, "no"),
        "hash-max-listpack-entries": (.integer, "512"), "hash-max-listpack-value": (.integer, "64"),
        "list-max-listpack-size": (.integer, "-2"), "list-compress-depth": (.integer, "0"),
        "set-max-intset-entries": (.integer, "512"), "zset-max-listpack-entries": (.integer, "128"),
        "zset-max-listpack-value": (.integer, "64"), "stream-node-max-bytes": (.integer, "4096"),
        "stream-node-max-entries": (.integer, "100"), "timeout": (.integer, "0"), "tcp-keepalive": (.integer, "300"),
        "slowlog-log-slower-than": (.integer, "10000"), "slowlog-max-len": (.integer, "128"),
        "latency-monitor-threshold": (.integer, "0"), "maxmemory-samples": (.integer, "5"),
        "maxmemory-eviction-tenacity": (.integer, "10"),
        "lfu-log-factor": (.integer, "10"), "lfu-decay-time": (.integer, "1"),
        "loglevel": (.choice(["debug", "verbose", "notice", "warning"]), "notice"),
    ]

    /// Older names Redis still answers to, each the same setting as its newer name.
    static let aliases: [String: String] = [
        "hash-max-ziplist-entries": "hash-max-listpack-entries", "hash-max-ziplist-value": "hash-max-listpack-value",
        "list-max-ziplist-size": "list-max-listpack-size", "zset-max-ziplist-entries": "zset-max-listpack-entries",
        "zset-max-ziplist-value": "zset-max-listpack-value",
    ]

    /// Settings Redis refuses to change at run time.
    static let immutable: Set<String> = ["databases"]

    /// The setting a name stands for (lowercased, aliases resolved); nil for one Synod does
    /// not know.
    public static func canonicalName(_ name: String) -> String? {
        let lowercased = name.lowercased()
        let canonical = aliases[lowercased] ?? lowercased
        return parameters[canonical] == nil ? nil : canonical
    }

    /// Every name CONFIG GET may answer, aliases included, with the value `current` holds for
    /// its setting (or the initial one).
    public static func reported(_ current: [String: String]) -> [(name: String, value: String)] {
        let names = Array(parameters.keys) + Array(aliases.keys)
        return names.sorted().map { name in
            let canonical = aliases[name] ?? name
            return (name, current[canonical] ?? parameters[canonical]!.initial)
        }
    }

    /// The value as CONFIG GET reports it, or Redis's error for it, which names the setting
    /// as the client did (`given`, an alias perhaps).
    public static func check(_ canonical: String, _ value: [UInt8], given: String) -> Result<String, KeyValueError> {
        guard let kind = parameters[canonical]?.kind else { return .failure(unknown(given)) }
        let text = String(decoding: value, as: UTF8.self)
        switch kind {
        case .boolean:
            let lowercased = text.lowercased()
            guard lowercased == "yes" || lowercased == "no" else {
                return .failure(failed(given, "argument must be 'yes' or 'no'"))
            }
            return .success(lowercased)
        case .integer:
            guard let number = KeyValueStore.parseInteger(value) else {
                return .failure(failed(given, "argument couldn't be parsed into an integer"))
            }
            return .success(String(number))
        case .choice(let words):
            guard words.contains(text.lowercased()) else {
                return .failure(
                    failed(given, "argument(s) must be one of the following: " + words.joined(separator: ", "))
                )
            }
            return .success(text.lowercased())
        case .text:
            return .success(text)
        }
    }

    static func failed(_ name: String, _ reason: String) -> KeyValueError {
        KeyValueError(.invalidRequest, "ERR CONFIG SET failed (possibly related to argument '\(name)') - \(reason)")
    }

    static func unknown(_ name: String) -> KeyValueError {
        KeyValueError(.invalidRequest, "ERR Unknown option or number of arguments for CONFIG SET - '\(name)'")
    }
}

/// One parameter CONFIG SET gave a node: its canonical name and checked value.
public struct TuningSetting: Hashable, Sendable {
    public let name: String
    public let value: String
}
