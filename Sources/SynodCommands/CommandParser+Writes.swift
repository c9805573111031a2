import SynodKeyValue

/// SET and the EXPIRE family: their options, as Redis 7 parses them.
extension CommandParser {
    /// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]
    /// [LEASE id] [FENCE lock token] (the last two are Synod's).
    static func parseSet(_ arguments: [[UInt8]]) throws(CommandRejection) -> KeyValueCommand {
        var coordination = CoordinationOptions()
        var condition = WriteCondition.always
        var expiry = KeyExpiry.none
        var expirySet = false
        var returnPrevious = false
        var index = 2
        while index < arguments.count {
            let option = keyword(arguments[index])
            let hasNext = index + 1 < arguments.count
            switch option {
            case "NX" where condition == .always:
                condition = .ifAbsent
            case "XX" where condition == .always:
                condition = .ifPresent
            case "GET":
                returnPrevious = true
            case "LEASE", "FENCE":
                index = try coordination.parse(option, arguments, at: index)
                continue
            case "KEEPTTL" where !expirySet:
                expiry = .keep
                expirySet = true
            case "EX", "PX", "EXAT", "PXAT":
                guard !expirySet, hasNext else { throw CommandRejection(CommandError.syntax) }
                let amount = try integer(arguments[index + 1])
                let scale: Int64 = option == "EX" || option == "EXAT" ? 1000 : 1
                let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: scale)
                guard amount > 0, !overflow else { throw CommandRejection(CommandError.invalidExpire("set")) }
                expiry = option.hasSuffix("AT") ? .atMilliseconds(milliseconds) : .afterMilliseconds(milliseconds)
                expirySet = true
                index += 1
            default:
                throw CommandRejection(CommandError.syntax)
            }
            index += 1
        }
        return coordination.wrap(
            .set(
                key: arguments[0],
                value: arguments[1],
                condition: condition,
                expiry: expiry,
                returnPrevious: returnPrevious
            )
        )
    }

    /// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX | XX | GT | LT]
    static func parseExpire(_ name: String, _ arguments: [[UInt8]]) throws(CommandRejection) -> KeyValueCommand {
        let amount = try integer(arguments[1])
        let scale: Int64 = name.hasPrefix("p") ? 1 : 1000
        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw CommandRejection(CommandError.invalidExpire(name)) }
        var condition = ExpireCondition.always
        var seen: Set<String> = []
        for argument in arguments.dropFirst(2) {
            let option = keyword(argument)
            guard ["NX", "XX", "GT", "LT"].contains(option) else {
                throw CommandRejection("ERR Unsupported option \(String(decoding: argument, as: UTF8.self))")
            }
            seen.insert(option)
        }
        if seen.contains("NX") && seen.count > 1 {
            throw CommandRejection("ERR NX and XX, GT or LT options at the same time are not compatible")
        }
        if seen.contains("GT") && seen.contains("LT") {
            throw CommandRejection("ERR GT and LT options at the same time are not compatible")
        }
        if seen.contains("NX") { condition = .ifNoExpiry }
        if seen.contains("XX") { condition = .ifHasExpiry }
        if seen.contains("GT") { condition = .ifLater }
        if seen.contains("LT") { condition = .ifEarlier }
        // XX with GT or LT: both must hold; GT/LT already fail on a key without an expiry
        // (GT) or would set one (LT), so XX + LT keeps XX's requirement.
        if seen.contains("XX") && seen.contains("LT") { condition = .ifEarlierAndHasExpiry }
        let expiry: KeyExpiry = name.hasSuffix("at") ? .atMilliseconds(milliseconds) : .afterMilliseconds(milliseconds)
        return .expire(key: arguments[0], expiry: expiry, condition: condition)
    }
}
