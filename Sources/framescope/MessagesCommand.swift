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

/// `--framing` and friends, shared by the commands that split streams into messages.
struct FramingOptions: ParsableArguments {
    @Option(name: .customLong("framing"), help: ArgumentHelp(
        "Message framing: a struct-style length header ('!I', '<i', 'H', …), line, raw or auto; PORT=SPEC for one server port (repeatable, like Wireshark's Decode As).",
        valueName: "SPEC"))
    var framing: [String] = []

    @Option(help: "A declared length above this is reported as length_over_limit (bytes).")
    var maxMessage: Int = 1 << 20

    @Flag(help: "The length field counts the header too.")
    var lengthIncludesHeader = false

    @Option(help: "Reassembly: TCP streams tracked at once; past it the least recently active is ended (each costs ~2-5 KB).")
    var maxStreams = 20_000

    @Option(help: ArgumentHelp("Reassembly: out-of-order bytes held for all streams together.", valueName: "MB"))
    var maxBuffer = 64

    @Option(help: ArgumentHelp("Reassembly: out-of-order bytes held per stream direction.", valueName: "KB"))
    var maxOutOfOrder = 4096

    @Option(help: ArgumentHelp("Reassembly: a stream with no segment for this long (capture time) is ended.", valueName: "seconds"))
    var idleTimeout = 600

    /// The reassembly limits; whenever one is hit a warning goes to standard error.
    func limits() -> ReassemblyLimits {
        var l = ReassemblyLimits()
        l.maxLiveStreams = maxStreams
        l.maxBufferedBytesTotal = maxBuffer << 20
        l.maxOutOfOrderBytesPerDirection = maxOutOfOrder << 10
        l.idleTimeoutSeconds = Int64(idleTimeout)
        return l
    }

    /// The inspector these options describe: decoding, reassembly and framing (`framed: false`:
    /// the reading half only, for another thread's `MessageStage`). Checksums are verified only
    /// where they are shown.
    func inspector(framed: Bool = true, verifiesChecksums: Bool = false, reassembles: Bool = true) throws -> Inspector {
        Inspector(framing: framed ? try choice() : nil, limits: limits(), verifiesTransportChecksums: verifiesChecksums,
                  reassembles: reassembles)
    }

