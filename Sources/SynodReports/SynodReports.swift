/// # SynodReports
///
/// Measured reports about the pure libraries, printed by `synod partition-report` and
/// `synod balance-report`. This target is the shell around them: it reads the clock to
/// measure lookup speed.
enum SynodReportsModule {}
