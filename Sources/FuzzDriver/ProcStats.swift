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

    /// The kernel's TCP ListenOverflows and ListenDrops counters (/proc/net/netstat, this network
    /// namespace): they grow when a listener's accept queue was full and a connection was
    /// dropped. Nil when /proc cannot tell.
    static func listenOverflows() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/net/netstat", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        // Pairs of lines: "TcpExt: Name Name …" then "TcpExt: 1 2 …".
        for (i, names) in lines.enumerated() where names.hasPrefix("TcpExt:") && i + 1 < lines.count {
            let keys = names.split(separator: " ")
            let values = lines[i + 1].split(separator: " ")
            guard keys.count == values.count, values.first == "TcpExt:" else { continue }
            // ListenDrops counts every drop at a listener, overflows included.
            var counts: [Substring: Int] = [:]
            for (k, v) in zip(keys, values) where k == "ListenOverflows" || k == "ListenDrops" { counts[k] = Int(v) }
            return counts["ListenDrops"] ?? counts["ListenOverflows"]
        }
        return nil
    }
}
