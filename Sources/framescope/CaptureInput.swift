import ArgumentParser
import Capture
import Inspect
import Sockets
import Streams
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A capture file opened for a command, with its BPF filter compiled and checked before any
/// output (so a bad filter or a missing file fails with status 2 and nothing printed).
struct CaptureInput {
    let reader: PcapFileReader
    let filter: FrameFilter?
    let progress: Progress?
    private let notes = Notes()

    /// What was said once already on standard error.
    private final class Notes {
        var impossibleTime = false
    }

    /// `outputAtEnd`: the command prints when the file is read (`stats`, `follow`), so a
    /// progress line cannot mix with its output even on a terminal.
    init(file: String, filter words: [String], outputAtEnd: Bool = false) throws {
        progress = Progress.make(path: file, outputAtEnd: outputAtEnd)
        do { reader = try PcapFileReader(path: file) } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let expression = words.joined(separator: " ")
        filter = expression.isEmpty ? nil : FrameFilter(expression: expression)
        do { try filter?.validate(for: reader.linkType) } catch {
            reader.close()
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    /// The next frame that passes the filter; nil at the end of the file.
    func next() throws(PcapError) -> RawFrame? {
        try advance() ? reader.current : nil
    }

    /// Moves to the next frame that passes the filter, which is then `reader.frame.pointee`
    /// (read there: not copied out); false at the end of the file.
    func advance() throws(PcapError) -> Bool {
        let raw = reader.frame
        while try reader.advance() {
            progress?.tick(frames: reader.framesRead, offset: reader.byteOffset)
            if raw.pointee.timestamp.fractionAsRead != nil && !notes.impossibleTime,
               let w = raw.pointee.timestamp.impossibleFractionWarning(frame: reader.framesRead) {
                // Once per file; `read` also marks each such frame.
                notes.impossibleTime = true
                Progress.clear()
                Terminal.error("warning: " + w + " (further frames with impossible times are not reported here)")
            }
            if let f = filter, try !f.matches(raw.pointee) { continue }
            return true
        }
        // Read to the end: the progress line goes before any output that follows.
        if progress != nil { Progress.clear() }
        return false
    }

    /// Every frame of the file through `inspector` (with a message stage): `each` sees the raw
    /// frame, its TCP session facts and its decoded layers; the stage's warnings are said as they
    /// come, and its messages that `keep` accepts are gathered, the last ones after the end.
    /// Returns them, and the error that ended the file early if one did.
    func inspectAll(_ inspector: Inspector, keep: (ChatMessage) -> Bool = { _ in true },
                    each: (RawFrame, SessionInfo?, DecodedFrame) -> Void) -> (messages: [ChatMessage], failure: PcapError?) {
        guard let stage = inspector.messages else { return ([], nil) }
        var frame = DecodedFrame()
        var messages: [ChatMessage] = []
        var failure: PcapError? = nil
        while true {
            do {
                guard let raw = try next() else { break }
                let session = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: frameNumber,
                                                timestamp: raw.timestamp, into: &frame).session
                each(raw, session, frame)
                messages += stage.takeMessages().filter(keep)
                Terminal.warnings(stage)
            } catch {
                failure = error
                break
            }
        }
        inspector.finish()
        Terminal.warnings(stage)
        messages += stage.takeMessages().filter(keep)
        return (messages, failure)
    }

    /// The 1-based position in the file of the frame last returned.
    var frameNumber: Int { reader.framesRead }

    func close() {
        Progress.clear()
        reader.close()
    }
}

/// Where frames come from: a file, or a live capture that ends on --duration, Ctrl-C or SIGTERM.
enum FrameSource {
    case file(CaptureInput)
    case liveCapture(LiveCapture, deadline: Deadline?, counter: Counter)

    final class Counter {
        var frames = 0
        /// Set at a stop (signal or --duration): the wall-clock time of the stop, in ns, and the
        /// monotonic time by which reading what the kernel holds must end.
        var stoppedAt: Int64?
        var drainDeadline = Double.infinity
    }

