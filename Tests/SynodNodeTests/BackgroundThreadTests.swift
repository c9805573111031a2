import Glibc
import NIOPosix
import Testing

@testable import SynodNode

/// Snapshots and the freeing of replaced states run below the loop's CPU priority, so that on
/// a small machine they never hold a consensus loop off the CPU; the threads that run the
/// log's syncs, and the caller, keep theirs.
struct BackgroundThreadTests {
    static func niceness() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func backgroundWorkRunsBelowTheLoopsPriority() async throws {
        let background = BackgroundThread.start()
        let syncThreads = NIOThreadPool(numberOfThreads: 1)
        syncThreads.start()
        let callers = Self.niceness()
        let backgrounds = try await background.runIfActive { Self.niceness() }
        let syncs = try await syncThreads.runIfActive { Self.niceness() }
        #expect(backgrounds == min(callers + BackgroundThread.niceness, 19))
        #expect(syncs == callers)
        #expect(Self.niceness() == callers, "only the background thread is lowered")
        try await background.shutdownGracefully()
        try await syncThreads.shutdownGracefully()
    }
}
