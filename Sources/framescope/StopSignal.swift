import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; capture loops poll it between frames and on every read timeout, so a
/// stop flushes the output file and prints the counters instead of dying mid-write.
let stopRequested = Atomic<Bool>(false)

enum StopSignal {
    static func install() {
        stopRequested.store(false, ordering: .relaxed)
        let handler: @convention(c) (Int32) -> Void = { _ in
            stopRequested.store(true, ordering: .relaxed)
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked read returns EINTR and the loop looks at the flag
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A closed stdout pipe must not kill us before the capture file is flushed.
        signal(SIGPIPE, SIG_IGN)
    }

    static var requested: Bool { stopRequested.load(ordering: .relaxed) }
}
