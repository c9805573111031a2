import Crypto
import SynodCommands
import SynodCore

/// Who may use the client port, as Redis decides it for its default user: with
/// `--requirepass` a client must present the password (AUTH, or HELLO ... AUTH); without
/// one any password opens the default user, and protected mode (on by default) refuses
/// clients that are not on loopback.
struct ClientAuthentication: Sendable {
    /// SHA-256 of the password; compared digest to digest, in constant time.
    private let passwordDigest: SHA256.Digest?
    let protectedMode: Bool

    init(password: [UInt8]?, protectedMode: Bool) {
        passwordDigest = password.map { SHA256.hash(data: $0) }
        self.protectedMode = protectedMode
    }

    var requiresPassword: Bool { passwordDigest != nil }

    /// Whether a client may connect at all.
    func admits(fromLoopback: Bool) -> Bool { !protectedMode || requiresPassword || fromLoopback }

    /// The error for credentials that do not open the default user, or nil when they do.
    func refusal(of credentials: Credentials) -> String? {
        if let username = credentials.username, username != Array("default".utf8) { return Self.wrongPassword }
        guard let passwordDigest else {
            // No password: the default user takes any, but AUTH with a password alone is a
            // mistake Redis points out.
            return credentials.username == nil ? Self.noPasswordConfigured : nil
        }
        return SHA256.hash(data: credentials.password) == passwordDigest ? nil : Self.wrongPassword
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
