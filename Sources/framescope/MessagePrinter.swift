import ArgumentParser
import Capture
import Dispatch
import Framing
import Inspect
import Render
import Streams
import Synchronization
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Prints messages as they become ready.
final class MessagePrinter {
    let json: Bool
    let stream: Int?
    let out = ByteSink()
    /// Makes the records of held text lines, and renders them when they are released.
    let held = HeldLines()
    let style = TextStyle(colour: Terminal.colourWanted(fd: 1))

    init(json: Bool, stream: Int?) {
        self.json = json
        self.stream = stream
    }

    /// False for messages `--stream` leaves out.
    @inline(__always)
    func wants(_ m: ChatMessage) -> Bool {
        guard let s = stream else { return true }
        return m.transport == .tcp && m.stream == s
    }

    func print(_ m: ChatMessage) {
        guard wants(m) else { return }
        render(m, into: out)
        if out.holds(moreThan: 1 << 16) { flush() }
    }

    func render(_ m: ChatMessage, into sink: ByteSink) {
        if json {
            MessageLines.json(m, into: sink)
        } else {
            MessageLines.line(m, style: style, into: sink)
        }
    }

    /// Held bytes released in order, in pieces, written out: JSON lines as they are, records of
    /// text lines (`HeldLines`) rendered.
    func release(_ bytes: UnsafeRawBufferPointer) {
        if json {
            out.append(bytes)
        } else {
            held.release(bytes, into: out)
        }
        if out.holds(moreThan: 1 << 16) { flush() }
    }

    /// The reader of standard output went away (`| head`): stop early. Read by the reading
    /// thread while the print queue writes.
    var outputClosed: Bool { closed.load(ordering: .relaxed) }
    private let closed = Atomic<Bool>(false)

    func flush() {
        if !outputClosed, !out.withBytes({ Terminal.writeAll(fd: 1, $0) }) { closed.store(true, ordering: .relaxed) }
        out.removeAll()
    }
}
