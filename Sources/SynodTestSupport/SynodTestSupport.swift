/// # SynodTestSupport
///
/// Helpers for tests that run real processes: free ports, child processes that are always
/// cleaned up, and a small blocking RESP connection; for TLS, a test certificate authority
/// (swift-certificates) whose files go to a temporary directory, and a RESP client over TLS.
enum SynodTestSupportModule {}
