import Glibc
import NIOPosix

/// The node's background work (serializing snapshots, freeing the states they replaced) runs on
/// one thread of its own, at a lower CPU priority (10 more nice) than the event loop and the log's
/// syncs. On a small machine a snapshot of a big state written at equal priority held the
/// consensus loops of a cluster's nodes off the CPU for hundreds of milliseconds: elections.
/// At nice +10 it gets about a tenth of a contended core, and all of an idle one.
enum BackgroundThread {
    static let niceness: Int32 = 10

    /// A started pool of one thread, `niceness` nicer than its maker from its first task on.
    static func start() -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        // On Linux the nice value is the thread's own (inherited from the thread that made
        // it), and `who` 0 is the calling thread. Raising it needs no privilege; where it
        // fails, the work runs at the process's priority.
        pool.submit { _ in
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            _ = setpriority(which, 0, min(getpriority(which, 0) + niceness, 19))
        }
        return pool
    }
}
