#if canImport(Glibc)
import Glibc
#endif

/// Unix time in milliseconds from the system's real-time clock.
func systemWallClockMilliseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
}

enum ProcessInfoShim {
    static var processID: Int32 { getpid() }
}

/// Unix time in microseconds from the system's real-time clock (TIME).
func systemWallClockMicroseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec) / 1_000
}
