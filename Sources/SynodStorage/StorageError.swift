/// Why storage stopped. Every case means the node must stop: storage never retries a failed
/// write or sync (the data it meant to save may already be gone), and never starts on data it
/// cannot trust.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file operation failed (a full disk, an I/O error).
    case fileSystem(FileSystemError)
    /// Data that was written in full reads back wrong, or is missing.
    case corruption(path: String, offset: Int, reason: String)
    /// An earlier write or sync failed; nothing more is accepted.
    case stopped(cause: String)

    public var description: String {
        switch self {
        case .fileSystem(let error):
            "storage failed: \(error). The node stops; nothing that was not durable was acknowledged."
        case .corruption(let path, let offset, let reason):
            """
            corrupt data in \(path) at offset \(offset): \(reason). The node will not start on it, \
            because that could lose acknowledged writes. Recover it from its peers: \
            see docs/STORAGE.md, "Recovering a node whose data is corrupt".
            """
        case .stopped(let cause): "storage stopped after an earlier failure: \(cause)"
        }
    }
}
