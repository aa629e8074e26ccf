import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; capture loops poll it between frames and on every read timeout, so a
/// stop flushes the output file and prints the counters instead of dying mid-write.
let stopRequested = Atomic<Bool>(false)
/// The two ends of the pipe the handler writes a byte to, so a thread can sleep until a stop
/// (`StopSignal.wait()`); -1 until `install()` made it.
private let stopPipeWrite = Atomic<Int32>(-1)
private let stopPipeRead = Atomic<Int32>(-1)

/// SIGINT and SIGTERM for every command: a plain handler that sets a flag and writes one byte to
/// a pipe — nothing else, both async-signal-safe — whichever thread the kernel picks.
///
/// (`serve` and `fuzz` used libdispatch signal sources, which on Linux read a signalfd: a
/// signal the kernel handed to a thread that did not block it never reached the source, and a
/// server sent SIGTERM by a test waited forever. A handler runs in whatever thread takes it.)
enum StopSignal {
    /// - Parameter restart: SA_RESTART, for commands whose threads block in calls that must not
    ///   see EINTR (the servers, the fuzzer's sockets); capture loops want the EINTR instead, so
    ///   a blocked read returns and the loop looks at the flag.
    static func install(restart: Bool = false) {
        stopRequested.store(false, ordering: .relaxed)
        if stopPipeWrite.load(ordering: .acquiring) < 0 {
            var fds: [Int32] = [-1, -1]
            if pipe(&fds) == 0 {
                for fd in fds {
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    _ = fcntl(fd, F_SETFL, O_NONBLOCK)
                }
                stopPipeRead.store(fds[0], ordering: .releasing)
                stopPipeWrite.store(fds[1], ordering: .releasing)
            }
        }
        let handler: @convention(c) (Int32) -> Void = { _ in
            stopRequested.store(true, ordering: .relaxed)
            let fd = stopPipeWrite.load(ordering: .relaxed)
            if fd >= 0 {
                var byte: UInt8 = 1
                _ = write(fd, &byte, 1)
            }
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = restart ? SA_RESTART : 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        // A closed stdout pipe must not kill us before the capture file is flushed.
        signal(SIGPIPE, SIG_IGN)
    }

    static var requested: Bool { stopRequested.load(ordering: .relaxed) }

    /// Blocks the calling thread until SIGINT or SIGTERM came (after `install`). It also looks at
    /// the flag every half second, so even a lost wake-up byte costs at most that.
    static func wait() {
        let fd = stopPipeRead.load(ordering: .acquiring)
        while !requested {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            // A negative fd (no pipe) is ignored by poll, which then only waits out the half second.
            if poll(&p, 1, 500) <= 0 || fd < 0 { continue }
            var sink = [UInt8](repeating: 0, count: 16)
            _ = read(fd, &sink, sink.count)
        }
    }
}
