// The POSIX calls of the module (open, read, write, close), each with its EINTR loop, in the
// swift-system manner: small wrappers returning the errno text, so callers build PcapError.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `strerror` text of a failed call (internal: callers turn it into a PcapError).
struct ErrnoText: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

enum FileIO {
    /// `strerror(errno)` for the current errno.
    static func errnoText(_ code: Int32 = errno) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// Opens `path` read-only. The corresponding C function is `open`.
    static func openForReading(_ path: String) -> Result<Int32, PcapError> {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return .success(fd) }
            if errno == EINTR { continue }
            return .failure(.open(path: path, message: errnoText()))
        }
    }

    /// Creates or truncates `path` for writing, mode 0644. The corresponding C function is `open`.
    static func openForWriting(_ path: String) -> Result<Int32, PcapError> {
        while true {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 { return .success(fd) }
            if errno == EINTR { continue }
            return .failure(.open(path: path, message: errnoText()))
        }
    }

    /// One `read(2)` of at most `count` bytes, retried on EINTR: bytes read (0 at end of file),
    /// or the errno text.
    static func readSome(_ fd: Int32, into pointer: UnsafeMutableRawPointer, count: Int) -> Result<Int, ErrnoText> {
        while true {
            let n = read(fd, pointer, count)
            if n >= 0 { return .success(n) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                // A non-blocking descriptor (e.g. an inherited stdin): wait instead of spinning.
                var waiter = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&waiter, 1, -1)
                continue
            }
            return .failure(ErrnoText(errnoText()))
        }
    }

    /// Writes all `count` bytes, looping over short writes and EINTR. The C function is `write`.
    static func writeAll(_ fd: Int32, _ pointer: UnsafeRawPointer, count: Int) -> Result<Void, ErrnoText> {
        var done = 0
        while done < count {
            let n = write(fd, pointer + done, count - done)
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return .failure(ErrnoText(n == 0 ? "write wrote nothing" : errnoText()))
            }
        }
        return .success(())
    }

    /// Closes `fd`; the descriptor is gone afterwards even on EINTR (Linux semantics).
    @discardableResult
    static func closeDescriptor(_ fd: Int32) -> Result<Void, ErrnoText> {
        if close(fd) == 0 || errno == EINTR { return .success(()) }
        return .failure(ErrnoText(errnoText()))
    }
}
