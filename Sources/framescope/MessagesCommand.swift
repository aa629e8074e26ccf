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


struct MessagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "List the application messages of every TCP stream and UDP flow, with the frames that carried them.",
        discussion: """
        TCP streams are reassembled (retransmissions, reordering and gaps handled) and split by \
        the framing — default auto: guessed per stream from its first bytes. Each message names \
        the frames whose bytes it used; a message that shares a frame with another is sticky \
        (粘包), one spread over several frames is split (拆包). Problems are named: \
        negative_length, length_over_limit, truncated_header, truncated_body, gap, invalid_utf8, \
        length_mismatch (UDP).

        Examples:
          framescope messages captures/tcp-chat-ipv4.pcap
          framescope messages chat.pcap --framing 9000='!I' --json
          framescope messages lesson.pcap --framing line
          framescope messages --live 'tcp port 9000' --framing '!I'     (Ctrl-C to stop)

        Order: stream by stream in index order, each stream's messages in conversation order \
        (both directions interleaved) — held in memory up to 24 MB (less what auto holds of \
        streams whose framing is not yet clear), then in a temporary file \
        unlinked as soon as it is made, so the order never breaks and memory stays bounded. \
        --order arrival prints each message as it completes instead.

        With --live, the positional arguments are all filter words (there is no file), and each message is printed as soon as it is complete, in arrival order.
        """
    )

    @Argument(help: ArgumentHelp("Capture file to read (- reads standard input), then a BPF filter expression; with --live, the filter only.", valueName: "file-and-filter"))
    var arguments: [String] = []

    @Flag(help: "Capture live instead of reading a file (see `live` for -i, --duration).")
    var live = false

    @Option(name: [.customShort("i"), .long], help: "With --live: the interface.")
    var interface = "lo"

    @Option(help: "With --live: stop after this many seconds.")
    var duration: Double?

    @Option(help: ArgumentHelp("With --live: the kernel capture ring in MB (see live --help); raise it when the stop line warns of drops.", valueName: "MB"))
    var buffer: Int = 32

    @OptionGroup var framing: FramingOptions

    @Flag(help: "One JSON object a message (the schema: docs/DESIGN.md, 'Messages JSON', in the framescope repository).")
    var json = false

    @Option(help: "Only this TCP stream (its index).")
    var stream: Int?

    enum Order: String, ExpressibleByArgument, CaseIterable { case stream, arrival }

    @Option(help: "stream: stream by stream, in index order (the default for a file); arrival: each message as it completes (always so with --live).")
    var order: Order = .stream

    @Option(help: .hidden)
    var orderBudget: Int = StreamOrder.defaultLimit

    func validate() throws {
        if !live && arguments.isEmpty { throw ValidationError("give a capture file, or --live") }
        if buffer < 1 || buffer > 4096 { throw ValidationError("--buffer must be between 1 and 4096 MB") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if orderBudget < 0 { throw ValidationError("--order-budget must not be negative") }
    }

    func run() throws {
        // `| head` closing the pipe ends the output quietly (status 0), not with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let input: FrameSource = live
            ? try FrameSource.live(interface: interface, filter: arguments, duration: duration, bufferMegabytes: buffer)
            : .file(try CaptureInput(file: arguments[0], filter: Array(arguments.dropFirst())))
        defer { input.close() }
        let printer = MessagePrinter(json: json, stream: stream)
        // Held output past the budget goes to a temporary file (made only when it is needed).
        let sink = MessageSink(stage: MessageStage(framing: try framing.choice(), keeps: .messages, emitsProvisional: live),
                               printer: printer, live: live || order == .arrival,
                               order: StreamOrder(limitBytes: orderBudget, spill: live || order == .arrival ? nil : LazySpill()))
        let failure = live ? try runLive(input, sink) : try runFile(input, sink)
        input.reportEnd()
        if sink.order.orderBroken {
            Terminal.error("more than \(orderBudget >> 20) MB of messages waited for an earlier stream to end and no spill file could be made; they were printed out of stream order")
        }
        if let e = failure {
            Terminal.error(e.description)
            throw ExitCode(e.isBadFilter ? 2 : 1)
        }
    }

    /// Live: one thread; each message printed as soon as it is complete.
    func runLive(_ input: FrameSource, _ sink: MessageSink) throws -> PcapError? {
        let inspector = try framing.inspector(framed: false)
        let failure = feed(input, inspector, until: sink.printer) {
            var events = inspector.streams.takeEvents()
            sink.consume(&events)
            sink.printer.flush()
        }
        inspector.streams.finish()
        var events = inspector.streams.takeEvents()
        sink.consume(&events)
        sink.finish()
        return failure
    }

    /// A file: two threads. This one reads, decodes and reassembles (the inspector's stream
    /// stage); the sink's queue frames the streams (its message stage), orders the messages and
    /// prints them. Batches go over a bounded hand-off (at most `inFlight` of ~2,048 events or
    /// ~1 MB each), so memory stays bounded. The print queue hands each batch back when it is
    /// done, and this thread lets go of it: the events' bytes were allocated here, and freed
    /// here they go back to this thread's cache of free blocks for the next ones (freed on the
    /// other thread, each was a trip to the allocator's shared lists on both sides).
    func runFile(_ input: FrameSource, _ sink: MessageSink) throws -> PcapError? {
        let inspector = try framing.inspector(framed: false)
        let streams = inspector.streams
        let queue = DispatchQueue(label: "framescope.messages.print")
        let inFlight = 4
        let slots = DispatchSemaphore(value: inFlight)
        let done = Mutex<[[PipelineEvent]]>([])
        func hand() {
            guard streams.eventCount > 0 else { return }
            // Boxed, so the print queue takes the only reference.
            let batch = EventBatch(streams.takeEvents())
            slots.wait()
            // Batches the print queue finished with, freed on this thread.
            _ = done.withLock { finished in
                var out: [[PipelineEvent]] = []
                swap(&out, &finished)
                return out
            }
            queue.async {
                var events = batch.take()
                sink.consume(&events)
                // Moved in, so that the last reference is the list's and the reading thread's
                // drain frees it (a copy kept here would make this thread the last one out).
                // (Out of the `var` first: consumed inside the closure, it was released twice.)
                let handed = consume events
                done.withLock { $0.append(consume handed) }
                slots.signal()
            }
        }
        let failure = feed(input, inspector, until: sink.printer) {
            if streams.batchDue { hand() }
        }
        streams.finish()
        hand()
        queue.sync { sink.finish() }
        return failure
    }

    /// Reads every frame of `input` into `inspector` (calling `after` after each) until the
    /// input ends, fails, or standard output's reader went away.
    func feed(_ input: FrameSource, _ inspector: Inspector, until printer: MessagePrinter, after: () -> Void) -> PcapError? {
        var frame = DecodedFrame()
        if case .file(let file) = input {
            // A file's frames read where its reader keeps them (each copied out through the
            // reader, the input and this loop cost about a hundred instructions a frame).
            let reader = file.reader, raw = reader.frame
            while !printer.outputClosed {
                do {
                    guard try file.advance() else { return nil }
                    inspector.feed(raw.pointee.bytes, linkType: raw.pointee.linkType, wireLength: raw.pointee.len,
                                   number: reader.framesRead, timestamp: raw.pointee.timestamp, into: &frame)
                    after()
                } catch {
                    return error
                }
            }
            return nil
        }
        while !printer.outputClosed {
            do {
                guard let raw = try input.next() else { return nil }
                inspector.feed(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: input.frameNumber, timestamp: raw.timestamp, into: &frame)
                after()
            } catch {
                return error
            }
        }
        return nil
    }
}


/// A batch of events on its way to the print queue, which takes them (`take`) so that they are
/// its alone.
final class EventBatch: @unchecked Sendable {  // handed over once: the reading thread never touches it again
    private var events: [PipelineEvent]

    init(_ events: [PipelineEvent]) { self.events = events }

    func take() -> [PipelineEvent] {
        var out: [PipelineEvent] = []
        swap(&out, &events)
        return out
    }
}

extension PcapError {
    var isBadFilter: Bool {
        if case .badFilter = self { return true }
        return false
    }
}
