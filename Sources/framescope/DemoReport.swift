import ArgumentParser
import Fuzz
import FuzzDriver
import Capture
import Chat
import Dispatch
import Framing
import Inspect
import Render
import Streams
import Wire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The capture decoded once, and the demo's sections rendered from it.
struct DemoReport {
    let frames: [CapturedFrame]
    let framedPort: UInt16
    let textPort: UInt16
    var views: [FrameView] = []
    var decoded: [DecodedFrame] = []
    var messages: [ChatMessage] = []
    var framedStream: Int?
    var segments: [LadderSegment] = []
    var endpoints: StreamEndpoints?

    init(frames: [CapturedFrame], framedPort: UInt16, textPort: UInt16) {
        self.frames = frames
        self.framedPort = framedPort
        self.textPort = textPort
        // The servers' formats are known: no guessing.
        var views: [FrameView] = [], decoded: [DecodedFrame] = [], messages: [ChatMessage] = []
        var segments: [LadderSegment] = []
        var framedStream: Int?
        let stage = DemoCapture.inspectAll(frames, choice: FramingChoice(defaultSpec: FrameSpec(.raw),
                                                                         portSpecs: [framedPort: .lessonDefault, textPort: FrameSpec(.line)]),
                                           views: &views, decoded: &decoded, messages: &messages) { n, raw, view, frame in
            if let s = view.session, case .tcp(let h)? = frame.layers.first(where: { $0.proto == .tcp })?.header {
                segments.append(LadderSegment(frame: n, timestamp: raw.timestamp, direction: s.direction,
                                              offset: UInt64(s.relativeSequence &- 1), length: h.payloadLength,
                                              flags: h.flags, analysis: s.analysis))
                if framedStream == nil, h.sourcePort == framedPort || h.destinationPort == framedPort { framedStream = s.stream }
            }
        }
        (self.views, self.decoded, self.messages, self.segments, self.framedStream) = (views, decoded, messages, segments, framedStream)
        messages.sort { ($0.stream, $0.frames.first ?? 0, $0.message.index) < ($1.stream, $1.frames.first ?? 0, $1.message.index) }
        if let s = framedStream {
            segments = zip(segments, segments.map { views[$0.frame - 1].session?.stream }).filter { $0.1 == s }.map(\.0)
            endpoints = stage.summaries.first { $0.stream == s && $0.transport == .tcp }?.endpoints
        } else {
            segments = []
        }
    }

    var framedMessages: [ChatMessage] { messages.filter { $0.transport == .tcp && $0.stream == framedStream } }

    /// The first client→server frame of the framed stream that carries several whole messages.
    var stickyFrame: Int? {
        for m in framedMessages where m.direction == .clientToServer && !m.stickyFrames.isEmpty { return m.stickyFrames[0] }
        return nil
    }

    /// The framed client's longest message, when TCP split it.
    var splitMessage: ChatMessage? {
        framedMessages.filter { $0.direction == .clientToServer && $0.frames.count > 1 }.max { $0.message.body.count < $1.message.body.count }
    }

    func info(_ n: Int) -> FrameInfo {
        let f = frames[n - 1]
        return FrameInfo(number: n, timestamp: f.timestamp, capturedLength: f.bytes.count, wireLength: f.len, linkType: f.linkType)
    }

    func render(say: DemoText, parts: Set<DemoPart>, ctx: DemoContext, pcapPath: String, svgPath: String, into out: ByteSink) {
        let style = ctx.style, words = ctx.words
        func paragraph(_ s: String) {
            out.write(wrapped(s, width: 100))
            out.write("\n\n")
        }
        func title(_ s: String) { style.heading(s, into: out) }
        paragraph(say.title(Int(framedPort), Int(textPort)) + say.captured(frames.count, pcapPath))
        paragraph(say.header)

        title(say.everyFrame(pcapPath))
        for i in frames.indices {
            OneLine.render(info(i + 1), decoded[i], view: views[i], style: style, words: words, into: out)
        }
        out.write("\n")

        if !parts.contains(.sticky) {
            // (demo --part split: the sticky segment is not this part's subject.)
        } else if let n = stickyFrame {
            title(say.stickyTitle(n))
            paragraph(say.sticky)
            frames[n - 1].withRaw { raw in
                OSITree.render(info(n), decoded[n - 1], payload: raw.bytes, view: views[n - 1], style: style, words: words, into: out)
            }
            out.write("\n")
        } else {
            paragraph(say.noSticky)
        }

        if !parts.contains(.split) {
            // (demo --part sticky.)
        } else if let m = splitMessage, let first = m.frames.first {
            title(say.splitTitle(first, m.frames.count, m.message.body.count))
            paragraph(say.split(decoded[first - 1].payloadRange?.count ?? 0))
            let sizes = m.frames.map { (decoded[$0 - 1].payloadRange?.count ?? 0).formatted }.joined(separator: ", ")
            paragraph(ctx.text.splitMTU(sizes, interfaceMTU("lo") ?? 65536))
            frames[first - 1].withRaw { raw in
                OSITree.render(info(first), decoded[first - 1], payload: raw.bytes, view: views[first - 1], style: style, words: words, into: out)
            }
            out.write("\n")
        } else {
            paragraph(say.noSplit)
        }

        title(say.messagesTitle(pcapPath))
        paragraph(say.messages)
        for m in messages { MessageLines.line(m, style: style, into: out) }
        out.write("\n")

        if let s = framedStream, let e = endpoints {
            title(say.ladderTitle(s, svgPath))
            Ladder.text(client: "client \(e.client):\(e.clientPort)", server: "server \(e.server):\(e.serverPort)",
                        segments: segments, messages: framedMessages, into: out)
            out.write("\n")
        }
        paragraph(say.fix)
        paragraph(say.textServer)
        out.write(say.tryNext(pcapPath))
        out.write("\n")
    }

    func ladderSVG(title: String) -> String? {
        guard let e = endpoints else { return nil }
        return Ladder.svg(title: title, client: "\(e.client):\(e.clientPort)", server: "\(e.server):\(e.serverPort)",
                          segments: segments, messages: framedMessages)
    }
}
