/// # SynodPartitioning
///
/// Where data lives: the Redis Cluster key-slot function, and placement strategies that map
/// keys or slots to nodes (a consistent hash ring with virtual nodes, weights and an optional
/// bounded-load mode; jump consistent hash; rendezvous hashing) behind one small protocol.
/// Pure: no I/O, no clocks, deterministic across processes and machines.
enum SynodPartitioningModule {}