    /// Opens a live capture (immediate mode, 32 MB kernel buffer unless told) and says so on
    /// standard error; failures print libpcap's reason and exit 2.
    static func live(interface: String, filter words: [String], duration: Double?,
                     snaplen: Int = 262_144, bufferMegabytes: Int = 32, immediate: Bool = true) throws -> FrameSource {
        StopSignal.install()
        let expression = words.joined(separator: " ")
        do {
            let capture = try LiveCapture(interface: interface, snaplen: snaplen, bufferSize: bufferMegabytes << 20,
                                          filter: expression.isEmpty ? nil : expression, immediate: immediate)
            Terminal.error("listening on \(interface), link type \(capture.linkType.name), snaplen \(capture.snaplen)"
                           + (expression.isEmpty ? "" : ", filter \"\(expression)\""))
            return .liveCapture(capture, deadline: duration.map { Deadline(after: $0) }, counter: Counter())
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    /// The next frame; nil at the end of the file, or when a live capture is told to stop.
    func next() throws(PcapError) -> RawFrame? {
        switch self {
        case .file(let input):
            return try input.next()
        case .liveCapture(let capture, let deadline, let counter):
            // At a stop, the frames the kernel already holds (up to a read timeout's worth: a
            // ring block is handed over when full or when the timeout retires it) are still
            // read, so the file has everything that arrived before the stop; then the end.
            while true {
                if counter.stoppedAt == nil && (StopSignal.requested || deadline?.hasPassed == true) {
                    var now = timespec()
                    clock_gettime(CLOCK_REALTIME, &now)
                    counter.stoppedAt = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
                    counter.drainDeadline = monotonicSeconds() + 2
                }
                switch try capture.next() {
                case nil: return nil
                case .timeout?:
                    if counter.stoppedAt != nil { return nil }
                case .frame(let raw)?:
                    if let stop = counter.stoppedAt {
                        let t = raw.timestamp.seconds &* 1_000_000_000 &+ Int64(raw.timestamp.nanoseconds)
                        if t > stop || monotonicSeconds() > counter.drainDeadline { return nil }
                    }
                    counter.frames += 1
                    return raw
                }
            }
        }
    }

    var frameNumber: Int {
        switch self {
        case .file(let input): return input.frameNumber
        case .liveCapture(_, _, let counter): return counter.frames
        }
    }

    /// For a live capture: libpcap's counters on standard error.
    /// For a live capture: frames captured and libpcap's counters, on standard error.
    func reportEnd(writtenTo path: String? = nil) {
        Progress.clear()
        guard case .liveCapture(let capture, _, let counter) = self else { return }
        let n = counter.frames
        var line = "\(n) frame\(n == 1 ? "" : "s") captured"
        if let s = try? capture.stats() {
            line += "; libpcap: \(s.received) received, \(s.droppedByKernel) dropped by kernel, \(s.droppedByInterface) dropped by interface"
            if capture.interface == "lo" && s.received > UInt64(n) {
                line += " (on lo each packet is seen going out and coming in and one copy is kept, so 'received' is about twice the frames: not loss)"
            }
        }
        if let p = path { line += "; written to \(p)" }
        Terminal.error(line)
        if let s = try? capture.stats(), s.droppedByKernel > 0 {
            Terminal.error("warning: the kernel dropped \(s.droppedByKernel) packet\(s.droppedByKernel == 1 ? "" : "s") that framescope did not read in time"
                + (capture.immediate
                    ? ": decoding as frames arrive falls behind before the ring does. Capture with `live -w FILE -q` (no decoding, the ring handed over a block at a time) and decode with `framescope read FILE`, or give the ring more room with --buffer MB"
                    : ": give the ring more room with --buffer MB"))
        }
    }

    /// The live capture's link type and snaplen (for a `-w` file); nil for a file.
    var liveFormat: (linkType: LinkType, snaplen: Int)? {
        guard case .liveCapture(let capture, _, _) = self else { return nil }
        return (capture.linkType, capture.snaplen)
    }

    func close() {
        switch self {
        case .file(let input): input.close()
        case .liveCapture(let capture, _, _): capture.close()
        }
    }
}
