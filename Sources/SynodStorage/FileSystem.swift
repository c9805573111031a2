/// The file operations storage needs, and nothing more: small enough that an in-memory
/// implementation can model exactly what survives a crash.
///
/// Durability rules (the POSIX ones, taken at their most pessimistic):
/// - `write` changes what `read` returns at once, but nothing written survives a crash until
///   `synchronize` (fdatasync) of that file returns.
/// - Creating, renaming and removing a file survive a crash only after `synchronizeDirectory`
///   of the directory that holds it.
/// - After a failed `synchronize`, the data written since the last successful one may be gone
///   even if a later `synchronize` succeeds (Linux clears the dirty flag on error): callers
///   must stop, never retry.
public protocol FileSystem: Sendable {
    /// Whether a copy of the value sees the same files and may keep one open to read it from
    /// another thread (a real disk), rather than holding its own copy of every file (a
    /// simulated one).
    static var copiesShareFiles: Bool { get }
    /// Opens `path`; creates an empty file when it does not exist and `create` is true.
    mutating func open(_ path: String, create: Bool) throws(FileSystemError) -> OpenFileID
    mutating func close(_ file: OpenFileID)
    mutating func size(of file: OpenFileID) throws(FileSystemError) -> Int
    /// Reads up to `count` bytes at `offset` (fewer at the end of the file).
    mutating func read(_ file: OpenFileID, at offset: Int, count: Int) throws(FileSystemError) -> [UInt8]
    /// Writes all of `bytes` at `offset`, or throws.
    mutating func write(_ bytes: [UInt8], to file: OpenFileID, at offset: Int) throws(FileSystemError)
    mutating func truncate(_ file: OpenFileID, to size: Int) throws(FileSystemError)
    /// fdatasync: makes the file's data and size durable.
    mutating func synchronize(_ file: OpenFileID) throws(FileSystemError)
    /// The names (not paths) of the regular files in `directory`, sorted.
    mutating func fileNames(in directory: String) throws(FileSystemError) -> [String]
    /// Creates `directory` and its missing parents, durably (each new entry is fsynced in its
    /// parent); does nothing when it exists.
    mutating func createDirectory(_ directory: String) throws(FileSystemError)
    /// Atomically replaces `destination` with `source`.
    mutating func rename(_ source: String, to destination: String) throws(FileSystemError)
    mutating func remove(_ path: String) throws(FileSystemError)
    /// fsync of a directory: makes creations, renames and removals in it durable.
    mutating func synchronizeDirectory(_ directory: String) throws(FileSystemError)
    /// Starts writing `count` bytes of `file` from `offset` to the disk without waiting
    /// (sync_file_range), so that a later `synchronize` of a large file has less to wait for.
    /// A hint: it makes nothing durable, and it may be ignored.
    mutating func startWriteback(_ file: OpenFileID, at offset: Int, count: Int)
}

extension FileSystem {
    /// Nothing written is durable before `synchronize` (the pessimistic model), so a file
    /// system without writeback of its own ignores the hint.
    public mutating func startWriteback(_ file: OpenFileID, at offset: Int, count: Int) {}
}

/// An open file of a `FileSystem` (a file descriptor on a real disk).
public struct OpenFileID: Hashable, Sendable {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }
}

/// A failed file operation, with what was attempted on which path.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        case notFound
        /// No space left on the device (ENOSPC, EDQUOT).
        case diskFull
        /// Any other failure, with the system's words for it.
        case inputOutput(String)
    }

    public let kind: Kind
    public let operation: String
    public let path: String

    public init(_ kind: Kind, operation: String, path: String) {
        self.kind = kind
        self.operation = operation
        self.path = path
    }

    public var description: String {
        switch kind {
        case .notFound: "\(operation) \(path): no such file"
        case .diskFull: "\(operation) \(path): no space left on device"
        case .inputOutput(let detail): "\(operation) \(path): \(detail)"
        }
    }
}

extension String {
    /// `self` and `name` joined by one slash.
    func appendingPathComponent(_ name: String) -> String { hasSuffix("/") ? self + name : self + "/" + name }
}
