import CSynodWriteback
import Dispatch
import SynodStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `FileSystem` on a real disk, through the POSIX calls themselves (pread, pwrite, fdatasync,
/// fsync of directories), so that what storage asks for is exactly what reaches the kernel.
///
/// Blocking: call it from the thread that owns storage, never from an event loop.
public struct POSIXFileSystem: FileSystem {
    public init() {}

    /// Every copy reaches the same disk, and an open file descriptor may be read from any thread.
    public static var copiesShareFiles: Bool { true }

    static func failure(_ operation: String, _ path: String, code: Int32 = errno) -> FileSystemError {
        switch code {
        case ENOSPC, EDQUOT: FileSystemError(.diskFull, operation: operation, path: path)
        case ENOENT: FileSystemError(.notFound, operation: operation, path: path)
        default: FileSystemError(.inputOutput(String(cString: strerror(code))), operation: operation, path: path)
        }
    }

    public mutating func open(_ path: String, create: Bool) throws(FileSystemError) -> OpenFileID {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        while true {
            let descriptor = Glibc.open(path, flags, 0o644)
            if descriptor >= 0 { return OpenFileID(descriptor) }
            if errno != EINTR { throw Self.failure("open", path) }
        }
    }

    public mutating func close(_ file: OpenFileID) { _ = Glibc.close(file.rawValue) }

    public mutating func size(of file: OpenFileID) throws(FileSystemError) -> Int {
        var status = stat()
        guard fstat(file.rawValue, &status) == 0 else { throw Self.failure("fstat", "fd \(file.rawValue)") }
        return Int(status.st_size)
    }

    public mutating func read(_ file: OpenFileID, at offset: Int, count: Int) throws(FileSystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(file.rawValue, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.failure("pread", "fd \(file.rawValue)")
            }
            done += result
        }
        bytes.removeLast(count - done)
        return bytes
    }

    public mutating func write(_ bytes: [UInt8], to file: OpenFileID, at offset: Int) throws(FileSystemError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(file.rawValue, buffer.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.failure("pwrite", "fd \(file.rawValue)")
            }
            done += result
        }
    }

    public mutating func truncate(_ file: OpenFileID, to size: Int) throws(FileSystemError) {
        guard ftruncate(file.rawValue, off_t(size)) == 0 else { throw Self.failure("ftruncate", "fd \(file.rawValue)") }
    }

    public mutating func synchronize(_ file: OpenFileID) throws(FileSystemError) {
        // Never retried, not even on EINTR: after a failed fdatasync the data may be gone.
        guard fdatasync(file.rawValue) == 0 else { throw Self.failure("fdatasync", "fd \(file.rawValue)") }
    }

    public mutating func startWriteback(_ file: OpenFileID, at offset: Int, count: Int) {
        // A hint: a failure leaves the work to the fdatasync that follows.
        _ = synod_start_writeback(file.rawValue, Int64(offset), Int64(count))
    }

    public mutating func fileNames(in directory: String) throws(FileSystemError) -> [String] {
        guard let stream = opendir(directory) else { throw Self.failure("opendir", directory) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            var status = stat()
            guard name != ".", name != "..", stat(directory + "/" + name, &status) == 0,
                (status.st_mode & S_IFMT) == S_IFREG
            else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// Each directory it creates is made durable in its parent (an fsync of the parent): a
    /// new data directory's files must not vanish with their directory entry in a crash.
    public mutating func createDirectory(_ directory: String) throws(FileSystemError) {
        var path = ""
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            let parent = path.isEmpty ? (directory.hasPrefix("/") ? "/" : ".") : path
            path += (path.isEmpty && !directory.hasPrefix("/") ? "" : "/") + component
            if mkdir(path, 0o755) == 0 {
                try synchronizeDirectory(parent)
            } else if errno != EEXIST {
                throw Self.failure("mkdir", path)
            }
        }
    }

    public mutating func rename(_ source: String, to destination: String) throws(FileSystemError) {
        guard Glibc.rename(source, destination) == 0 else { throw Self.failure("rename", source) }
    }

    /// Removes the name at once; a big file's pages are freed on another thread. The thread
    /// that drops a file's last reference frees its pages, and for a snapshot of hundreds of
    /// megabytes just written (most of it still in the page cache) that took a loop 30 ms per
    /// 500 MB: with a descriptor held open, `unlink` only drops the name, and the pages go
    /// when `closingQueue` closes it.
    public mutating func remove(_ path: String) throws(FileSystemError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard unlink(path) == 0 else {
            let failure = Self.failure("unlink", path)
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            throw failure
        }
        if descriptor >= 0 { Self.closingQueue.async { _ = Glibc.close(descriptor) } }
    }

    /// Where the descriptors of removed files are closed (see `remove`).
    static let closingQueue = DispatchQueue(label: "synod.removed-files", qos: .utility)

    /// Removes an empty directory (not part of `FileSystem`: storage never removes directories).
    public mutating func removeDirectory(_ directory: String) throws(FileSystemError) {
        guard rmdir(directory) == 0 else { throw Self.failure("rmdir", directory) }
    }

    public mutating func synchronizeDirectory(_ directory: String) throws(FileSystemError) {
        let descriptor = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure("open", directory) }
        defer { _ = Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", directory) }
    }
}
