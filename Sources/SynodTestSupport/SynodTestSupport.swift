/// # SynodTestSupport
///
/// Helpers for tests that run real processes: free ports, child processes that are always
/// cleaned up, and a small blocking RESP connection.
enum SynodTestSupportModule {}
