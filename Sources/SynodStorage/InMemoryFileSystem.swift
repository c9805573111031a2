/// A simulated disk that keeps, for every file, what a read sees and what would survive a
/// crash, and that can be told to fail, fill up, tear writes and flip bits.
///
/// It follows `FileSystem`'s durability rules to the letter (unsynced data and unsynced
/// directory changes are lost on `crash`), so storage code that is correct here does not rely
/// on luck with a real disk. Deterministic: every choice comes from the caller.
public struct InMemoryFileSystem: FileSystem {
    struct Inode: Sendable {
        /// What reads see.
        var current: [UInt8] = []
        /// What survives a crash: the contents as of the last successful fdatasync.
        var durable: [UInt8] = []
        /// A failed fdatasync lost the unsynced data for good: later syncs do not save it
        /// (Linux's behaviour that "fsyncgate" made famous).
        var lostOnFailedSync = false
    }

    var inodes: [Int: Inode] = [:]
    /// Path to inode, as reads see it.
    var names: [String: Int] = [:]
    /// Path to inode, as a crash would leave it.
    var durableNames: [String: Int] = [:]
    var directories: Set<String> = []
    var openFiles: [OpenFileID: Int] = [:]
    var nextInode = 1
    var nextFile: Int32 = 3

    /// Faults to inject; see `InMemoryFileSystem+Faults.swift`.
    public var faults = Faults()
    public private(set) var statistics = Statistics()

    public struct Statistics: Hashable, Sendable {
        public var writes = 0
        public var bytesWritten = 0
        public var fileSyncs = 0
        public var directorySyncs = 0
    }

    public init() {}

    /// A copy holds its own files: snapshots are read into memory instead of kept open.
    public static var copiesShareFiles: Bool { false }

    // Searched as bytes: a search by Character was most of a directory sync's time with
    // thousands of files (the simulator's thousands of groups).
    static func parent(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Whether `path` names an entry of `directory` itself (`parent(of:)` is `directory`),
    /// compared as bytes without building the parent.
    static func isEntry(_ path: String, of directory: String) -> Bool {
        let bytes = path.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return directory == "." }
        if slash == bytes.startIndex { return directory == "/" }
        return bytes[..<slash].elementsEqual(directory.utf8)
    }

    static func name(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }

    func inode(of file: OpenFileID, operation: String) throws(FileSystemError) -> Int {
        guard let inode = openFiles[file] else {
            throw FileSystemError(
                .inputOutput("bad file descriptor"),
                operation: operation,
                path: "fd \(file.rawValue)"
            )
        }
        return inode
    }

    func path(of file: OpenFileID) -> String {
        guard let inode = openFiles[file], let name = names.first(where: { $0.value == inode })?.key else {
            return "fd \(file.rawValue)"
        }
        return name
    }

    public mutating func open(_ path: String, create: Bool) throws(FileSystemError) -> OpenFileID {
        guard directories.contains(Self.parent(of: path)) else {
            throw FileSystemError(.notFound, operation: "open", path: path)
        }
        let inode: Int
        if let existing = names[path] {
            inode = existing
        } else {
            guard create else { throw FileSystemError(.notFound, operation: "open", path: path) }
            inode = nextInode
            nextInode += 1
            inodes[inode] = Inode()
            names[path] = inode
        }
        let file = OpenFileID(nextFile)
        nextFile += 1
        openFiles[file] = inode
        return file
    }

    public mutating func close(_ file: OpenFileID) { openFiles[file] = nil }

    public mutating func size(of file: OpenFileID) throws(FileSystemError) -> Int {
        inodes[try inode(of: file, operation: "fstat")]!.current.count
    }

    public mutating func read(_ file: OpenFileID, at offset: Int, count: Int) throws(FileSystemError) -> [UInt8] {
        let contents = inodes[try inode(of: file, operation: "pread")]!.current
        guard offset < contents.count else { return [] }
        return Array(contents[offset..<min(contents.count, offset + count)])
    }

    public mutating func write(_ bytes: [UInt8], to file: OpenFileID, at offset: Int) throws(FileSystemError) {
        let inode = try inode(of: file, operation: "pwrite")
        try injectWriteFault(bytes: bytes, inode: inode, at: offset, path: path(of: file))
        statistics.writes += 1
        statistics.bytesWritten += bytes.count
        var contents = inodes[inode]!.current
        inodes[inode]!.current = []
        if contents.count < offset { contents += [UInt8](repeating: 0, count: offset - contents.count) }
        let overlap = min(bytes.count, contents.count - offset)
        contents.replaceSubrange(offset..<offset + overlap, with: bytes[..<overlap])
        contents += bytes[overlap...]
        inodes[inode]!.current = contents
    }

    public mutating func truncate(_ file: OpenFileID, to size: Int) throws(FileSystemError) {
        let inode = try inode(of: file, operation: "ftruncate")
        let contents = inodes[inode]!.current
        inodes[inode]!.current =
            size <= contents.count
            ? Array(contents[..<size]) : contents + [UInt8](repeating: 0, count: size - contents.count)
    }

    public mutating func synchronize(_ file: OpenFileID) throws(FileSystemError) {
        let inode = try inode(of: file, operation: "fdatasync")
        if faults.failNextSync {
            faults.failNextSync = false
            inodes[inode]!.lostOnFailedSync = true
            throw FileSystemError(.inputOutput("input/output error"), operation: "fdatasync", path: path(of: file))
        }
        statistics.fileSyncs += 1
        if !inodes[inode]!.lostOnFailedSync && !faults.syncsNeverComplete {
            inodes[inode]!.durable = inodes[inode]!.current
        }
    }

    public mutating func fileNames(in directory: String) throws(FileSystemError) -> [String] {
        guard directories.contains(directory) else {
            throw FileSystemError(.notFound, operation: "opendir", path: directory)
        }
        return names.keys.filter { Self.parent(of: $0) == directory }.map(Self.name(of:)).sorted()
    }

    public mutating func createDirectory(_ directory: String) throws(FileSystemError) {
        var path = directory
        while path != "/" && path != "." && !directories.contains(path) {
            directories.insert(path)
            path = Self.parent(of: path)
        }
    }

    public mutating func rename(_ source: String, to destination: String) throws(FileSystemError) {
        guard let inode = names[source] else { throw FileSystemError(.notFound, operation: "rename", path: source) }
        guard directories.contains(Self.parent(of: destination)) else {
            throw FileSystemError(.notFound, operation: "rename", path: destination)
        }
        names[source] = nil
        names[destination] = inode
    }

    public mutating func remove(_ path: String) throws(FileSystemError) {
        guard names.removeValue(forKey: path) != nil else {
            throw FileSystemError(.notFound, operation: "unlink", path: path)
        }
    }

    public mutating func synchronizeDirectory(_ directory: String) throws(FileSystemError) {
        guard directories.contains(directory) else {
            throw FileSystemError(.notFound, operation: "fsync", path: directory)
        }
        statistics.directorySyncs += 1
        guard !faults.syncsNeverComplete else { return }
        // Only what differs changes: rewriting every entry of a directory of thousands of files
        // (the simulator's thousands of groups) at each sync was a sixth of a run.
        let removed = durableNames.keys.filter { names[$0] == nil && Self.isEntry($0, of: directory) }
        for path in removed { durableNames[path] = nil }
        let changed = names.filter { durableNames[$0.key] != $0.value && Self.isEntry($0.key, of: directory) }
        for (path, inode) in changed { durableNames[path] = inode }
    }
}
