/// # SynodConsensus
///
/// The contract between a replicated-log protocol (Raft today, Multi-Paxos later) and the
/// node runtime that drives it: log entries, durable state, and the `Ready` batch that tells
/// the driver what to persist, send and apply, in which order. Pure: no I/O, no clocks.
enum SynodConsensusModule {}
