import NIOCore
import SynodCommands
import Testing

@testable import SynodNode

/// The default user's password and protected mode, as Redis decides them.
struct ClientAuthenticationTests {
    static func credentials(_ username: String?, _ password: String) -> Credentials {
        Credentials(username: username.map { Array($0.utf8) }, password: Array(password.utf8))
    }

    @Test func withAPasswordOnlyThatPasswordOpensTheDefaultUser() {
        let authentication = ClientAuthentication(password: Array("s3cret".utf8), protectedMode: true)
        #expect(authentication.requiresPassword)
        #expect(authentication.refusal(of: Self.credentials(nil, "s3cret")) == nil)
        #expect(authentication.refusal(of: Self.credentials("default", "s3cret")) == nil)
        for wrong in [
            Self.credentials(nil, "s3cre"), Self.credentials(nil, "s3cret "), Self.credentials(nil, ""),
            Self.credentials("default", "nope"), Self.credentials("admin", "s3cret"),
        ] {
            #expect(authentication.refusal(of: wrong) == ClientAuthentication.wrongPassword)
        }
        // A password means protected mode has nothing left to protect.
        #expect(authentication.admits(fromLoopback: false))
    }

    @Test func withoutAPasswordTheDefaultUserTakesAnyAndOnlyLoopbackMayConnect() {
        let authentication = ClientAuthentication(password: nil, protectedMode: true)
        #expect(authentication.refusal(of: Self.credentials("default", "anything")) == nil)
        #expect(
            authentication.refusal(of: Self.credentials(nil, "anything")) == ClientAuthentication.noPasswordConfigured
        )
        #expect(authentication.refusal(of: Self.credentials("admin", "x")) == ClientAuthentication.wrongPassword)
        #expect(authentication.admits(fromLoopback: true))
        #expect(!authentication.admits(fromLoopback: false))
        #expect(ClientAuthentication(password: nil, protectedMode: false).admits(fromLoopback: false))
    }

    @Test func loopbackAddresses() throws {
        #expect(try SocketAddress(ipAddress: "127.0.0.1", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "127.255.0.9", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "::1", port: 1).isLoopback)
        #expect(try SocketAddress(ipAddress: "::ffff:127.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "10.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "128.0.0.1", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "::2", port: 1).isLoopback)
        #expect(try !SocketAddress(ipAddress: "fe80::1", port: 1).isLoopback)
    }

    @Test func beforeAuthenticatingOnlyAuthHelloWithAuthAndQuitRun() {
        let refusal = RESPConnectionHandler.refusalBeforeAuthentication
        #expect(refusal(CommandParser.parse([Array("AUTH".utf8), Array("x".utf8)])) == nil)
        #expect(refusal(CommandParser.parse([Array("QUIT".utf8)])) == nil)
        #expect(
            refusal(CommandParser.parse(["HELLO", "3", "AUTH", "default", "x"].map { Array($0.utf8) })) == nil
        )
        #expect(
            refusal(CommandParser.parse(["HELLO", "3"].map { Array($0.utf8) }))
                == ClientAuthentication.helloRequiresAuthentication
        )
        for words in [["GET", "k"], ["SET", "k", "v"], ["PING"], ["CLIENT", "LIST"], ["SUBSCRIBE", "c"]] {
            #expect(
                refusal(CommandParser.parse(words.map { Array($0.utf8) }))
                    == ClientAuthentication.authenticationRequired
            )
        }
    }
}
