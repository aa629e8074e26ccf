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

/// Frames, orders and prints messages. Used by one thread at a time: the reading loop (live),
/// or the print queue (a file), whose `sync` at the end orders its work before the caller's.
/// While it consumes events it is the stage's receiver: a message is printed or held as soon as
/// the stage completes it.
final class MessageSink: MessageReceiver, @unchecked Sendable {
    let stage: MessageStage
    let printer: MessagePrinter
    let live: Bool
    // Used by one thread at a time (see the type's doc): no runtime exclusivity checks.
    @exclusivity(unchecked) var order: StreamOrder
    /// A held message's rendered bytes (JSON), or the record of its line when not a compact one
    /// (`HeldLines`), are written here first, then kept by `order`.
    let scratch = ByteSink(capacity: 4096)
    /// Where a line the record does not cover is rendered before it is copied into `scratch`.
    let spare = ByteSink(capacity: 4096)

    init(stage: MessageStage, printer: MessagePrinter, live: Bool, order: StreamOrder = StreamOrder()) {
        self.stage = stage
        self.printer = printer
        self.live = live
        self.order = order
        super.init()
    }

    /// Frames a batch of events from the reading half, then prints what became ready. The
    /// events are only read (lent, each moved out for its turn and back: `Array.lend`), and the
    /// batch is left as it came: it goes back to the reading thread, which lets go of it there
    /// (see `MessagesCommand.runFile`).
    func consume(_ events: inout [PipelineEvent]) {
        guard !printer.outputClosed else { return }
        stage.receiver = Unmanaged.passUnretained(self)
        defer { stage.receiver = nil }
        // Event by event, as the one-thread loop pumps frame by frame: where UDP datagrams fall
        // among the TCP messages must not depend on how the events were batched.
        stage.consume(lending: &events, after: { pump() }, ahead: live ? nil : { self.order.prefetch($0, near: $1) })
    }

    /// A message the stage just completed (while `consume` runs).
    override func receive(_ m: ChatMessage) {
        if live { printer.print(m) } else { add(m) }
    }

    /// Prints what is ready: live, every message as soon as it is complete; from a file, in
    /// docs/DESIGN.md "Messages JSON"'s stream order.
    func pump() {
        guard stage.hasNews else { return }
        Terminal.warnings(stage)
        if live {
            stage.drainMessages { printer.print($0) }
            _ = stage.takeFinishedStreams()
            return
        }
        stage.drainMessages { add($0) }
        for s in stage.takeFinishedStreams() { order.finished(s) { printer.release($0) } }
    }

    /// One message in stream order: written now, or held until its stream's turn.
    func add(_ m: ChatMessage) {
        guard printer.wants(m) else { return }
        let stream: Int? = m.transport == .tcp ? m.stream : nil
        if order.printsNow(stream) {
            printer.print(m)
            return
        }
        // Auto's undecided segments wait too: both share the memory bound.
        order.sharedBytes = stage.heldTotal
        // Text: a compact record of the line, written where it is kept; what it does not cover,
        // and JSON, rendered here first.
        let held = printer.held
        if !printer.json {
            let count = held.compactCount(m)
            if count > 0 {
                order.hold(m.stream, count: count, write: { held.writeCompact(m, at: $0) }) { printer.release($0) }
                return
            }
        }
        scratch.removeAll()
        if printer.json {
            printer.render(m, into: scratch)
        } else {
            held.holdLine(m, style: printer.style, into: scratch, spare: spare)
        }
        scratch.withBytes { order.hold(m.stream, $0) { printer.release($0) } }
    }

    /// End of input: the last partial messages, everything still held, and the output flushed.
    func finish() {
        stage.finish { batch in
            for m in batch { receive(m) }
        }
        pump()
        order.finishAll { printer.release($0) }
        printer.flush()
    }
}
