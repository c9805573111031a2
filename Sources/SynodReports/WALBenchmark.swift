import SynodConsensus
import SynodCore
import SynodPOSIXStorage
import SynodStorage

/// Measures durable writes on one disk, in one run: the raw fdatasync rate, the write-ahead
/// log's appends per second at several batch sizes (group commit), and the time to recover a
/// log of many entries.
///
/// Every measurement uses a fresh directory under `directory`, removed afterwards.
public struct WALBenchmark: Sendable {
    public let directory: String
    public let payloadBytes: Int
    /// How long each rate is measured.
    public let secondsPerMeasurement: Double

    public init(directory: String, payloadBytes: Int = 100, secondsPerMeasurement: Double = 2) {
        self.directory = directory
        self.payloadBytes = payloadBytes
        self.secondsPerMeasurement = secondsPerMeasurement
    }

    public struct Rate: Sendable {
        public let syncs: Int
        public let entries: Int
        public let bytes: Int
        public let seconds: Double
        public var syncsPerSecond: Double { Double(syncs) / seconds }
        public var entriesPerSecond: Double { Double(entries) / seconds }
        public var bytesPerSecond: Double { Double(bytes) / seconds }
    }

    public struct Recovery: Sendable {
        public let entries: Int
        public let logBytes: Int
        public let writeSeconds: Double
        public let recoverySeconds: Double
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    func freshDirectory(_ name: String) throws -> String {
        var files = POSIXFileSystem()
        let path = directory.appendingPathComponent(name)
        try removeTree(path)
        try files.createDirectory(path)
        return path
    }

    /// Removes what a benchmark wrote under `path` (the storage layout: files and one level of
    /// subdirectories).
    func removeTree(_ path: String) throws {
        var files = POSIXFileSystem()
        guard (try? files.fileNames(in: path)) != nil else { return }  // Absent: nothing to remove.
        for subdirectory in ["wal", "snapshots", ""] {
            let inner = subdirectory.isEmpty ? path : path.appendingPathComponent(subdirectory)
            guard let names = try? files.fileNames(in: inner) else { continue }  // Absent: nothing in it.
            for name in names { try files.remove(inner.appendingPathComponent(name)) }
            try files.removeDirectory(inner)
        }
    }

    /// Appends one small block and fdatasyncs it, over and over: what the disk itself allows.
    public func rawSyncRate() throws -> Rate {
        let path = try freshDirectory("raw")
        defer { try? removeTree(path) }  // Best effort: a leftover benchmark directory is harmless.
        var files = POSIXFileSystem()
        let file = try files.open(path.appendingPathComponent("sync-test"), create: true)
        defer { files.close(file) }
        let block = [UInt8](repeating: 0x5A, count: payloadBytes)
        let clock = ContinuousClock()
        let start = clock.now
        var syncs = 0
        while Self.seconds(clock.now - start) < secondsPerMeasurement {
            try files.write(block, to: file, at: syncs * block.count)
            try files.synchronize(file)
            syncs += 1
        }
        return Rate(syncs: syncs, entries: syncs, bytes: syncs * block.count, seconds: Self.seconds(clock.now - start))
    }

    /// Stages `batchSize` entries spread over `groupCount` groups, syncs once, repeats.
    public func appendRate(batchSize: Int, groupCount: Int) throws -> Rate {
        let path = try freshDirectory("append-\(batchSize)")
        defer { try? removeTree(path) }  // Best effort: a leftover benchmark directory is harmless.
        var (storage, _) = try DurableStorage.open(directory: path, files: POSIXFileSystem())
        let payload = [UInt8](repeating: 0x61, count: payloadBytes)
        var nextIndex = [UInt64](repeating: 1, count: groupCount)
        let clock = ContinuousClock()
        let start = clock.now
        var entries = 0
        while Self.seconds(clock.now - start) < secondsPerMeasurement {
            for group in 0..<groupCount {
                let count = batchSize / groupCount + (group < batchSize % groupCount ? 1 : 0)
                guard count > 0 else { continue }
                let first = nextIndex[group]
                let batch = (first..<first + UInt64(count)).map {
                    LogEntry(term: Term(1), index: LogIndex($0), payload: .command(payload))
                }
                try storage.stage(group: GroupID(UInt64(group) + 1), hardState: nil, snapshot: nil, entries: batch)
                nextIndex[group] += UInt64(count)
            }
            try storage.sync()
            entries += batchSize
        }
        let statistics = storage.log.statistics
        return Rate(
            syncs: statistics.syncs,
            entries: entries,
            bytes: statistics.bytesWritten,
            seconds: Self.seconds(clock.now - start)
        )
    }

    /// Writes `entryCount` entries in batches of 1024, then times opening the log and reading
    /// every entry back (what a restart does).
    public func recovery(entryCount: Int) throws -> Recovery {
        let path = try freshDirectory("recovery")
        defer { try? removeTree(path) }  // Best effort: a leftover benchmark directory is harmless.
        let payload = [UInt8](repeating: 0x62, count: payloadBytes)
        let clock = ContinuousClock()
        let writeStart = clock.now
        var (storage, _) = try DurableStorage.open(directory: path, files: POSIXFileSystem())
        var index: UInt64 = 1
        while index <= UInt64(entryCount) {
            let last = min(UInt64(entryCount), index + 1023)
            let batch = (index...last).map { LogEntry(term: Term(1), index: LogIndex($0), payload: .command(payload)) }
            try storage.stage(
                group: GroupID(1),
                hardState: HardState(term: Term(1), votedFor: NodeID(1), commit: LogIndex(last)),
                snapshot: nil,
                entries: batch
            )
            try storage.sync()
            index = last + 1
        }
        let writeSeconds = Self.seconds(clock.now - writeStart)
        let logBytes = storage.log.statistics.bytesWritten
        let recoveryStart = clock.now
        let (_, recovered) = try DurableStorage.open(directory: path, files: POSIXFileSystem())
        let recoverySeconds = Self.seconds(clock.now - recoveryStart)
        precondition(recovered[GroupID(1)]?.entries.count == entryCount, "recovery lost entries")
        return Recovery(
            entries: entryCount,
            logBytes: logBytes,
            writeSeconds: writeSeconds,
            recoverySeconds: recoverySeconds
        )
    }
}

extension String {
    fileprivate func appendingPathComponent(_ name: String) -> String {
        hasSuffix("/") ? self + name : self + "/" + name
    }
}
