import Foundation
import SynodCommands
import Testing

@testable import SynodNode

/// ACL users as the node keeps them: logging in with real SHA-256 digests, the default user
/// from `--requirepass` or the ACL file, the file on disk, and the client limits' validation.
struct AccessControlTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func credentials(_ username: String?, _ password: String) -> Credentials {
        Credentials(username: username.map(bytes), password: bytes(password))
    }

    static func setUser(_ authentication: ClientAuthentication, _ name: String, _ rules: String...) throws {
        _ = try authentication.withList { list throws(CommandRejection) in
            try list.setUser(bytes(name), rules: rules.map(bytes), digest: ClientAuthentication.digest)
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synod-acl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func usersLogInWithTheirPasswordsOnlyWhileOn() throws {
        let authentication = ClientAuthentication(password: Self.bytes("admin"), protectedMode: true)
        try Self.setUser(authentication, "alice", "on", ">one", ">two")
        #expect(authentication.authenticate(Self.credentials("alice", "one")) == .success(Self.bytes("alice")))
        #expect(authentication.authenticate(Self.credentials("alice", "two")) == .success(Self.bytes("alice")))
        #expect(authentication.refusal(of: Self.credentials("alice", "three")) == ClientAuthentication.wrongPassword)
        #expect(authentication.refusal(of: Self.credentials("nobody", "one")) == ClientAuthentication.wrongPassword)
        try Self.setUser(authentication, "alice", "off")
        #expect(authentication.refusal(of: Self.credentials("alice", "one")) == ClientAuthentication.wrongPassword)
        try Self.setUser(authentication, "alice", "on", "nopass")
        #expect(authentication.authenticate(Self.credentials("alice", "anything")) == .success(Self.bytes("alice")))
        try Self.setUser(authentication, "alice", "resetpass")
        #expect(authentication.refusal(of: Self.credentials("alice", "")) == ClientAuthentication.wrongPassword)
        // AUTH password alone is the default user's.
        #expect(authentication.authenticate(Self.credentials(nil, "admin")) == .success(Self.bytes("default")))
    }

    @Test func passwordsAreStoredAsSHA256Digests() throws {
        let authentication = ClientAuthentication(password: nil, protectedMode: false)
        try Self.setUser(authentication, "alice", ">pw")
        // echo -n cpw | sha256sum, as redis-server shows it for the same rule.
        try Self.setUser(authentication, "carol", ">cpw")
        #expect(
            authentication.user(named: Self.bytes("carol"))?.passwordHexDigests
                == ["ca4dc450c14cdef138a04e7eb748e1d8be297042e51c28848c0c29de65abf5a2"]
        )
        #expect(ClientAuthentication.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!ClientAuthentication.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!ClientAuthentication.constantTimeEqual([1, 2, 3], [1, 2]))
    }

    @Test func theDefaultUserDecidesProtectedModeAndWhetherConnectionsStartLoggedIn() throws {
        let open = ClientAuthentication(password: nil, protectedMode: true)
        #expect(open.opensWithoutPassword)
        #expect(!open.admits(fromLoopback: false))
        try Self.setUser(open, "default", ">now-one")
        #expect(!open.opensWithoutPassword)
        #expect(open.admits(fromLoopback: false))
        // An ACL file's default user wins over --requirepass.
        let file = try ACLFile.parse(
            Self.bytes("user default off nopass\n"),
            path: "f",
            digest: ClientAuthentication.digest
        )
        .get()
        let fromFile = ClientAuthentication(password: Self.bytes("pw"), protectedMode: true, fileUsers: file)
        #expect(!fromFile.opensWithoutPassword)
        #expect(fromFile.refusal(of: Self.credentials("default", "x")) == ClientAuthentication.wrongPassword)
    }

    @Test func theFileIsWrittenWholeAndReadBack() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }  // Best effort: /tmp is cleaned anyway.
        let path = directory + "/users.acl"
        let text = "user alice on #" + String(repeating: "0f", count: 32) + " ~app:* resetchannels -@all +get\n"
        #expect(AccessControlFile.write(Self.bytes(text), to: path) == nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        let users = try AccessControlFile.load(path).get()
        #expect(users.map { String(decoding: $0.listLine, as: UTF8.self) + "\n" } == [text])
        var settings = AccessControlSettings()
        settings.filePath = path
        #expect(settings.loadFile() == nil)
        #expect(settings.fileUsers == users)
    }

    @Test func aMissingOrBadFileIsAClearError() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }  // Best effort: /tmp is cleaned anyway.
        guard case .failure(let missing) = AccessControlFile.load(directory + "/none.acl") else {
            Issue.record("a missing file loaded")
            return
        }
        #expect(missing.message.hasPrefix("ERR Error loading ACLs, opening file '\(directory)/none.acl'"))
        let bad = directory + "/bad.acl"
        #expect(AccessControlFile.write(Self.bytes("user x +nosuch\n"), to: bad) == nil)
        var settings = AccessControlSettings()
        settings.filePath = bad
        #expect(
            settings.loadFile()
                == "--aclfile: \(bad):1: Error in applying operation '+nosuch': Unknown command or category name in ACL. "
                + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
        )
        #expect(AccessControlFile.write([], to: directory + "/no/such/dir/users.acl") != nil)
    }

    @Test func clientLimitsMustLetEveryAcceptedRequestFit() {
        var limits = ClientLimits()
        #expect(limits.queryBufferBytesMax == 1 << 30)
        #expect(limits.problem(requestBytesMax: 64 << 20) == nil)
        limits.queryBufferBytesMax = 1 << 20
        #expect(limits.problem(requestBytesMax: 64 << 20)?.hasPrefix("--client-query-buffer-limit must be") == true)
        #expect(limits.problem(requestBytesMax: 1 << 20) == nil)
        limits.patternSubscriptionsMax = 0
        #expect(limits.problem(requestBytesMax: 1 << 20) == "every per-client limit must be at least 1")
    }
}
