import ArgumentParser
import Synchronization
import Capture
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

enum Terminal {
    /// Colour on a terminal only, and never when `NO_COLOR` is set (https://no-color.org).
    static func colourWanted(fd: Int32) -> Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        return isatty(fd) == 1
    }

    /// The first error (errno) writing standard output other than EPIPE; 0 when none.
    static let outputFailure = Atomic<Int32>(0)

    /// Exits with status 1 and says why when standard output could not be written.
    static func checkOutput() {
        let e = outputFailure.load(ordering: .relaxed)
        guard e != 0 else { return }
        error("cannot write standard output: \(String(cString: strerror(e)))")
        exit(1)
    }

    /// Writes all bytes, retrying short writes and EINTR; false if the reader went away (EPIPE)
    /// or the output failed (see `outputFailure`).
    static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd: fd, $0) }
    }

    static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let p = bytes.baseAddress else { return true }
        var off = 0
        while off < bytes.count {
            let n = write(fd, p + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1 && errno != EPIPE { _ = outputFailure.compareExchange(expected: 0, desired: errno, ordering: .relaxed) }
                return false
            }
            off += n
        }
        return true
    }

    /// The pipeline's notes (news, not trouble: auto choosing or switching its framing after
    /// showing provisional pieces) and limit warnings, on standard error as they happen: the
    /// first 20 of each, then a line that more were left out (one adversarial capture can hit a
    /// limit 100,000 times).
    static func warnings(_ stage: MessageStage) {
        // Called on every frame, and nearly always with nothing to say: the counters (globals,
        // checked for exclusive access at run time) are touched only when there is.
        let notices = stage.takeNotices(), warnings = stage.takeWarnings()
        if !notices.isEmpty {
            say(notices, "note: ", count: &shownNotices, "more streams settled their framing; further notes are not shown")
        }
        if !warnings.isEmpty {
            say(warnings, "warning: ", count: &shownWarnings, "more limits were hit; further warnings are not shown")
        }
    }

    private static func say(_ lines: [String], _ prefix: String, count: inout Int, _ more: String) {
        for line in lines {
            count += 1
            if count <= 20 {
                error(prefix + line)
            } else if count == 21 {
                error(prefix + more)
            }
        }
    }

    // Only touched by the thread that frames the messages (the reading loop, `messages`' print
    // queue, or `read`'s rendering queue), one at a time.
    nonisolated(unsafe) static var shownWarnings = 0
    nonisolated(unsafe) static var shownNotices = 0

    static func error(_ message: String) {
        Progress.lock.withLock { _ in
            Progress.clearLocked()
            _ = writeAll(fd: 2, Array("framescope: \(message)\n".utf8))
        }
    }
}
