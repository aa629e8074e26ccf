import ArgumentParser
import Synchronization
import Capture
import Framing
import Inspect
import Render
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Output choices shared by `read` and `live`.
struct OutputOptions: ParsableArguments {
    @Flag(name: [.customShort("V"), .long], help: "Print every frame as an OSI layer tree (layers 1 to 7, then the payload).")
    var verbose = false

    @Flag(name: [.customShort("x"), .long], help: "Add a hex and ASCII dump of each frame, marking where each layer starts.")
    var hex = false

    @Flag(name: .long, help: "One JSON object a line, per DESIGN.md's schema (see README, 'JSON output').")
    var json = false

    @Option(name: [.customShort("c"), .long], help: "Stop after this many frames (after the filter).")
    var count: Int?

    @Flag(help: "Decode layers 1-4 only: no TCP reassembly, no message framing (fastest).")
    var noMessages = false

    @OptionGroup var framing: FramingOptions

    func validate() throws {
        if json && (verbose || hex) { throw ValidationError("--json cannot be combined with -V or -x") }
        if let c = count, c < 1 { throw ValidationError("-c must be at least 1") }
    }
}

/// Decodes frames and renders them to standard output in the chosen mode. Rendering goes into a
/// byte buffer that is written out in large blocks (or after every frame when `interactive`).
final class FramePrinter {
    enum Mode { case oneLine, tree, json }

    let mode: Mode
    let hex: Bool
    let style: TextStyle
    let interactive: Bool
    private let inspector: Inspector
    private let sink = ByteSink(capacity: 1 << 17)
    private(set) var outputClosed = false

    init(_ options: OutputOptions, interactive: Bool = false) {
        mode = options.json ? .json : options.verbose ? .tree : .oneLine
        hex = options.hex
        style = TextStyle(colour: Terminal.colourWanted(fd: 1))
        self.interactive = interactive
        inspector = (try? options.framing.inspector(verifiesChecksums: true, reassembles: !options.noMessages))
            ?? Inspector(framing: nil, reassembles: false)
        inspector.messages?.collectsMessages = false  // only the per-frame views are printed
        inspector.messages?.keepsSummaries = false
    }

    func handle(_ raw: RawFrame, number: Int) {
        let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: number,
                                     timestamp: raw.timestamp, view: true).view
        if let w = raw.timestamp.impossibleFractionWarning(frame: number) { inspector.frame.warnings.append(w) }
        let frame = inspector.frame
        let info = FrameInfo(number: number, timestamp: raw.timestamp, capturedLength: raw.caplen,
                             wireLength: raw.len, linkType: raw.linkType, interfaceIndex: raw.interfaceIndex)
        if let m = inspector.messages { Terminal.warnings(m) }
        switch mode {
        case .oneLine: OneLine.render(info, frame, view: view, style: style, into: sink)
        case .tree: OSITree.render(info, frame, payload: raw.bytes, view: view, style: style, into: sink)
        case .json: JSONLines.render(info, frame, view: view, into: sink)
        }
        if hex {
            HexDump.render(raw.bytes, layers: frame.layers, payload: frame.payloadRange, style: style, into: sink)
        }
        if mode == .tree || hex { sink.byte(UInt8(ascii: "\n")) }
        if interactive || sink.count >= 1 << 16 { flush() }
    }

    /// End of input: the pipeline's last warnings (fragments never completed, …), then the
    /// buffered output.
    func finish() {
        inspector.finish()
        if let m = inspector.messages { Terminal.warnings(m) }
        flush()
    }

    /// Writes what is buffered; notes a closed pipe (`| head`) so the caller can stop early.
    func flush() {
        guard !outputClosed else { sink.removeAll(); return }
        if !sink.withBytes({ Terminal.writeAll(fd: 1, $0) }) { outputClosed = true }
        sink.removeAll()
    }
}

enum Terminal {
    /// Colour on a terminal only, and never when `NO_COLOR` is set (https://no-color.org).
    static func colourWanted(fd: Int32) -> Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return false }
        return isatty(fd) == 1
    }

    /// The first error (errno) writing standard output other than EPIPE; 0 when none.
    static let outputFailure = Atomic<Int32>(0)

    /// Exits with status 1 and says why when standard output could not be written.
    static func checkOutput() {
        let e = outputFailure.load(ordering: .relaxed)
        guard e != 0 else { return }
        error("cannot write standard output: \(String(cString: strerror(e)))")
        exit(1)
    }

    /// Writes all bytes, retrying short writes and EINTR; false if the reader went away (EPIPE)
    /// or the output failed (see `outputFailure`).
    static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd: fd, $0) }
    }

    static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let p = bytes.baseAddress else { return true }
        var off = 0
        while off < bytes.count {
            let n = write(fd, p + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if fd == 1 && errno != EPIPE { _ = outputFailure.compareExchange(expected: 0, desired: errno, ordering: .relaxed) }
                return false
            }
            off += n
        }
        return true
    }

    /// The pipeline's limit warnings, on standard error as they happen: the first 20, then a
    /// note that more were left out (one adversarial capture can hit a limit 100,000 times).
    static func warnings(_ stage: MessageStage) {
        for w in stage.takeWarnings() {
            shownWarnings += 1
            if shownWarnings <= 20 {
                error("warning: " + w)
            } else if shownWarnings == 21 {
                error("warning: more limits were hit; further warnings are not shown")
            }
        }
    }

    // Only touched by the thread that frames the messages (the reading loop, or `messages`'
    // print queue), one at a time.
    nonisolated(unsafe) static var shownWarnings = 0

    static func error(_ message: String) {
        Progress.lock.withLock { _ in
            Progress.clearLocked()
            _ = writeAll(fd: 2, Array("framescope: \(message)\n".utf8))
        }
    }
}
