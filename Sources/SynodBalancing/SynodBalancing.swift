/// # SynodBalancing
///
/// Where requests go: load-balancing policies over a pool of backends (round-robin, smooth
/// weighted round-robin, least outstanding requests, power of two choices over a peak EWMA,
/// consistent-hash affinity with bounded load) behind `LoadBalancingPolicy`, outlier ejection
/// (`OutlierDetector`), and a `Balancer` that combines the two.
/// Pure: time is passed in by the caller and randomness is an injected seeded generator.
enum SynodBalancingModule {}
