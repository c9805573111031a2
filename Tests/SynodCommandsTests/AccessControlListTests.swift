import Testing

@testable import SynodCommands

/// A node's users: SETUSER is all or nothing, DELUSER spares `default`, and the ACL file
/// format reads back what ACL SAVE writes, with Redis's error report for a bad file.
struct AccessControlListTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static let digest = ACLRuleTests.fakeDigest

    static func list() -> AccessControlList { AccessControlList(defaultUser: .defaultUser(passwordDigest: nil)) }

    static func text(_ lines: [[UInt8]]) -> [String] { lines.map { String(decoding: $0, as: UTF8.self) } }

    @Test func setUserAppliesEveryRuleOrNone() throws {
        var list = Self.list()
        _ = try list.setUser(Self.bytes("eve"), rules: ["on", ">pw", "+get"].map(Self.bytes), digest: Self.digest)
        let before = list
        #expect(throws: CommandRejection("ERR Error in ACL SETUSER modifier 'bogus': Syntax error")) {
            try list.setUser(Self.bytes("eve"), rules: ["off", "bogus"].map(Self.bytes), digest: Self.digest)
        }
        #expect(list == before)
        #expect(throws: CommandRejection.self) {
            try list.setUser(Self.bytes("new"), rules: ["+nosuch"].map(Self.bytes), digest: Self.digest)
        }
        #expect(list.user(named: Self.bytes("new")) == nil)
        #expect(Self.text(list.sortedNames) == ["default", "eve"])
    }

    @Test func deleteUsersSparesDefaultAndCountsWhatExisted() throws {
        var list = Self.list()
        _ = try list.setUser(Self.bytes("a"), rules: [], digest: Self.digest)
        #expect(throws: CommandRejection("ERR The 'default' user cannot be removed")) {
            try list.deleteUsers([Self.bytes("a"), Self.bytes("default")])
        }
        #expect(list.user(named: Self.bytes("a")) != nil)
        #expect(try list.deleteUsers([Self.bytes("a"), Self.bytes("a"), Self.bytes("zz")]) == [Self.bytes("a")])
    }

    @Test func theNumberOfUsersIsBounded() throws {
        var list = Self.list()
        for index in 1..<ACLLimits.usersMax {
            _ = try list.setUser(Self.bytes("u\(index)"), rules: [], digest: Self.digest)
        }
        #expect(
            throws: CommandRejection(
                "ERR Synod allows at most \(ACLLimits.usersMax) ACL users; remove one with ACL DELUSER first"
            )
        ) {
            try list.setUser(Self.bytes("one-more"), rules: [], digest: Self.digest)
        }
        // Changing an existing user is still fine.
        _ = try list.setUser(Self.bytes("u1"), rules: [Self.bytes("on")], digest: Self.digest)
    }

    @Test func whatSaveWritesLoadReadsBack() throws {
        var list = Self.list()
        _ = try list.setUser(
            Self.bytes("alice"),
            rules: ["on", ">pw", "~app:*", "%W~log:*", "&news", "+get", "-@dangerous"].map(Self.bytes),
            digest: Self.digest
        )
        _ = try list.setUser(
            Self.bytes("bob"),
            rules: ["on", "nopass", "allkeys", "+@all"].map(Self.bytes),
            digest: Self.digest
        )
        let file = list.fileBytes
        let users = try ACLFile.parse(file, path: "users.acl", digest: Self.digest).get()
        var loaded = Self.list()
        _ = loaded.replace(with: users)
        #expect(loaded == list)
        #expect(String(decoding: file, as: UTF8.self).hasSuffix("user default on nopass ~* &* +@all\n"))
    }

    @Test func aBadFileIsReportedLineByLineAndChangesNothing() {
        let file = Self.bytes("user bob on nopass +nosuch ~x\nnotuser x\n\n   user carl bogus\nuser\nuser bob off\n")
        let result = ACLFile.parse(file, path: "/etc/users.acl", digest: Self.digest)
        #expect(
            result
                == .failure(
                    CommandRejection(
                        "ERR /etc/users.acl:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. "
                            + "/etc/users.acl:2 should start with user keyword followed by the username. "
                            + "/etc/users.acl:4: Error in applying operation 'bogus': Syntax error. "
                            + "/etc/users.acl:5 should start with user keyword followed by the username. "
                            + "WARNING: Duplicate user 'bob' found on line 6. "
                            + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
                    )
                )
        )
    }

    @Test func loadKeepsTheConfiguredDefaultUnlessTheFileNamesItAndReportsChangedUsers() throws {
        let configured = ACLUser.defaultUser(passwordDigest: Self.digest(Self.bytes("requirepass")))
        var list = AccessControlList(defaultUser: configured)
        _ = try list.setUser(Self.bytes("same"), rules: [Self.bytes("on")], digest: Self.digest)
        _ = try list.setUser(Self.bytes("changed"), rules: [Self.bytes("on")], digest: Self.digest)
        _ = try list.setUser(Self.bytes("gone"), rules: [], digest: Self.digest)
        let file = Self.bytes("user same on\nuser changed off\nuser added on\n")
        let gone = list.replace(with: try ACLFile.parse(file, path: "f", digest: Self.digest).get())
        #expect(Set(gone) == [Self.bytes("changed"), Self.bytes("gone")])
        #expect(list.user(named: AccessControlList.defaultName) == configured)
        _ = list.replace(
            with: try ACLFile.parse(Self.bytes("user default off\n"), path: "f", digest: Self.digest).get()
        )
        #expect(list.user(named: AccessControlList.defaultName)?.isEnabled == false)
        #expect(Self.text(list.sortedNames) == ["default"])
    }

    @Test func aFileMayNotHoldMoreUsersThanTheLimit() {
        let lines = (0..<ACLLimits.usersMax).map { "user u\($0)\n" }.joined()
        guard case .failure(let rejection) = ACLFile.parse(Self.bytes(lines), path: "f", digest: Self.digest) else {
            Issue.record("a file with too many users was accepted")
            return
        }
        #expect(rejection.message.contains("Synod allows at most \(ACLLimits.usersMax) users"))
        let fits = (1..<ACLLimits.usersMax).map { "user u\($0)\n" }.joined() + "user default on nopass\n"
        #expect(throws: Never.self) { try ACLFile.parse(Self.bytes(fits), path: "f", digest: Self.digest).get() }
    }
}
