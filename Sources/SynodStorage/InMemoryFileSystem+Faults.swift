/// The faults a simulated disk can inject: a full disk, failed writes and syncs, crashes that
/// lose or tear unsynced data, and bit flips in stored data.
extension InMemoryFileSystem {
    public struct Faults: Hashable, Sendable {
        /// Bytes all files together may hold; a write that would grow past it fails with
        /// "no space left on device" and writes nothing.
        public var capacityBytes: Int?
        /// The next write fails with an I/O error and writes nothing.
        public var failNextWrite = false
        /// The next fdatasync fails, and the data it should have saved is lost for good.
        public var failNextSync = false
        /// fdatasync and directory fsync return without making anything durable: the machine
        /// is about to lose power before the sync would have finished, so nothing after it
        /// reaches the disk either (tests crash right after; `crash` clears it).
        public var syncsNeverComplete = false

        public init() {}
    }

    /// What survives a crash of the unsynced bytes appended to one file.
    public enum TailOutcome: Hashable, Sendable {
        /// None of them (the usual case).
        case lost
        /// The first `keptCount` bytes, followed by `zeroCount` zero bytes: a torn write, as
        /// a file system leaves it when the size reached the disk before all of the data.
        case torn(keptCount: Int, zeroCount: Int)
    }

    /// The bytes all files hold.
    public var usedBytes: Int { Set(names.values).reduce(0) { $0 + inodes[$1]!.current.count } }

    /// Every file's path, sorted.
    public var paths: [String] { names.keys.sorted() }

    /// What a read of `path` returns, or nil when it does not exist.
    public func contents(of path: String) -> [UInt8]? { names[path].map { inodes[$0]!.current } }

    /// The unsynced bytes appended to `path` since its last fdatasync (what a crash may lose).
    public func unsyncedTailCount(of path: String) -> Int {
        guard let inode = names[path].map({ inodes[$0]! }), inode.current.starts(with: inode.durable) else { return 0 }
        return inode.current.count - inode.durable.count
    }

    mutating func injectWriteFault(bytes: [UInt8], inode: Int, at offset: Int, path: String) throws(FileSystemError) {
        if faults.failNextWrite {
            faults.failNextWrite = false
            throw FileSystemError(.inputOutput("input/output error"), operation: "pwrite", path: path)
        }
        if let capacity = faults.capacityBytes {
            let growth = max(0, offset + bytes.count - inodes[inode]!.current.count)
            if usedBytes + growth > capacity { throw FileSystemError(.diskFull, operation: "pwrite", path: path) }
        }
    }

    /// The machine loses power: open files are gone, unsynced directory changes are undone,
    /// and each file keeps its synced contents plus what `unsyncedTail` decides survives of the
    /// bytes appended since (a file rewritten in place since its last sync keeps its old
    /// contents).
    public mutating func crash(unsyncedTail: (_ path: String, _ unsyncedCount: Int) -> TailOutcome = { _, _ in .lost })
    {
        openFiles = [:]
        faults.syncsNeverComplete = false
        names = durableNames
        let live = Set(names.values)
        inodes = inodes.filter { live.contains($0.key) }
        for (path, inode) in names.sorted(by: { $0.key < $1.key }) {
            var file = inodes[inode]!
            let tail = file.current.starts(with: file.durable) ? file.current.count - file.durable.count : 0
            var survivor = file.durable
            if tail > 0, !file.lostOnFailedSync, case .torn(let keptCount, let zeroCount) = unsyncedTail(path, tail) {
                precondition(
                    keptCount >= 0 && keptCount <= tail && zeroCount >= 0,
                    "a torn write keeps part of the tail"
                )
                survivor += file.current[file.durable.count..<file.durable.count + keptCount]
                survivor += [UInt8](repeating: 0, count: zeroCount)
            }
            file.current = survivor
            file.durable = survivor
            file.lostOnFailedSync = false
            inodes[inode] = file
        }
    }

    /// Flips one bit of stored data, synced or not: a latent sector error or a bad cable.
    public mutating func flipBit(in path: String, atByte offset: Int, bit: Int) {
        guard let inode = names[path] else { preconditionFailure("no file \(path)") }
        precondition(offset < inodes[inode]!.current.count && (0..<8).contains(bit), "flip outside the file")
        inodes[inode]!.current[offset] ^= 1 << UInt8(bit)
        if offset < inodes[inode]!.durable.count { inodes[inode]!.durable[offset] ^= 1 << UInt8(bit) }
    }
}
