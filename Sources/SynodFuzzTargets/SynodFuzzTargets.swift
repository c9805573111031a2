/// SynodFuzzTargets: fuzz targets for the code that reads bytes from outside, as a pure
/// library that libFuzzer (`scripts/fuzz`), `synod-fuzz` and the tests all run.
///
/// - `FuzzTarget`: the five targets by name (`resp`, `peer-frame`, `entry`, `snapshot`,
///   `wal`), each with the properties it checks and its seed inputs.
/// - `FuzzCluster`: a small Raft group whose replicas decoded peer messages are stepped into.
/// - `FuzzMutator`: seeded random inputs, for runs without libFuzzer.
///
/// Inputs found by fuzzing live in `Tests/Fuzz`: `Corpus/<target>` (seeds, written by
/// `synod-fuzz --write-seeds`) and `Regressions/<target>` (every crash a run found), both
/// replayed by `SynodFuzzTests`.
