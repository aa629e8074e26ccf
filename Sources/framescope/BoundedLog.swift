import Dispatch
import Synchronization

/// Lines written to a file descriptor from a queue of its own, so that whoever logs — a server's
/// event loop — never waits on a reader that does not read (a full pipe, a stopped terminal).
/// At most `capacity` lines wait; past that they are dropped and counted, and the count is
/// written with the next line that gets through.
final class BoundedLog: Sendable {
    let fd: Int32
    let prefix: String
    let capacity: Int
    private let queue: DispatchQueue
    private let waiting = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    init(fd: Int32, prefix: String, capacity: Int = 1024) {
        self.fd = fd
        self.prefix = prefix
        self.capacity = capacity
        queue = DispatchQueue(label: "framescope.log.\(fd)")
    }

    func post(_ line: String) {
        guard waiting.add(1, ordering: .relaxed).newValue <= capacity else {
            waiting.subtract(1, ordering: .relaxed)
            dropped.add(1, ordering: .relaxed)
            return
        }
        queue.async { [self] in
            let lost = dropped.exchange(0, ordering: .relaxed)
            var text = ""
            if lost > 0 { text += prefix + "(\(lost) log line\(lost == 1 ? "" : "s") dropped: nobody was reading)\n" }
            text += prefix + line + "\n"
            _ = Terminal.writeAll(fd: fd, Array(text.utf8))
            waiting.subtract(1, ordering: .relaxed)
        }
    }

    /// Waits (bounded) for the lines already posted, as the program ends.
    func drain(seconds: Double = 1) {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        _ = done.wait(timeout: .now() + seconds)
    }
}
