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

/// The demo's parts, in the order the whole demo runs them (`demo --part NAME`, `demo --list`).
enum DemoPart: String, CaseIterable, Sendable {
    case turns, sticky, split, clients, udp, receiver, mtu, naive, fuzz
}

/// Work on another thread while this one captures; every wait inside it is bounded.
final class DemoJob: Sendable {
    private let state = Mutex<(finished: Bool, failure: String?)>((false, nil))
    var isFinished: Bool { state.withLock { $0.finished } }
    var error: String? { state.withLock { $0.failure } }

    static func start(_ body: @escaping @Sendable () throws -> Void) -> DemoJob {
        let job = DemoJob()
        DispatchQueue.global().async {
            usleep(100_000)  // let the capture settle
            do { try body() } catch { job.state.withLock { $0.failure = "\(error)" } }
            job.state.withLock { $0.finished = true }
        }
        return job
    }
}

/// One part's capture, decoded with no framing hints (auto), as `framescope read` and
/// `messages` would decode the saved file.
struct DemoCapture {
    var frames: [CapturedFrame] = []
    var views: [FrameView] = []
    var decoded: [DecodedFrame] = []
    var messages: [ChatMessage] = []
    var notices: [String] = []
    var path: String

    /// What `messages FILE` uses without --framing.
    static let auto = try! FramingChoice(parsing: [])

    /// Captures `filter` on `lo` while `exchange` runs on another thread, saves the frames to
    /// `path` and decodes them.
    static func run(filter: String, path: String, giveUp: Double = 20,
                    exchange: @escaping @Sendable () throws -> Void) throws -> DemoCapture {
        let capture = try LiveCapture(interface: "lo", bufferSize: 32 << 20, filter: filter)
        defer { capture.close() }
        let writer = try PcapWriter(path: path, linkType: capture.linkType, snaplen: capture.snaplen)
        let job = DemoJob.start(exchange)
        let frames = collectFrames(from: capture, settle: 0.3, giveUp: giveUp, stop: { StopSignal.requested }) { job.isFinished }
        for f in frames { try f.withRaw { try writer.write($0) } }
        try writer.close()
        if !job.isFinished { throw DemoError("the part's clients did not finish within \(Int(giveUp)) s") }
        if let e = job.error { throw DemoError(e) }
        return DemoCapture(frames: frames, path: path)
    }

    /// Decodes `frames` (auto framing unless `choice` is given).
    init(frames: [CapturedFrame], path: String, choice: FramingChoice = DemoCapture.auto) {
        self.frames = frames
        self.path = path
        let stage = Self.inspectAll(frames, choice: choice, views: &views, decoded: &decoded, messages: &messages)
        notices = stage.takeNotices()
        // As `messages` lists them: by stream, then in the order the conversation went.
        messages.sort { ($0.transport == .udp ? 1 : 0, $0.stream, $0.frames.last ?? 0, $0.message.index)
            < ($1.transport == .udp ? 1 : 0, $1.stream, $1.frames.last ?? 0, $1.message.index) }
    }

    /// Every frame through an inspector with views (the demo's one decoding loop): each frame's
    /// view and layers, the messages as they complete and the last ones; `each` sees every frame
    /// as it is decoded (number, raw frame, view, layers). Returns the message stage.
    @discardableResult
    static func inspectAll(_ frames: [CapturedFrame], choice: FramingChoice, views: inout [FrameView], decoded: inout [DecodedFrame],
                           messages: inout [ChatMessage],
                           each: (Int, RawFrame, FrameView, DecodedFrame) -> Void = { _, _, _, _ in }) -> MessageStage {
        let inspector = Inspector(framing: choice)
        let stage = inspector.messages!
        var frame = DecodedFrame()
        for (i, f) in frames.enumerated() {
            f.withRaw { raw in
                let view = inspector.inspect(raw.bytes, linkType: raw.linkType, wireLength: raw.len, number: i + 1,
                                             timestamp: raw.timestamp, into: &frame, view: true).view ?? FrameView()
                views.append(view)
                decoded.append(frame)
                each(i + 1, raw, view, frame)
                messages += stage.takeMessages()
            }
        }
        inspector.finish()
        messages += stage.takeMessages()
        return stage
    }

    func info(_ n: Int) -> FrameInfo {
        let f = frames[n - 1]
        return FrameInfo(number: n, timestamp: f.timestamp, capturedLength: f.bytes.count, wireLength: f.len, linkType: f.linkType)
    }

    /// Payload bytes of frame `n` (TCP or UDP).
    func payload(_ n: Int) -> [UInt8] {
        guard let r = decoded[n - 1].payloadRange, r.upperBound <= frames[n - 1].bytes.count else { return [] }
        return Array(frames[n - 1].bytes[r])
    }

    /// The frames that carry data (a payload), in order.
    var dataFrames: [Int] { frames.indices.map { $0 + 1 }.filter { (decoded[$0 - 1].payloadRange?.count ?? 0) > 0 } }

    /// The session facts of frame `n` (TCP), if any.
    func stream(_ n: Int) -> Int? { views[n - 1].session?.stream }

    func renderFrames(_ which: [Int]? = nil, words: FrameWords, style: TextStyle, into out: ByteSink) {
        for n in which ?? frames.indices.map({ $0 + 1 }) {
            OneLine.render(info(n), decoded[n - 1], view: views[n - 1], style: style, words: words, into: out)
        }
    }

    func renderTree(_ n: Int, words: FrameWords, style: TextStyle, into out: ByteSink) {
        frames[n - 1].withRaw { raw in
            OSITree.render(info(n), decoded[n - 1], payload: raw.bytes, view: views[n - 1], style: style, words: words, into: out)
        }
    }

    func renderMessages(style: TextStyle, into out: ByteSink) {
        for m in messages { MessageLines.line(m, style: style, into: out) }
    }
}

/// A paragraph folded to the demo's width, then a blank line.
func paragraph(_ s: String, into out: ByteSink) {
    out.write(wrapped(s, width: 100))
    out.write("\n\n")
}

/// `text` padded with spaces to `columns` display columns (CJK counts two).
func padded(_ text: String, _ columns: Int) -> String {
    let used = text.reduce(0) { n, c in
        guard let v = c.unicodeScalars.first?.value else { return n }
        return n + ((0x2E80 ... 0xA4CF).contains(v) || (0xAC00 ... 0xD7A3).contains(v) || (0xFF00 ... 0xFF60).contains(v) ? 2 : 1)
    }
    return text + String(repeating: " ", count: max(1, columns - used))
}
