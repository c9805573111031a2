/// # SynodRaft
///
/// The Raft consensus protocol (Ongaro and Ousterhout; Ongaro's thesis) as a pure,
/// deterministic value: `RaftReplica` implements `ConsensusReplica`. It has no threads, no
/// clock (time is `tick()`), no I/O (the driver persists and sends what `Ready` lists) and no
/// global randomness (election jitter comes from a seeded generator in its configuration).
///
/// Features: pre-vote, check-quorum, pipelined replication with flow control, fast conflict
/// backtracking, snapshots sent in chunks, single-member changes with learners, leadership
/// transfer, ReadIndex and lease reads.
///
/// Messages come from the network, where anyone may write: `step` checks each one before use
/// (`RaftMessage+Validation`, `RaftReplica+Admission`) and drops, and counts in
/// `droppedMessages`, what no correct peer would send. Preconditions guard the protocol's own
/// logic only; terms and indexes from outside are bounded by `Term.acceptedMax` and
/// `LogIndex.acceptedMax`, so their arithmetic cannot overflow.
enum SynodRaftModule {}
