/// # SynodSimulation
///
/// Deterministic simulation of whole Synod clusters: the real consensus core of every node,
/// driven by one seeded generator through a simulated network, disk and clocks with fault
/// injection, with simulated clients whose history is checked for linearizability and
/// checkers for the protocol's invariants. Same seed, same run, bit for bit. Pure: no I/O,
/// no clocks, no threads.
enum SynodSimulationModule {}
