/// # SynodCore
///
/// Pure primitives that every other Synod target shares: identifiers of cluster members,
/// a seeded random generator (the only source of randomness in the pure core), and the
/// stable hash function used for placement. Nothing here performs I/O or reads a clock.
enum SynodCoreModule {}
