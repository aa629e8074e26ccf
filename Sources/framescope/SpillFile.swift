import Foundation
import Inspect
#if canImport(Glibc)
import Glibc
#endif

/// `messages`' spill store: a temporary file in `$TMPDIR` (or /tmp) that has no name — made
/// with `O_TMPFILE`, or where the file system cannot, unlinked the moment it is made — so
/// nothing is left behind however the process ends; the open descriptor keeps it until then.
/// Appends and reads are positioned (`pwrite`/`pread`), each with its EINTR loop.
final class SpillFile: SpillStore {
    private let fd: Int32
    private var size: Int64 = 0

    #if os(Linux)
    /// Linux's `O_TMPFILE` (Glibc's macro is not imported into Swift): `__O_TMPFILE | O_DIRECTORY`.
    private static let openTmpFile: Int32 = 0o20_000_000 | O_DIRECTORY
    #endif

    /// Nil (and why, on standard error) when no temporary file can be made: `messages` then
    /// keeps its old behaviour past the bound.
    init?() {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var fd: Int32 = -1
        #if os(Linux)
        // A file that never has a name: even a SIGKILL at any instant leaves nothing.
        fd = open(dir, Self.openTmpFile | O_RDWR | O_CLOEXEC, 0o600)
        #endif
        if fd < 0 {
            // mkstemp, then unlink at once (only a kill between the two would leave the file).
            var template = Array((dir + "/framescope-spill-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else {
                Terminal.error("warning: cannot make a spill file in \(dir): \(String(cString: strerror(errno))); past the budget of waiting messages the stream order may break")
                return nil
            }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) -> Int64? {
        let at = size
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(at) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        size += Int64(bytes.count)
        return at
    }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}

/// A spill file made on the first append: most runs never pass the budget.
final class LazySpill: SpillStore {
    private var file: SpillFile?
    private var failed = false

    func append(_ bytes: [UInt8]) -> Int64? {
        if file == nil && !failed {
            file = SpillFile()
            failed = file == nil
        }
        return file?.append(bytes)
    }

    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        file?.read(at: offset, into: buffer) ?? false
    }
}
