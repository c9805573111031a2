/// SynodStorage: the durable storage of a node, written against a small file-I/O protocol
/// so that the same code runs on a real disk and on a simulated one that crashes, tears
/// writes and flips bits.
///
/// - `FileSystem`: the protocol; `InMemoryFileSystem` is the simulated disk.
/// - `WriteAheadLog`: one segmented log per node for the entries and hard state of every
///   group it hosts, with group commit and recovery that tells a torn tail from corruption.
/// - `SnapshotStore`: checksummed snapshot files, written atomically.
/// - `DurableStorage`: the two together, as the consensus driver uses them.
