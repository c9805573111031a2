import SynodCommands
import SynodPOSIXStorage
import SynodStorage

/// `--aclfile` on the disk: read at start and by ACL LOAD, written by ACL SAVE. Blocking
/// calls: the connection runs them on a thread pool, never on an event loop.
enum AccessControlFile {
    /// The users the file defines, or the error ACL LOAD answers (Redis's words where it has them).
    static func load(_ path: String) -> Result<[ACLUser], CommandRejection> {
        read(path).flatMap { ACLFile.parse($0, path: path, digest: ClientAuthentication.digest) }
    }

    static func read(_ path: String) -> Result<[UInt8], CommandRejection> {
        var files = POSIXFileSystem()
        do throws(FileSystemError) {
            let file = try files.open(path, create: false)
            defer { files.close(file) }
            let size = try files.size(of: file)
            guard size <= ACLLimits.fileBytesMax else {
                return .failure(CommandRejection("ERR \(path) is larger than \(ACLLimits.fileBytesMax) bytes"))
            }
            return .success(try files.read(file, at: 0, count: size))
        } catch {
            return .failure(CommandRejection("ERR Error loading ACLs, opening file '\(path)': \(error)"))
        }
    }

    /// Replaces the file with `bytes` as one step: a temporary file beside it, synced, renamed
    /// over it, and the directory synced, so a crash leaves the old file or the new one.
    static func write(_ bytes: [UInt8], to path: String) -> CommandRejection? {
        var files = POSIXFileSystem()
        let temporary = path + ".tmp"
        do throws(FileSystemError) {
            let file = try files.open(temporary, create: true)
            defer { files.close(file) }
            try files.truncate(file, to: 0)
            try files.write(bytes, to: file, at: 0)
            try files.synchronize(file)
            try files.rename(temporary, to: path)
            try files.synchronizeDirectory(directory(of: path))
            return nil
        } catch {
            return CommandRejection(
                "ERR There was an error trying to save the ACLs. Please check the server logs for more information: \(error)"
            )
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
