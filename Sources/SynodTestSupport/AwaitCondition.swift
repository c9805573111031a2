/// Polls an async `condition` (a TLS request, say) until it holds or `timeout` passes;
/// returns whether it held. `waitUntil`'s twin for conditions that must await.
///
/// Tests wait on conditions, not on fixed delays: the pause between polls only paces the loop.
public func awaitCondition(
    timeout: Duration = .seconds(30),
    pollInterval: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: pollInterval)  // cancellation ends the wait at the next check
    }
    return try await condition()
}
