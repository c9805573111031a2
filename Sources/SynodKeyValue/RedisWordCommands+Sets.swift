/// The set commands' words, parsed as Redis parses them (`RedisWordCommands+Lists` has the
/// number parsers they share).
extension RedisWordCommands {
    static let setWriteArities: [String: Int] = [
        "sadd": -3, "srem": -3, "spop": -2, "smove": 4, "sinterstore": -3, "sunionstore": -3, "sdiffstore": -3,
    ]

    static let setReadArities: [String: Int] = [
        "smembers": 2, "sismember": 3, "smismember": -3, "scard": 2, "srandmember": -2, "sinter": -2, "sunion": -2,
        "sdiff": -2, "sintercard": -3, "sscan": -3,
    ]

    /// The typed set write, or nil for a name that is not one. `arguments` has the count the
    /// arity of `name` promises.
    static func typedSetWrite(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> SetWrite? {
        switch name {
        case "sadd":
            return .add(key: arguments[0], members: Array(arguments.dropFirst()))
        case "srem":
            return .remove(key: arguments[0], members: Array(arguments.dropFirst()))
        case "spop":
            guard arguments.count <= 2 else { throw KeyValueStore.syntax }
            let count = try arguments.count == 2 ? nonNegative(arguments[1], KeyValueStore.mustBePositive) : nil
            return .pop(key: arguments[0], count: count)
        case "smove":
            return .move(source: arguments[0], destination: arguments[1], member: arguments[2])
        case "sinterstore", "sunionstore", "sdiffstore":
            let operation: SetOperation =
                name == "sinterstore" ? .intersection : name == "sunionstore" ? .union : .difference
            return .store(operation: operation, destination: arguments[0], keys: Array(arguments.dropFirst()))
        default:
            return nil
        }
    }

    /// The typed set read, or nil for a name that is not one.
    static func typedSetRead(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> SetRead? {
        switch name {
        case "smembers":
            return .members(key: arguments[0])
        case "sismember":
            return .isMember(key: arguments[0], member: arguments[1])
        case "smismember":
            return .areMembers(key: arguments[0], members: Array(arguments.dropFirst()))
        case "scard":
            return .cardinality(key: arguments[0])
        case "srandmember":
            guard arguments.count <= 2 else { throw KeyValueStore.syntax }
            guard arguments.count == 2 else { return .randomMembers(key: arguments[0], count: nil) }
            let count = try integer(arguments[1])
            if count == .min { throw KeyValueStore.rankOutOfRange }
            let read = SetRead.randomMembers(key: arguments[0], count: count)
            if let refusal = read.refusal { throw refusal }
            return read
        case "sinter", "sunion", "sdiff":
            let operation: SetOperation = name == "sinter" ? .intersection : name == "sunion" ? .union : .difference
            return .combine(operation: operation, keys: arguments)
        case "sintercard":
            return try intersectionCardinality(arguments)
        case "sscan":
            let cursor = try scanCursor(arguments[1])
            let options = scanOptions(arguments.dropFirst(2), allowing: ["MATCH", "COUNT"])
            return .scan(key: arguments[0], cursor: cursor, options: options)
        default:
            return nil
        }
    }

    /// SINTERCARD numkeys key [key ...] [LIMIT limit]
    static func intersectionCardinality(_ arguments: [[UInt8]]) throws(KeyValueError) -> SetRead {
        let keyCount = try positive(arguments[0], KeyValueStore.numberOfKeysNotPositive)
        guard keyCount <= Int64(arguments.count - 1) else { throw KeyValueStore.moreKeysThanArguments }
        var limit: Int64 = 0
        var index = Int(keyCount) + 1
        while index < arguments.count {
            guard KeyValueStore.uppercased(arguments[index]) == "LIMIT", index + 1 < arguments.count else {
                throw KeyValueStore.syntax
            }
            limit = try nonNegative(arguments[index + 1], KeyValueStore.limitNegative)
            index += 2
        }
        return .intersectionCardinality(keys: Array(arguments[1...Int(keyCount)]), limit: limit)
    }
}
