// The one clock: seconds on CLOCK_MONOTONIC, for every wait, deadline and elapsed time of the
// modules that touch the outside world (the CLI, Chat's clients, FuzzDriver, Replay). Never the
// wall clock: a clock step (NTP, a resumed laptop) must neither end a wait early nor stretch it.
// Capture timestamps are another matter: they are the capture's own time (Wire's `Timestamp`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on the monotonic clock since an arbitrary start; only differences mean anything.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A moment on the monotonic clock, for the bounded wait
/// `deadline = now + t; while now < deadline { … wait at most deadline - now … }`.
public struct Deadline: Sendable {
    /// The moment, in `monotonicSeconds()`.
    public let at: Double

    /// `seconds` from now.
    public init(after seconds: Double) { at = monotonicSeconds() + seconds }

    /// True once the clock reached the deadline.
    public var hasPassed: Bool { monotonicSeconds() >= at }

    /// Seconds until the deadline; 0 once it passed.
    public var remaining: Double { max(0, at - monotonicSeconds()) }
}
