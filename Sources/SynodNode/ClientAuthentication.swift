import Crypto
import NIOConcurrencyHelpers
import Synchronization
import SynodCommands

/// Who may use the client port, as Redis decides it: the node's ACL users (`AccessControlList`),
/// the `default` one set by `--requirepass` (without one, any password opens it), and protected
/// mode (on by default), which refuses clients that are not on loopback while the default user
/// needs no password.
///
/// Shared by every connection of the node; the users change under a lock (ACL SETUSER,
/// DELUSER, LOAD), and each connection looks its user up again for every command, so a change
/// applies at once, as in Redis.
final class ClientAuthentication: Sendable {
    let protectedMode: Bool
    /// `--aclfile`: where ACL LOAD reads and ACL SAVE writes; nil when there is none.
    let aclFilePath: String?
    private let list: NIOLockedValueBox<AccessControlList>
    /// Counts the calls that may have changed the users (`withList`): a connection keeps its
    /// user, looked up once, until this moves (`RESPConnectionHandler.currentUser`).
    private let changes = Atomic<UInt64>(0)
    /// Held while `--aclfile` is read or written (on a thread pool), so that two ACL SAVEs
    /// never write the temporary file at once.
    let fileLock = NIOLock()

    /// The default user opened by `password` (or by any password if nil), then the users of
    /// the ACL file read at start (whose `default`, if it has one, wins).
    init(password: [UInt8]?, protectedMode: Bool, aclFilePath: String? = nil, fileUsers: [ACLUser] = []) {
        var list = AccessControlList(defaultUser: .defaultUser(passwordDigest: password.map(Self.digest)))
        _ = list.replace(with: fileUsers)
        self.list = NIOLockedValueBox(list)
        self.protectedMode = protectedMode
        self.aclFilePath = aclFilePath
    }

    /// SHA-256, as Redis stores passwords.
    static func digest(_ password: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: password)) }

    /// Whether the default user asks for a password (else protected mode guards the port).
    var requiresPassword: Bool { !defaultUser.noPassword }

    /// Whether a new connection starts logged in as the default user, as Redis does when that
    /// user is on and needs no password.
    var opensWithoutPassword: Bool {
        let user = defaultUser
        return user.noPassword && user.isEnabled
    }

    private var defaultUser: ACLUser {
        list.withLockedValue { list in
            guard let user = list.user(named: AccessControlList.defaultName) else {
                preconditionFailure("the default user cannot be removed")
            }
            return user
        }
    }

    /// Whether a client may connect at all.
    func admits(fromLoopback: Bool) -> Bool { !protectedMode || requiresPassword || fromLoopback }

    /// The user a connection acts as, as it is now (nil once deleted).
    func user(named name: [UInt8]) -> ACLUser? { list.withLockedValue { $0.user(named: name) } }

    /// How many times the users may have changed: a user looked up when this was `n` is the
    /// user as it is now while it is still `n`.
    var changeCount: UInt64 { changes.load(ordering: .acquiring) }

    /// Runs `body` on the users, under the lock.
    func withList<Value, Failure: Error>(
        _ body: (inout AccessControlList) throws(Failure) -> Value
    ) throws(Failure) -> Value {
        let result = list.withLockedValue { list in
            defer { changes.add(1, ordering: .releasing) }
            return Result { () throws(Failure) in try body(&list) }
        }
        return try result.get()
    }

    /// The user the credentials open, or Redis's error for them. Digests are compared in
    /// constant time; every digest of the user is compared, so the time taken does not tell
    /// which matched.
    func authenticate(_ credentials: Credentials) -> Result<[UInt8], AuthenticationRefusal> {
        let name = credentials.username ?? AccessControlList.defaultName
        let user = self.user(named: name)
        if credentials.username == nil, user?.noPassword == true {
            // AUTH with a password alone while the default user takes any: a mistake Redis
            // points out.
            return .failure(AuthenticationRefusal(Self.noPasswordConfigured))
        }
        let presented = Self.digest(credentials.password)
        guard let user, user.isEnabled else { return .failure(AuthenticationRefusal(Self.wrongPassword)) }
        var matched = user.noPassword
        for stored in user.passwordDigests where Self.constantTimeEqual(stored, presented) { matched = true }
        return matched ? .success(name) : .failure(AuthenticationRefusal(Self.wrongPassword))
    }

    /// The error for credentials that open no user, or nil when they open one.
    func refusal(of credentials: Credentials) -> String? {
        if case .failure(let refusal) = authenticate(credentials) { return refusal.message }
        return nil
    }

    /// Equal bytes, in a time that depends only on the lengths (digests: always 32).
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static let wrongPassword = "WRONGPASS invalid username-password pair or user is disabled."
    static let noPasswordConfigured =
        "ERR AUTH <password> called without any password configured for the default user. "
        + "Are you sure your configuration is correct?"
    static let authenticationRequired = "NOAUTH Authentication required."
    static let helloRequiresAuthentication =
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
        + "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
        + "version at the same time"
    static let protectedModeDenial =
        "DENIED Synod is running in protected mode because protected mode is enabled and no password is set "
        + "for the default user. In this mode connections are only accepted from the loopback interface. "
        + "If you want to connect from external computers, either start every node with --requirepass "
        + "(or --requirepass-file), or, if the network is trusted, with --protected-mode no."
}

/// Why credentials were refused, in Redis's words.
struct AuthenticationRefusal: Error, Hashable {
    let message: String

    init(_ message: String) { self.message = message }
}