    func choice() throws -> FramingChoice {
        do {
            return try FramingChoice(parsing: framing, maxMessage: maxMessage, lengthIncludesHeader: lengthIncludesHeader)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func validate() throws {
        if maxMessage < 1 { throw ValidationError("--max-message must be at least 1") }
        if maxStreams < 1 || maxBuffer < 1 || maxOutOfOrder < 1 || idleTimeout < 1 {
            throw ValidationError("--max-streams, --max-buffer, --max-out-of-order and --idle-timeout must be at least 1")
        }
        // (Bounds that keep the byte counts they become far from overflow.)
        if maxBuffer > 1 << 20 || maxOutOfOrder > 1 << 30 || idleTimeout > 1 << 40 {
            throw ValidationError("--max-buffer is at most 1048576 (MB), --max-out-of-order 1073741824 (KB), --idle-timeout 2^40 seconds")
        }
        _ = try choice()
    }
}

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

    @Flag(help: "One JSON object a message (DESIGN.md's messages schema).")
    var json = false

    @Option(help: "Only this TCP stream (its index).")
    var stream: Int?

    func validate() throws {
        if !live && arguments.isEmpty { throw ValidationError("give a capture file, or --live") }
        if buffer < 1 || buffer > 4096 { throw ValidationError("--buffer must be between 1 and 4096 MB") }
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
    }

    func run() throws {
        // `| head` closing the pipe ends the output quietly (status 0), not with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let input: FrameSource = live
            ? try FrameSource.live(interface: interface, filter: arguments, duration: duration, bufferMegabytes: buffer)
            : .file(try CaptureInput(file: arguments[0], filter: Array(arguments.dropFirst())))
        defer { input.close() }
        let printer = MessagePrinter(json: json, stream: stream)
        let sink = MessageSink(stage: MessageStage(framing: try framing.choice()), printer: printer, live: live)
        let failure = live ? try runLive(input, sink) : try runFile(input, sink)
        input.reportEnd()
        if sink.order.orderBroken {
            Terminal.error("more than 64 MB of messages (or 200,000 ended streams) waited for an earlier stream to end; they were printed out of stream order")
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
            sink.consume(inspector.streams.takeEvents())
            sink.printer.flush()
        }
        inspector.streams.finish()
        sink.consume(inspector.streams.takeEvents())
        sink.finish()
        return failure
    }

    /// A file: two threads. This one reads, decodes and reassembles (the inspector's stream
    /// stage); the sink's queue frames the streams (its message stage), orders the messages and
    /// prints them. Batches go over a bounded hand-off (at most `inFlight` of ~2,048 events or
    /// ~1 MB each), so memory stays bounded.
    func runFile(_ input: FrameSource, _ sink: MessageSink) throws -> PcapError? {
        let inspector = try framing.inspector(framed: false)
        let streams = inspector.streams
        let queue = DispatchQueue(label: "framescope.messages.print")
        let inFlight = 4
        let slots = DispatchSemaphore(value: inFlight)
        func hand() {
            guard streams.eventCount > 0 else { return }
            let batch = streams.takeEvents()
            slots.wait()
            queue.async {
                sink.consume(batch)
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
        while !printer.outputClosed {
            do {
                guard let raw = try input.next() else { return nil }
                inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: input.frameNumber, timestamp: raw.timestamp)
                after()
            } catch {
                return error
            }
        }
        return nil
    }
}

/// Frames, orders and prints messages. Used by one thread at a time: the reading loop (live),
/// or the print queue (a file), whose `sync` at the end orders its work before the caller's.
final class MessageSink: @unchecked Sendable {
    let stage: MessageStage
    let printer: MessagePrinter
    let live: Bool
    // Used by one thread at a time (see the type's doc): no runtime exclusivity checks.
    @exclusivity(unchecked) var order = StreamOrder()
    /// A held message is rendered here first, then its bytes are kept by `order`.
    let scratch = ByteSink(capacity: 4096)

    init(stage: MessageStage, printer: MessagePrinter, live: Bool) {
        self.stage = stage
        self.printer = printer
        self.live = live
        stage.keepsSummaries = false
    }

    /// Frames a batch of events from the reading half, then prints what became ready.
    func consume(_ batch: [PipelineEvent]) {
        guard !printer.outputClosed else { return }
        // Event by event, as the one-thread loop pumps frame by frame: where UDP datagrams fall
        // among the TCP messages must not depend on how the events were batched.
        for e in batch {
            stage.consume(e)
            pump()
        }
    }

    /// Prints what is ready: live, every message as soon as it is complete; from a file, in
    /// DESIGN.md's stream order.
    func pump() {
        Terminal.warnings(stage)
        if live {
            stage.drainMessages { printer.print($0) }
            _ = stage.takeFinishedStreams()
            return
        }
        stage.drainMessages { add($0) }
        for s in stage.takeFinishedStreams() { order.finished(s) { printer.write($0) } }
    }

    /// One message in stream order: written now, or rendered and held.
    func add(_ m: ChatMessage) {
        guard printer.wants(m) else { return }
        let stream: Int? = m.transport == .tcp ? m.stream : nil
        if order.printsNow(stream) {
            printer.print(m)
            return
        }
        scratch.removeAll()
        printer.render(m, into: scratch)
        scratch.withBytes { order.hold(m.stream, $0) { printer.write($0) } }
    }

    /// End of input: the last partial messages, everything still held, and the output flushed.
    func finish() {
        stage.finish { batch in
            for m in batch {
                if live { printer.print(m) } else { add(m) }
            }
        }
        pump()
        order.finishAll { printer.write($0) }
        printer.flush()
    }
}

/// Prints messages as they become ready.
final class MessagePrinter {
    let json: Bool
    let stream: Int?
    let out = ByteSink()
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
        if out.count > 1 << 16 { flush() }
    }

    func render(_ m: ChatMessage, into sink: ByteSink) {
        if json {
            MessageLines.json(m, into: sink)
        } else {
            MessageLines.line(m, style: style, into: sink)
        }
    }

    /// Bytes already rendered (held messages released in order).
    func write(_ bytes: UnsafeRawBufferPointer) {
        out.append(bytes)
        if out.count > 1 << 16 { flush() }
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

extension PcapError {
    var isBadFilter: Bool {
        if case .badFilter = self { return true }
        return false
    }
}
