import Synchronization
import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// Long work on a terminal shows progress (docs/DESIGN.md "Terminal output"): while a large capture file is read, a line
/// on standard error says how far the reading is, rewritten in place four times a second and
/// wiped at the end. Only when standard error is a terminal and the line cannot get in the way
/// of the output: the output goes elsewhere (`> file`, `| grep`), or comes only at the end
/// (`stats`, `follow`).
final class Progress: @unchecked Sendable {
    // Only the reading thread ticks; `shown` is also read by whoever prints an error.
    let total: Int64
    let name: String
    private var nextCheck = 8192
    private var lastShown = 0.0

    /// Files smaller than this are read too fast to need it.
    static let minimumBytes: Int64 = 32 << 20

    static func make(path: String, outputAtEnd: Bool) -> Progress? {
        guard path != "-", isatty(2) == 1, outputAtEnd || isatty(1) == 0 else { return nil }
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int64(st.st_size) >= minimumBytes else { return nil }
        return Progress(total: Int64(st.st_size), name: path)
    }

    init(total: Int64, name: String) {
        self.total = total
        self.name = name
        lastShown = monotonicSeconds()  // the first line after a quarter second, not at once
    }

    /// After each frame: cheap until 8,192 more frames were read, then at most 4 lines a second.
    @inline(__always)
    func tick(frames: Int, offset: @autoclosure () -> Int64) {
        guard frames >= nextCheck else { return }
        nextCheck = frames + 8192
        let now = monotonicSeconds()
        guard now - lastShown >= 0.25 else { return }
        lastShown = now
        let text = Array(("\r\u{1b}[K" + Self.line(name: name, offset: offset(), total: total, frames: frames)).utf8)
        Progress.lock.withLock { _ in
            Progress.shown.store(true, ordering: .relaxed)
            _ = Terminal.writeAll(fd: 2, text)
        }
    }

    /// `framescope: big.pcap 37% (118 of 320 MB), 1,234,567 frames`
    static func line(name: String, offset: Int64, total: Int64, frames: Int) -> String {
        let percent = total > 0 ? min(100, Int(offset * 100 / total)) : 0
        return "framescope: \(name) \(percent)% (\(offset >> 20) of \(total >> 20) MB), \(grouped(frames)) frames"
    }

    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n))
        var i = digits.count - 3
        while i > 0 {
            digits.insert(",", at: i)
            i -= 3
        }
        return String(digits)
    }

    /// Draws `line` in place of the last one (a command's own progress, e.g. `fuzz`).
    static func show(_ line: String) {
        let text = Array(("\r\u{1b}[K" + line).utf8)
        lock.withLock { _ in
            shown.store(true, ordering: .relaxed)
            _ = Terminal.writeAll(fd: 2, text)
        }
    }

    /// Wipes the line (at the end).
    static func clear() {
        lock.withLock { _ in clearLocked() }
    }

    /// The same, for a caller that holds `lock` (an error line, written right after).
    static func clearLocked() {
        if shown.exchange(false, ordering: .relaxed) { _ = Terminal.writeAll(fd: 2, Array("\r\u{1b}[K".utf8)) }
    }

    static let shown = Atomic<Bool>(false)
    /// Held while the progress line or an error line is written: the reading thread draws the
    /// one while `messages`' print queue may write the other, and neither may land inside the
    /// other.
    static let lock = Mutex<Void>(())
}
