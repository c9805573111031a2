/// # SynodBalancing
///
/// Where requests go: load-balancing policies over a pool of backends, and outlier ejection.
/// Pure: time is passed in by the caller and randomness is an injected seeded generator.
enum SynodBalancingModule {}
