import SynodCommands

/// `--aclfile`: where a node's ACL users are loaded from at start and by ACL LOAD, and saved
/// to by ACL SAVE. ACL users are per node, as in Redis Cluster: each node reads its own file.
public struct AccessControlSettings: Sendable {
    /// nil: the users live in memory only (ACL LOAD and ACL SAVE answer an error).
    public var filePath: String?
    /// The users the file held when `loadFile` read it (`ServerCommand`, at start), so that a
    /// node never starts with a file it cannot read.
    var fileUsers: [ACLUser] = []

    public init() {}

    /// Reads and checks the file; a description of what is wrong with it, or nil.
    public mutating func loadFile() -> String? {
        guard let filePath else { return nil }
        switch AccessControlFile.load(filePath) {
        case .success(let users):
            fileUsers = users
            return nil
        case .failure(let rejection):
            return "--aclfile: " + rejection.message.dropFirst("ERR ".count)
        }
    }
}
