// What /proc says about the target: alive or not, open files, resident memory (Linux).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ProcSample: Sendable, Equatable {
    var fds: Int
    var rssBytes: Int
}

enum ProcStats {
    /// False when the process is gone, or a zombie nobody reaped yet.
    static func alive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return kill(pid, 0) == 0 || errno == EPERM
        }
        // The state is the first field after the command's closing parenthesis.
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }

    /// Open file descriptors and resident set size; nil when /proc cannot tell (gone, no
    /// permission, not Linux).
    static func sample(_ pid: Int32) -> ProcSample? {
        guard pid > 0, let dir = opendir("/proc/\(pid)/fd") else { return nil }
        var fds = 0
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { fds += 1 }
        }
        closedir(dir)
        guard let statm = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return ProcSample(fds: fds, rssBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))))
    }
}
