/// The list commands' words, parsed as Redis parses them: option errors come before the key
/// is looked at, with Redis's texts.
extension RedisWordCommands {
    static let listWriteArities: [String: Int] = [
        "lpush": -3, "rpush": -3, "lpushx": -3, "rpushx": -3, "lpop": -2, "rpop": -2, "lmpop": -4, "lset": 4,
        "linsert": 5, "lrem": 4, "ltrim": 4, "lmove": 5, "rpoplpush": 3, "blpop": -3, "brpop": -3, "blmpop": -5,
        "blmove": 6, "brpoplpush": 4, "bzpopmin": -3, "bzpopmax": -3, "bzmpop": -5,
    ]

    static let listReadArities: [String: Int] = ["lrange": 4, "llen": 2, "lindex": 3, "lpos": -3]

    /// The typed list write, or nil for a name that is not one. `arguments` has the count
    /// the arity of `name` promises.
    static func typedListWrite(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> ListWrite? {
        switch name {
        case "lpush", "rpush", "lpushx", "rpushx":
            return .push(
                key: arguments[0],
                elements: Array(arguments.dropFirst()),
                end: name.hasPrefix("l") ? .left : .right,
                onlyIfExists: name.hasSuffix("x")
            )
        case "lpop", "rpop":
            guard arguments.count <= 2 else { throw wrongArity(name) }
            let count = try arguments.count == 2 ? nonNegative(arguments[1], KeyValueStore.mustBePositive) : nil
            return .pop(key: arguments[0], end: name == "lpop" ? .left : .right, count: count)
        case "lmpop":
            return try multiplePop(arguments)
        case "lset":
            return .set(key: arguments[0], index: try integer(arguments[1]), element: arguments[2])
        case "linsert":
            let place = KeyValueStore.uppercased(arguments[1])
            guard place == "BEFORE" || place == "AFTER" else { throw KeyValueStore.syntax }
            return .insert(key: arguments[0], after: place == "AFTER", pivot: arguments[2], element: arguments[3])
        case "lrem":
            return .remove(key: arguments[0], count: try integer(arguments[1]), element: arguments[2])
        case "ltrim":
            return .trim(key: arguments[0], start: try integer(arguments[1]), stop: try integer(arguments[2]))
        case "lmove":
            return .move(
                source: arguments[0],
                destination: arguments[1],
                from: try end(arguments[2]),
                to: try end(arguments[3])
            )
        case "rpoplpush":
            return .move(source: arguments[0], destination: arguments[1], from: .right, to: .left)
        case "blpop", "brpop":
            let timeout = try timeoutMilliseconds(arguments.last!)
            let pop = BlockingPop.element(keys: Array(arguments.dropLast()), end: name == "blpop" ? .left : .right)
            return .blocking(pop, timeoutMilliseconds: timeout)
        case "blmpop":
            let timeout = try timeoutMilliseconds(arguments[0])
            guard case .popFromFirst(let keys, let end, let count) = try multiplePop(Array(arguments.dropFirst()))
            else { preconditionFailure("LMPOP parsed to another command") }
            return .blocking(.elements(keys: keys, end: end, count: count), timeoutMilliseconds: timeout)
        case "blmove":
            let from = try end(arguments[2])
            let to = try end(arguments[3])
            let pop = BlockingPop.move(source: arguments[0], destination: arguments[1], from: from, to: to)
            return .blocking(pop, timeoutMilliseconds: try timeoutMilliseconds(arguments[4]))
        case "bzpopmin", "bzpopmax":
            let timeout = try timeoutMilliseconds(arguments.last!)
            let pop = BlockingPop.sortedSetMember(
                keys: Array(arguments.dropLast()),
                end: name == "bzpopmin" ? .min : .max
            )
            return .blocking(pop, timeoutMilliseconds: timeout)
        case "bzmpop":
            let timeout = try timeoutMilliseconds(arguments[0])
            guard
                case .popFromFirst(let keys, let end, let count) = try multiplePop(
                    sortedSet: Array(arguments.dropFirst())
                )
            else { preconditionFailure("ZMPOP parsed to another command") }
            return .blocking(.sortedSetMembers(keys: keys, end: end, count: count), timeoutMilliseconds: timeout)
        case "brpoplpush":
            let pop = BlockingPop.move(source: arguments[0], destination: arguments[1], from: .right, to: .left)
            return .blocking(pop, timeoutMilliseconds: try timeoutMilliseconds(arguments[2]))
        default:
            return nil
        }
    }

    /// The typed list read, or nil for a name that is not one.
    static func typedListRead(_ name: String, _ arguments: [[UInt8]]) throws(KeyValueError) -> ListRead? {
        switch name {
        case "lrange":
            return .range(key: arguments[0], start: try integer(arguments[1]), stop: try integer(arguments[2]))
        case "llen":
            return .length(key: arguments[0])
        case "lindex":
            return .index(key: arguments[0], index: try integer(arguments[1]))
        case "lpos":
            return try position(arguments)
        default:
            return nil
        }
    }

    /// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
    static func multiplePop(_ arguments: [[UInt8]]) throws(KeyValueError) -> ListWrite {
        let popped = try multiplePopWords(arguments, end: end)
        return .popFromFirst(keys: popped.keys, end: popped.end, count: popped.count)
    }

    /// The words of LMPOP and ZMPOP: numkeys key [key ...] END [COUNT count], the end read by
    /// `end`; the count is 1 when not given.
    static func multiplePopWords<End>(
        _ arguments: [[UInt8]],
        end: ([UInt8]) throws(KeyValueError) -> End
    ) throws(KeyValueError) -> (keys: [[UInt8]], end: End, count: Int64) {
        let keyCount = try positive(arguments[0], KeyValueStore.numberOfKeysNotPositive)
        // The end follows the keys; counted so that no sum overflows however large the count.
        guard keyCount < Int64(arguments.count - 1) else { throw KeyValueStore.syntax }
        let keys = Array(arguments[1...Int(keyCount)])
        let end = try end(arguments[Int(keyCount) + 1])
        var count: Int64?
        var index = Int(keyCount) + 2
        while index < arguments.count {
            guard count == nil, KeyValueStore.uppercased(arguments[index]) == "COUNT", index + 1 < arguments.count
            else {
                throw KeyValueStore.syntax
            }
            count = try positive(arguments[index + 1], KeyValueStore.countNotPositive)
            index += 2
        }
        return (keys, end, count ?? 1)
    }

    /// LPOS key element [RANK rank] [COUNT count] [MAXLEN length]
    static func position(_ arguments: [[UInt8]]) throws(KeyValueError) -> ListRead {
        var rank: Int64 = 1
        var count: Int64?
        var maxLength: Int64 = 0
        var index = 2
        while index < arguments.count {
            let option = KeyValueStore.uppercased(arguments[index])
            guard index + 1 < arguments.count else { throw KeyValueStore.syntax }
            let value = arguments[index + 1]
            switch option {
            case "RANK":
                rank = try integer(value)
                if rank == 0 { throw KeyValueStore.rankZero }
                if rank == .min { throw KeyValueStore.rankOutOfRange }
            case "COUNT":
                count = try nonNegative(value, KeyValueStore.countNegative)
            case "MAXLEN":
                maxLength = try nonNegative(value, KeyValueStore.maxLengthNegative)
            default:
                throw KeyValueStore.syntax
            }
            index += 2
        }
        return .position(key: arguments[0], element: arguments[1], rank: rank, count: count, maxLength: maxLength)
    }

    /// A blocking command's timeout in seconds (a float, as Redis reads it) as milliseconds,
    /// rounded up; 0 waits forever. Redis converts a value too large for 64-bit milliseconds
    /// into a negative one, and answers so.
    static func timeoutMilliseconds(_ word: [UInt8]) throws(KeyValueError) -> Int64 {
        guard let seconds = Double(String(decoding: word, as: UTF8.self)), !seconds.isNaN else {
            throw KeyValueStore.timeoutNotAFloat
        }
        let milliseconds = (seconds * 1000).rounded(.up)
        guard milliseconds >= 0, milliseconds < 9.223372036854775807e18 else { throw KeyValueStore.timeoutNegative }
        return Int64(milliseconds)
    }

    /// LEFT or RIGHT, in any case.
    static func end(_ word: [UInt8]) throws(KeyValueError) -> ListValue.End {
        switch KeyValueStore.uppercased(word) {
        case "LEFT": return .left
        case "RIGHT": return .right
        default: throw KeyValueStore.syntax
        }
    }

    static func integer(_ word: [UInt8]) throws(KeyValueError) -> Int64 {
        guard let value = KeyValueStore.parseInteger(word) else { throw KeyValueStore.notAnInteger }
        return value
    }

    /// An integer of at least 0; `error` for anything else, a word that is not a number
    /// included, as Redis's getPositiveLongFromObjectOrReply answers.
    static func nonNegative(_ word: [UInt8], _ error: KeyValueError) throws(KeyValueError) -> Int64 {
        guard let value = KeyValueStore.parseInteger(word), value >= 0 else { throw error }
        return value
    }

    /// An integer of at least 1, else `error`.
    static func positive(_ word: [UInt8], _ error: KeyValueError) throws(KeyValueError) -> Int64 {
        guard let value = KeyValueStore.parseInteger(word), value >= 1 else { throw error }
        return value
    }
}
