/// Redis's ACL file format (`--aclfile`, ACL LOAD, ACL SAVE): one `user NAME rules...` line per
/// user, words separated by spaces, blank lines skipped; no comments, as in Redis.
public enum ACLFile {
    /// The users a file defines, or Redis's report of every error in it (ACL LOAD answers it
    /// and changes nothing). `path` only names the file in the errors.
    public static func parse(
        _ bytes: [UInt8],
        path: String,
        digest: ([UInt8]) -> [UInt8]
    ) -> Result<[ACLUser], CommandRejection> {
        guard bytes.count <= ACLLimits.fileBytesMax else {
            return .failure(CommandRejection("ERR \(path) is larger than \(ACLLimits.fileBytesMax) bytes"))
        }
        var errors: [String] = []
        var users: [ACLUser] = []
        var seen: Set<[UInt8]> = []
        var otherUsers = 0
        for (offset, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            let lineNumber = offset + 1
            // Enough to fix a file by; a file of garbage must not make a reply of millions.
            guard errors.count < reportedErrorsMax else { break }
            let words = rawLine.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == 0x09 || $0 == 0x0D })
                .map(Array.init)
            guard !words.isEmpty else { continue }
            guard words[0] == Array("user".utf8), words.count >= 2 else {
                errors.append("\(path):\(lineNumber) should start with user keyword followed by the username. ")
                continue
            }
            let name = words[1]
            guard seen.insert(name).inserted else {
                errors.append(
                    "WARNING: Duplicate user '\(AccessControlList.quoted(name))' found on line \(lineNumber). "
                )
                continue
            }
            // The default user is there whether the file names it or not.
            let isDefault = name == AccessControlList.defaultName
            guard isDefault || otherUsers < ACLLimits.usersMax - 1 else {
                errors.append("\(path):\(lineNumber): Synod allows at most \(ACLLimits.usersMax) users. ")
                break
            }
            do throws(CommandRejection) {
                try CommandParser.checkUserName(name)
                users.append(try user(name, rules: words.dropFirst(2), digest: digest))
                if !isDefault { otherUsers += 1 }
            } catch {
                errors.append("\(path):\(lineNumber): \(error.message.dropFirst("ERR ".count)). ")
            }
        }
        guard errors.isEmpty else {
            return .failure(
                CommandRejection(
                    "ERR " + errors.joined()
                        + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
                )
            )
        }
        return .success(users)
    }

    static let reportedErrorsMax = 100

    /// One line's user, from nothing (a file says everything about a user).
    static func user(
        _ name: [UInt8],
        rules: ArraySlice<[UInt8]>,
        digest: ([UInt8]) -> [UInt8]
    ) throws(CommandRejection) -> ACLUser {
        guard rules.count <= ACLLimits.rulesPerCommandMax else {
            throw CommandRejection("ERR Synod takes at most \(ACLLimits.rulesPerCommandMax) rules per user")
        }
        var user = ACLUser(name: name)
        for word in rules {
            do throws(ACLRuleError) {
                try user.apply(ACLRule.parse(word), digest: digest)
            } catch {
                throw CommandRejection(
                    "ERR Error in applying operation '\(AccessControlList.quoted(word))': \(error.message)"
                )
            }
        }
        return user
    }
}
